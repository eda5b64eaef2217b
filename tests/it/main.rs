//! Integration tests: one binary, one module per area.

mod cli;
mod common;
mod crypto;
mod memory;
mod model;
mod report;
mod report_html;
mod scenario;
mod sweep;
