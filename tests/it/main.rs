//! Integration tests: one binary, one module per area.

mod bad_input;
mod cli;
mod common;
mod crypto;
mod crypto_backends;
mod expect;
mod fuzz;
mod memory;
mod model;
mod outdir;
mod replay;
mod replay_parse;
mod report;
mod report_html;
mod scenario;
mod sdk;
mod standalone;
mod structure;
mod sweep;
mod untrusted;
