//! Integration tests: one binary, one module per area.

mod bad_input;
mod cli;
mod cloudtrail;
mod common;
mod crypto;
mod crypto_backends;
mod expect;
mod fuzz;
mod layer;
mod memory;
mod model;
mod outdir;
mod policy_check;
mod policy_sim;
mod replay;
mod replay_parse;
mod replication;
mod report;
mod report_html;
mod scenario;
mod sdk;
mod sensitivity;
mod standalone;
mod structure;
mod sweep;
mod untrusted;
