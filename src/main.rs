//! The `bksim` command: parses the command line, calls the library, maps errors to exit codes
//! (0 success, 2 invalid input, 1 anything else).

use bksim::cli::{Cli, Command};
use clap::Parser;
use std::io::Write;

fn main() {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &cli.command {
        Command::Run(args) => bksim::cli::run(args, &mut out),
        Command::Validate(args) => bksim::cli::validate(args, &mut out),
        Command::Sweep(args) => bksim::cli::sweep(args, &mut out),
        Command::Merge(args) => bksim::cli::merge(args, &mut out),
        Command::Capacity(args) => bksim::cli::capacity(args, &mut out),
    };
    let _ = out.flush();
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
