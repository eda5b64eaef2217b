//! The `bksim` command: parses the command line, calls the library, maps errors to exit codes.

fn main() {
    println!("bksim");
}
