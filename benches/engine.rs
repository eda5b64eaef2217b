//! Engine throughput benchmark (filled in with the model).
fn main() {}
