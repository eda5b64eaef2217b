//! The "Assumptions and sources" section: every model parameter of every variant with its
//! value and where it came from (scenario file, override, published AWS fact, assumption),
//! merged across variants, and the links for the fact sheet's sections.
//!
//! Provenance references name fact-sheet sections (`aws-facts §1.1`). The URLs below are the
//! sources the fact sheet (`reference/aws-facts.md`) gives for those sections, copied here so
//! a report needs nothing but the results directory.

use crate::report::load::LoadedRun;
use crate::scenario::ValueSource;

/// Fact-sheet section → its primary source. A reference to `§1.4.2` uses the longest listed
/// prefix (`1.4`, else `1`).
const FACT_URLS: &[(&str, &str)] = &[
    (
        "1",
        "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html",
    ),
    (
        "1.2",
        "https://aws.amazon.com/cn/about-aws/whats-new/2018/08/aws-key-management-service-increases-api-requests-per-second-limits/",
    ),
    (
        "1.5",
        "https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html",
    ),
    ("2", "https://aws.amazon.com/kms/pricing/"),
    (
        "3",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html",
    ),
    (
        "3.4",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    ),
    (
        "3.8",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingDSSEncryption.html",
    ),
    (
        "5",
        "https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakey.html",
    ),
    (
        "6",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html",
    ),
    (
        "7",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingDSSEncryption.html",
    ),
    (
        "8",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html",
    ),
    (
        "9",
        "https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html",
    ),
    (
        "9.1",
        "https://github.com/boto/botocore/blob/0719e79583bba4ce33d41f430ab6ca9658ed35a5/botocore/retries/standard.py",
    ),
    ("9.2", "https://github.com/aws/aws-sdk-cpp/issues/3832"),
    (
        "10",
        "https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/thresholds.html",
    ),
    (
        "11",
        "https://aws.github.io/amazon-s3-encryption-client-java/constant-values.html",
    ),
    (
        "13",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
    ),
];

/// The source URL for a fact-sheet section such as `1.1` or `9.1`, if the sheet gives one
/// (§12, "no published latency figure", has none).
pub fn fact_url(section: &str) -> Option<&'static str> {
    let mut s = section.trim_end_matches('.');
    loop {
        if let Some((_, url)) = FACT_URLS.iter().find(|(k, _)| *k == s) {
            return Some(url);
        }
        match s.rfind('.') {
            Some(i) => s = &s[..i],
            None => return None,
        }
    }
}

/// A piece of source text: plain, or a fact-sheet reference with its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    /// `aws-facts §1.1` and the section's URL (`None` when the sheet has none).
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
