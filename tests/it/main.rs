//! Integration tests: one binary, one module per area.

mod cli;
mod model;
mod report;
mod report_html;
mod scenario;
