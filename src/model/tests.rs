//! Model checks against results that do not depend on the model (DESIGN.md §4).

use super::run_variant;
use super::testkit::*;
use crate::scenario::*;

#[test]
fn smoke_quickstart_like() {
    let sc = simple(20_000.0, 10_000, 10);
    let r = run_variant("per-object", &sc, None);
    let s = &r.summary;
    eprintln!("{:#?}", s);
    assert!(s.kms.throttled > 0);
    assert_eq!(s.requests.put.offered, s.requests.put.completed + s.requests.put.failed);
}
