//! The `bksim` command: parses the command line, calls the library, maps errors to exit codes
//! (0 success, 2 invalid input, 1 anything else).

use bksim::cli::{Cli, Command};
use clap::Parser;
use std::io::Write;

fn main() {
    let cli = Cli::parse();
    // BKSIM_CRYPTO_BACKEND must name an AES implementation this CPU runs (exit code 2).
    if let Err(e) = bksim::crypto::check_backend_env() {
        eprintln!(
            "error: {}",
            bksim::input::escape_controls_keep_lines(&e.to_string())
        );
        std::process::exit(e.exit_code());
    }
    let stdout = std::io::stdout();
    // Text from users' files never drives the terminal (see `input::EscapeControls`).
    let mut out = bksim::input::EscapeControls(stdout.lock());
    let done = |r: Result<(), bksim::cli::CommandError>| r.map(|()| bksim::cli::EXIT_OK);
    let result = match &cli.command {
        Command::Run(args) => done(bksim::cli::run(args, &mut out)),
        Command::Validate(args) => done(bksim::cli::validate(args, &mut out)),
        Command::Sweep(args) => done(bksim::cli::sweep(args, &mut out)),
        Command::Merge(args) => done(bksim::cli::merge(args, &mut out)),
        Command::Sensitivity(args) => done(bksim::cli::sensitivity(args, &mut out)),
        Command::Capacity(args) => done(bksim::cli::capacity(args, &mut out)),
        Command::Live(args) => done(bksim::cli::live(args, &mut out)),
        // The selftest's own exit code says whether any vector failed.
        Command::Crypto(cmd) => bksim::cli::crypto(cmd, &mut out),
        Command::Report(args) => done(bksim::cli::report(args, &mut out)),
        Command::Replay(args) => done(bksim::cli::replay(args, &mut out)),
        Command::PolicyCheck(args) => bksim::cli::policy_check(args, &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // Messages quote the user's input (file names, values); no control character
            // in it reaches the terminal raw.
            eprintln!(
                "error: {}",
                bksim::input::escape_controls_keep_lines(&e.to_string())
            );
            std::process::exit(e.exit_code());
        }
    }
}
