//! "What this verdict depends on": the section of `report.md` and `report.html` built from a
//! results directory's `sensitivity.json` (written by `bksim run --sensitivity`). Per variant,
//! the parameters that change its verdict come first, each with the value at which it flips
//! (bisection, to the precision the file states); then the others by the spread they cause
//! in the main metric (KMS requests per second), and the tornado chart of that metric
//! (`charts/tornado-<variant>-<metric>.svg`, drawn by [`tornado`]).
//!
//! The analysis itself is [`crate::sensitivity`]; what its results are ([`output`], the
//! format of `sensitivity.json`; [`metrics`], what each run measures) and how they are drawn
//! ([`tornado`]) live here, so that the report, which reads them, does not depend on the
//! analysis (which runs the model).
//! Without `sensitivity.json` the section is absent and the report is byte for byte what it
//! was.

use std::fmt::Write;

use crate::chart::{CHARTS_DIR, ChartError};
pub mod metrics;
pub mod output;
pub mod tornado;

use metrics::{KMS_RPS, Verdict};
use output::{ParamResult, SensitivityResults, VariantResult};
use tornado::{Tornado, TornadoFile};

/// The section's title, in both reports.
pub const TITLE: &str = "What this verdict depends on";

/// Rows of the table of other parameters, per variant.
const TABLE_ROWS: usize = 8;

/// The metric the section orders by and charts: KMS requests per second when the file has
/// it, else its first metric.
pub fn main_metric(v: &VariantResult) -> Option<&str> {
    if v.base.contains_key(KMS_RPS) {
        Some(KMS_RPS)
    } else {
        v.base.keys().next().map(String::as_str)
    }
}

/// Whether variant `v` gets a tornado in the report: some parameter moves its main metric.
fn charted(s: &SensitivityResults, v: &VariantResult) -> Option<Tornado> {
    let t = Tornado::new(&s.scenario, v, main_metric(v)?);
    (!t.bars.is_empty()).then_some(t)
}

/// The tornado charts the report embeds: the main metric of each variant that some
/// parameter moves.
pub fn render_charts(s: &SensitivityResults, png: bool) -> Result<Vec<TornadoFile>, ChartError> {
    let mut out = Vec::new();
    for v in &s.variants {
        let one = SensitivityResults {
            variants: vec![v.clone()],
            ..s.clone()
        };
        if let Some(t) = charted(s, v) {
            out.extend(tornado::render(&one, Some(&[t.metric.as_str()]), png)?);
        }
    }
    Ok(out)
}

/// A verdict in words.
pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "no KMS throttling, no failed requests",
        Verdict::Throttled => "KMS throttled (the SDK's retries hid it: no request failed)",
        Verdict::Failures => "requests fail",
    }
}

fn flips(v: &VariantResult, p: &ParamResult) -> bool {
    p.verdict_at_low != v.verdict || p.verdict_at_high != v.verdict
}

/// The sentence of a parameter that changes the verdict: which end, and where it flips.
fn flip_sentence(v: &VariantResult, p: &ParamResult) -> String {
    let mut parts = Vec::new();
    for (end, value, verdict) in [
        ("low", &p.low, p.verdict_at_low),
        ("high", &p.high, p.verdict_at_high),
    ] {
        if verdict != v.verdict {
            parts.push(format!(
                "at its {end} value {} the verdict is: {}",
                tornado::compact(value),
                verdict_words(verdict)
            ));
        }
    }
    let mut s = parts.join("; ");
    s.push('.');
    if let Some(f) = &p.flip {
        let _ = write!(
            s,
            " It flips between {} (still: {}) and {} ({}).",
            tornado::compact(&f.keeps),
            verdict_words(v.verdict),
            tornado::compact(&f.flips),
            verdict_words(f.verdict)
        );
    } else {
        s.push_str(" (Not a number: no bisection.)");
    }
    s
}

/// The intro paragraph (plain text).
fn intro(s: &SensitivityResults) -> String {
    format!(
        "Each parameter whose value is an assumption (or a fact marked UNCERTAIN) was run at a \
         plausible low and high value, one at a time, the others at their base values and with \
         the same seed {}, so every difference comes from the parameter. The ranges and their \
         reasons are listed in scenarios/README.md (section Sensitivity ranges); every value \
         is in sensitivity.json. Where a parameter changes the verdict, the value at which it \
         flips was found by bisection, to {}.",
        s.seed, s.bisection_precision
    )
}

/// The parameters of a tornado that do not change the verdict, by spread (the first
/// [`TABLE_ROWS`]).
fn others(t: &Tornado) -> Vec<&tornado::TornadoBar> {
    t.bars
        .iter()
        .filter(|b| !b.flips)
        .take(TABLE_ROWS)
        .collect()
}

/// The Markdown section (empty without `sensitivity.json`); `cell` escapes table text.
pub fn markdown_section(s: Option<&SensitivityResults>, cell: impl Fn(&str) -> String) -> String {
    let Some(s) = s else {
        return String::new();
    };
    let mut out = format!("## {TITLE}\n\n{}\n\n", intro(s));
    for v in &s.variants {
        let _ = writeln!(
            out,
            "### {}\n\nAt the base values: {}.\n",
            cell(&v.name),
            verdict_words(v.verdict)
        );
        let flipping: Vec<&ParamResult> = v.parameters.iter().filter(|p| flips(v, p)).collect();
        if flipping.is_empty() {
            out.push_str("No parameter changes this verdict within its range.\n\n");
        } else {
            out.push_str("Parameters that change the verdict:\n\n");
            for p in &flipping {
                let _ = writeln!(
                    out,
                    "- `{}` ({}, range {} … {}): {} *{}*",
                    p.path,
                    cell(&p.source),
                    cell(&tornado::compact(&p.low)),
                    cell(&tornado::compact(&p.high)),
                    cell(&flip_sentence(v, p)),
                    cell(&p.reason)
                );
            }
            out.push('\n');
        }
        let Some(metric) = main_metric(v) else {
            continue;
        };
        let t = Tornado::new(&s.scenario, v, metric);
        let rows = others(&t);
        let what = metrics::describe(metric);
        if rows.is_empty() {
            let _ = writeln!(out, "No other parameter moves the {what}.\n");
        } else {
            let _ = writeln!(
                out,
                "Other parameters by the spread they cause in the {what} (base {}):\n",
                tornado::fmt_value(t.base)
            );
            out.push_str("| parameter | low … high | at low | at high | source |\n");
            out.push_str("|---|---|---:|---:|---|\n");
            for b in rows {
                let p = v.parameters.iter().find(|p| p.path == b.path);
                let _ = writeln!(
                    out,
                    "| `{}` | {} … {} | {} | {} | {} |",
                    b.path,
                    cell(&tornado::compact(&b.low)),
                    cell(&tornado::compact(&b.high)),
                    tornado::fmt_value(b.at_low),
                    tornado::fmt_value(b.at_high),
                    cell(p.map(|p| p.source.as_str()).unwrap_or(""))
                );
            }
            out.push('\n');
        }
        if charted(s, v).is_some() {
            let _ = writeln!(
                out,
                "![{}]({CHARTS_DIR}/{}.svg)\n\n*{}*\n",
                t.caption().trim_end_matches('.'),
                t.stem(),
                t.caption()
            );
        }
    }
    out
}

/// The HTML section (empty without `sensitivity.json`), with the tornado charts of
/// [`render_charts`] inline; `esc` escapes text.
pub fn html_section(
    s: Option<&SensitivityResults>,
    charts: &[TornadoFile],
    esc: impl Fn(&str) -> String,
) -> String {
    let Some(s) = s else {
        return String::new();
    };
    let mut o = format!(
        "<section id=\"depends\">\n<h2>{TITLE}</h2>\n<p>{}</p>\n",
        esc(&intro(s))
    );
    for v in &s.variants {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<p>At the base values: {}.</p>",
            esc(&v.name),
            esc(verdict_words(v.verdict))
        );
        let flipping: Vec<&ParamResult> = v.parameters.iter().filter(|p| flips(v, p)).collect();
        if flipping.is_empty() {
            o.push_str("<p>No parameter changes this verdict within its range.</p>\n");
        } else {
            o.push_str("<p>Parameters that change the verdict:</p>\n<ul>\n");
            for p in &flipping {
                let _ = writeln!(
                    o,
                    "<li><code>{}</code> ({}, range {} … {}): {} <em>{}</em></li>",
                    esc(&p.path),
                    esc(&p.source),
                    esc(&tornado::compact(&p.low)),
                    esc(&tornado::compact(&p.high)),
                    esc(&flip_sentence(v, p)),
                    esc(&p.reason)
                );
            }
            o.push_str("</ul>\n");
        }
        let Some(metric) = main_metric(v) else {
            continue;
        };
        let t = Tornado::new(&s.scenario, v, metric);
        let rows = others(&t);
        let what = metrics::describe(metric);
        if rows.is_empty() {
            let _ = writeln!(o, "<p>No other parameter moves the {}.</p>", esc(&what));
        } else {
            let _ = writeln!(
                o,
                "<p>Other parameters by the spread they cause in the {} (base {}):</p>\n\
                 <table class=\"compare\">\n<thead><tr><th>parameter</th><th>low … high</th>\
                 <th class=\"num\">at low</th><th class=\"num\">at high</th><th>source</th>\
                 </tr></thead>\n<tbody>",
                esc(&what),
                esc(&tornado::fmt_value(t.base))
            );
            for b in rows {
                let p = v.parameters.iter().find(|p| p.path == b.path);
                let _ = writeln!(
                    o,
                    "<tr><td><code>{}</code></td><td>{} … {}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td>{}</td></tr>",
                    esc(&b.path),
                    esc(&tornado::compact(&b.low)),
                    esc(&tornado::compact(&b.high)),
                    esc(&tornado::fmt_value(b.at_low)),
                    esc(&tornado::fmt_value(b.at_high)),
                    esc(p.map(|p| p.source.as_str()).unwrap_or(""))
                );
            }
            o.push_str("</tbody>\n</table>\n");
        }
        if let Some(c) = charts
            .iter()
            .find(|c| c.variant == v.name && c.metric == metric)
        {
            let svg = c.svg.trim_end().replacen("<svg ", "<svg role=\"img\" ", 1);
            let _ = writeln!(
                o,
                "<figure id=\"chart-{}\" class=\"chart\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
                c.stem,
                esc(&c.caption)
            );
        }
    }
    o.push_str("</section>\n");
    o
}

#[cfg(test)]
mod tests;
