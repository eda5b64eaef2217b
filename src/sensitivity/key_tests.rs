//! Tests of the range table against the scenario key tables: every key whose default is an
//! assumption (or a fact marked UNCERTAIN) has a range containing its default, or is listed
//! as not a model input; every listed key exists; `scenarios/README.md` lists them all.

use super::ranges::{Bound, NOT_INPUTS, RANGES};
use super::values;
use crate::scenario::key_table;

#[test]
fn every_assumption_has_a_range_or_is_not_an_input() {
    let mut missing = Vec::new();
    for path in key_table().iter().filter(|k| k.uncertain).map(|k| &k.path) {
        let ranged = RANGES.iter().filter(|r| r.key == path).count();
        let listed = NOT_INPUTS.iter().filter(|(p, _)| p == path).count();
        if ranged + listed != 1 {
            missing.push(format!(
                "{path} ({ranged} ranges, {listed} not-input entries)"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "keys without exactly one entry: {missing:?}"
    );
    let keys = key_table();
    for key in RANGES
        .iter()
        .map(|r| r.key)
        .chain(NOT_INPUTS.iter().map(|n| n.0))
    {
        assert!(
            keys.iter().any(|k| k.path == key),
            "{key} is no scenario key"
        );
    }
}

#[test]
fn every_range_contains_its_default() {
    let keys = key_table();
    for r in RANGES {
        let k = keys.iter().find(|k| k.path == r.key).unwrap();
        if let (Bound::Scale(lo), Bound::Scale(hi)) = (r.low, r.high) {
            assert!(lo <= 1.0 && 1.0 <= hi, "{}: factors {lo}..{hi}", r.key);
            continue;
        }
        let Some(text) = k.default else {
            panic!("{}: a fixed range needs a textual default", r.key)
        };
        let d = values::parse(text);
        let end = |b: Bound| match b {
            Bound::Value(t) => values::parse(t),
            Bound::Scale(f) => values::apply(Bound::Scale(f), &d).unwrap(),
        };
        let (lo, hi) = (end(r.low), end(r.high));
        match (
            values::magnitude(&lo),
            values::magnitude(&d),
            values::magnitude(&hi),
        ) {
            (Some(l), Some(x), Some(h)) => {
                assert!(
                    l <= x && x <= h,
                    "{}: default {text} not in {l}..{h}",
                    r.key
                )
            }
            _ => assert!(
                [values::display(&lo), values::display(&hi)].contains(&values::display(&d)),
                "{}: default {text} is neither end",
                r.key
            ),
        }
    }
}

#[test]
fn the_readme_lists_every_range() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
    let start = readme
        .find("## Sensitivity ranges")
        .expect("scenarios/README.md has a section Sensitivity ranges");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    for key in RANGES
        .iter()
        .map(|r| r.key)
        .chain(NOT_INPUTS.iter().map(|n| n.0))
    {
        assert!(section.contains(&format!("`{key}`")), "{key} is not listed");
    }
}
