//! The "Assumptions and sources" section: every model parameter of every variant with its
//! value and where it came from (scenario file, override, published AWS fact, assumption),
//! merged across variants, and the links for the facts document's sections.
//!
//! Provenance references name sections of the project's AWS facts document,
//! `docs/aws-facts.md` (`aws-facts §1.1`). The document is embedded in the binary and each
//! section's primary source is read from it, so a report needs nothing but the results
//! directory. Convention: the first non-blank line after a numbered heading (`## 2. ...`,
//! `### 1.1 ...`) is `Source: <url>` (exactly one URL) or `No source: <reason>`.

use std::sync::OnceLock;

use crate::report::load::LoadedRun;
use crate::scenario::ValueSource;

/// The facts document's path in the bksim repository, as reports name it.
pub const FACTS_DOC_PATH: &str = "docs/aws-facts.md";

/// The facts document itself.
const FACTS_DOC: &str = include_str!("../../docs/aws-facts.md");

/// What a numbered section of the facts document says about its primary source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionSource {
    /// `Source: <url>`.
    Url(&'static str),
    /// `No source: <reason>`.
    Unsourced,
    /// Neither line follows the heading: a defect of the document (a test checks for it).
    Missing,
}

/// A numbered section of the facts document: `1`, `1.1`, `9.3`...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Section {
    number: &'static str,
    source: SectionSource,
}

/// The numbered sections of `doc` in order, with what their first line says about their
/// source. Headings inside fenced code blocks and headings without a number are not sections.
fn parse_sections(doc: &'static str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    // Index of the section whose first non-blank line is still to come.
    let mut open: Option<usize> = None;
    let mut fenced = false;
    for line in doc.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || t.starts_with("```") {
            open = None;
            continue;
        }
        if let Some(number) = section_number(t) {
            out.push(Section {
                number,
                source: SectionSource::Missing,
            });
            open = Some(out.len() - 1);
            continue;
        }
        if t.is_empty() {
            continue;
        }
        if let Some(i) = open.take() {
            out[i].source = if let Some(url) = t.strip_prefix("Source: ") {
                let url = url.trim();
                let one_url = url.starts_with("https://") && !url.contains(char::is_whitespace);
                if one_url {
                    SectionSource::Url(url)
                } else {
                    SectionSource::Missing
                }
            } else if t
                .strip_prefix("No source:")
                .is_some_and(|why| !why.trim().is_empty())
            {
                SectionSource::Unsourced
            } else {
                SectionSource::Missing
            };
        }
    }
    out
}

/// `1.1` for a heading line `### 1.1 Title` (or `## 2. Title`), `None` for any other line.
fn section_number(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    if rest.len() == line.len() {
        return None;
    }
    let rest = rest.strip_prefix(' ')?;
    let token = rest.split_whitespace().next()?.trim_end_matches('.');
    let numbered = token.starts_with(|c: char| c.is_ascii_digit())
        && token.chars().all(|c| c.is_ascii_digit() || c == '.');
    numbered.then_some(token)
}

/// The sections of the embedded facts document, parsed once.
fn sections() -> &'static [Section] {
    static SECTIONS: OnceLock<Vec<Section>> = OnceLock::new();
    SECTIONS.get_or_init(|| parse_sections(FACTS_DOC))
}

/// The source URL for a facts-document section such as `1.1` or `9.1`: the `Source:` line
/// of the longest prefix that has one (`1.4.2` → `1.4` → `1`); `None` when there is none
/// (§12, "no published latency figure", says `No source:`).
pub fn fact_url(section: &str) -> Option<&'static str> {
    let mut s = section.trim_end_matches('.');
    loop {
        let url = sections().iter().find_map(|x| match x.source {
            SectionSource::Url(u) if x.number == s => Some(u),
            _ => None,
        });
        if url.is_some() {
            return url;
        }
        match s.rfind('.') {
            Some(i) => s = &s[..i],
            None => return None,
        }
    }
}

/// A piece of source text: plain, or a facts-document reference with its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    /// `aws-facts §1.1` and the section's URL (`None` when the document gives none).
    Fact {
        label: String,
        url: Option<&'static str>,
    },
    /// A URL written in the text.
    Url(String),
}

/// Splits `text` into plain text, `aws-facts §N` references and URLs.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("aws-facts §") {
            let sec_len = after
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(after.len());
            let sec = after[..sec_len].trim_end_matches('.');
            if !sec.is_empty() {
                if !plain.is_empty() {
                    out.push(Span::Text(std::mem::take(&mut plain)));
                }
                out.push(Span::Fact {
                    label: format!("aws-facts §{sec}"),
                    url: fact_url(sec),
                });
                rest = &after[sec.len()..];
                continue;
            }
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')' || c == ',' || c == ';')
                .unwrap_or(rest.len());
            if !plain.is_empty() {
                out.push(Span::Text(std::mem::take(&mut plain)));
            }
            out.push(Span::Url(rest[..end].to_string()));
            rest = &rest[end..];
            continue;
        }
        let c = rest.chars().next().expect("not empty");
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !plain.is_empty() {
        out.push(Span::Text(plain));
    }
    // `aws-facts §2 https://aws.amazon.com/kms/pricing/`: the reference already links there.
    let mut i = 0;
    while i + 2 < out.len() {
        let dup = matches!(
            (&out[i], &out[i + 1], &out[i + 2]),
            (Span::Fact { url: Some(u), .. }, Span::Text(t), Span::Url(v))
                if t.trim().is_empty() && u == v
        );
        if dup {
            out.drain(i + 1..i + 3);
        } else {
            i += 1;
        }
    }
    out
}

/// What kind of source a value has, as the report names it.
pub fn kind_label(s: &ValueSource) -> &'static str {
    match s {
        ValueSource::Scenario { .. } => "scenario",
        ValueSource::Override { .. } => "override",
        ValueSource::Fact { .. } => "AWS fact",
        ValueSource::Assumption { .. } => "assumption",
    }
}

/// The detail of a source as text (references keep their `aws-facts §N` for [`spans`]).
pub fn detail(s: &ValueSource) -> String {
    match s {
        ValueSource::Scenario { line } => format!("scenario file, line {line}"),
        ValueSource::Override { by } => format!("set by {by}"),
        ValueSource::Fact { reference } => reference.clone(),
        ValueSource::Assumption { note } => note.clone(),
    }
}

/// One value of a parameter and the variants that have it (empty: every variant).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValue {
    pub variants: Vec<String>,
    pub value: String,
    pub source: ValueSource,
}

/// A parameter and its values across variants.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRow {
    pub path: String,
    pub values: Vec<ParamValue>,
}

/// Every parameter of every variant, sorted by path; a parameter with the same value and
/// source in every variant has one value with no variant names.
pub fn parameter_rows(run: &LoadedRun) -> Vec<ParamRow> {
    let vs = &run.summary.variants;
    let mut rows: Vec<ParamRow> = Vec::new();
    for v in vs {
        for p in &v.parameters {
            let row = match rows.iter_mut().find(|r| r.path == p.path) {
                Some(r) => r,
                None => {
                    rows.push(ParamRow {
                        path: p.path.clone(),
                        values: Vec::new(),
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            match row
                .values
                .iter_mut()
                .find(|x| x.value == p.value && x.source == p.source)
            {
                Some(x) => x.variants.push(v.name.clone()),
                None => row.values.push(ParamValue {
                    variants: vec![v.name.clone()],
                    value: p.value.clone(),
                    source: p.source.clone(),
                }),
            }
        }
    }
    for r in &mut rows {
        if r.values.len() == 1 && r.values[0].variants.len() == vs.len() {
            r.values[0].variants.clear();
        }
    }
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_sections_map_to_urls() {
        assert_eq!(
            fact_url("1.1"),
            Some("https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html")
        );
        assert_eq!(fact_url("1.5"), fact_url("1.5.1"));
        assert!(fact_url("9.1").unwrap().contains("botocore"));
        assert_eq!(fact_url("12"), None);
        assert_eq!(fact_url("2"), Some("https://aws.amazon.com/kms/pricing/"));
    }

    #[test]
    fn sections_and_sources_come_from_the_document() {
        let doc = "# Title\n\nIntro mentioning ## 7. nothing\n\n## 1. One\n\nSource: https://a.example/1\n\n\
                   ### 1.1 Sub\nSource: https://a.example/1.1\n\n### 1.2 Sub\n\nNo source: none published\n\n\
                   ```\n## 9. in a code block\n```\n## 2. Two\n\nText first.\nSource: https://late.example\n\n\
                   ## 3. Three\nSource: https://a.example/3 and more\n## 4. Four\nNo source:\n## Unnumbered\n";
        let got = parse_sections(doc);
        let want = [
            ("1", SectionSource::Url("https://a.example/1")),
            ("1.1", SectionSource::Url("https://a.example/1.1")),
            ("1.2", SectionSource::Unsourced),
            ("2", SectionSource::Missing),
            ("3", SectionSource::Missing),
            ("4", SectionSource::Missing),
        ];
        assert_eq!(
            got.iter().map(|s| (s.number, s.source)).collect::<Vec<_>>(),
            want
        );
        assert_eq!(section_number("### 9.3 Adaptive"), Some("9.3"));
        assert_eq!(section_number("## 12. Latency"), Some("12"));
        assert_eq!(section_number("##12. Latency"), None);
        assert_eq!(section_number("## Open questions"), None);
        assert_eq!(section_number("Source: https://x"), None);
    }

    #[test]
    fn every_section_of_the_facts_document_declares_its_source() {
        let secs = sections();
        let numbers: Vec<&str> = secs.iter().map(|s| s.number).collect();
        for top in 1..=13 {
            assert!(numbers.contains(&top.to_string().as_str()), "no §{top}");
        }
        let mut unique = numbers.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            numbers.len(),
            "a section number twice: {numbers:?}"
        );
        for s in secs {
            assert_ne!(
                s.source,
                SectionSource::Missing,
                "§{}: the first line after the heading must be `Source: <url>` or `No source: <reason>`",
                s.number
            );
        }
        // Only the reserved §4 and the latency section (no published figures) lack a source.
        let unsourced: Vec<&str> = secs
            .iter()
            .filter(|s| s.source == SectionSource::Unsourced)
            .map(|s| s.number)
            .collect();
        assert_eq!(unsourced, ["4", "12"]);
    }

    /// Every section named by `marker` followed by a section number in `text`.
    fn references<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
        text.match_indices(marker)
            .map(|(i, m)| {
                let after = &text[i + m.len()..];
                let n = after
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(after.len());
                after[..n].trim_end_matches('.')
            })
            .filter(|n| !n.is_empty())
            .collect()
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_reference_in_the_sources_names_a_section_of_the_document() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let numbers: Vec<&str> = sections().iter().map(|s| s.number).collect();
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        let mut seen = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for n in references(&text, "aws-facts §") {
                assert!(
                    numbers.contains(&n),
                    "{}: aws-facts §{n} is not a section of {FACTS_DOC_PATH}",
                    f.display()
                );
                seen.push(n.to_string());
            }
        }
        // scenarios/README.md cites the document as a bare `§N`.
        let readme = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
        let bare = references(&readme, "§");
        for n in &bare {
            assert!(
                numbers.contains(n),
                "scenarios/README.md: §{n} is not a section of {FACTS_DOC_PATH}"
            );
        }
        // The scan found the references that are known to be there.
        for n in [
            "1.1", "1.2", "1.4", "2", "3.1", "9", "9.1", "10", "12", "13",
        ] {
            assert!(seen.iter().any(|s| s == n), "src/ cites no aws-facts §{n}");
        }
        for n in ["1.1", "3.8", "9.3", "10", "13"] {
            assert!(bare.contains(&n), "scenarios/README.md cites no §{n}");
        }
    }

    #[test]
    fn every_fact_default_links_to_a_source() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        // Defaults labelled "fact" in scenarios/README.md.
        let readme = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
        let facts = references(&readme, "| fact, §");
        assert!(facts.len() >= 10, "{facts:?}");
        for n in facts {
            assert!(
                fact_url(n).is_some(),
                "fact default cites §{n}, which has no source"
            );
        }
        // The fact references (`REF_*`) that validation records as provenance.
        let presets = std::fs::read_to_string(root.join("src/scenario/presets.rs")).unwrap();
        let mut refs = 0;
        for item in presets
            .split("pub const ")
            .filter(|i| i.starts_with("REF_"))
        {
            for n in references(item, "aws-facts §") {
                assert!(fact_url(n).is_some(), "{item}: §{n} has no source");
                refs += 1;
            }
        }
        assert!(refs >= 8, "{refs} REF_ references");
    }

    #[test]
    fn spans_split_references_and_urls() {
        let s = spans("aws-facts §2 https://aws.amazon.com/kms/pricing/ ($0.03 per 10,000)");
        assert_eq!(
            s,
            vec![
                Span::Fact {
                    label: "aws-facts §2".into(),
                    url: Some("https://aws.amazon.com/kms/pricing/")
                },
                Span::Text(" ($0.03 per 10,000)".into()),
            ]
        );
        let s = spans("aws-facts §9.1 see https://example.org/x, here");
        assert_eq!(s[2], Span::Url("https://example.org/x".into()));
        assert_eq!(s[3], Span::Text(", here".into()));
        let s = spans("not published (aws-facts §12)");
        assert_eq!(
            s[1],
            Span::Fact {
                label: "aws-facts §12".into(),
                url: None
            }
        );
        assert_eq!(s[2], Span::Text(")".into()));
        assert_eq!(spans("plain"), vec![Span::Text("plain".into())]);
    }
}
