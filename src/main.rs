//! The `bksim` command: parses the command line, calls the library, maps errors to exit codes.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "bksim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Real cryptography: selftest, bench, calibrate.
    #[command(subcommand)]
    Crypto(bksim::crypto::CryptoCommand),
}

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Crypto(cmd) => {
            let mut out = std::io::stdout().lock();
            match bksim::crypto::run(cmd, &mut out) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
        }
    };
    std::process::exit(code);
}
