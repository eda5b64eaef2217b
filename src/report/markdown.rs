//! `report.md`: the verdicts, the comparison table, the charts (relative links to
//! `charts/*.svg`) and the assumptions with their sources, in GitHub-flavoured Markdown ready
//! to paste into a design document. Deterministic: nothing from the wall clock (run facts
//! are in `report.html` only).

use std::fmt::Write;

use crate::chart::CHARTS_DIR;
use crate::metrics::results::VariantSummary;
use crate::report::charts::Chart;
use crate::report::load::LoadedRun;
use crate::report::sources::{self, Span};
use crate::report::table::{self, plain_number};
use crate::report::verdict::verdicts;

/// The text of `report.md` for `run` with `charts` (their SVG files are linked).
pub fn report_md(run: &LoadedRun, charts: &[Chart]) -> String {
    let s = &run.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# {}: design-review report\n", cell(&s.scenario));
    if !s.description.trim().is_empty() {
        let _ = writeln!(out, "{}\n", s.description.trim());
    }
    let _ = writeln!(out, "{}\n", run_line(run));

    out.push_str("## Verdict\n\n");
    for v in verdicts(run) {
        let _ = writeln!(
            out,
            "- **{}: {}.** {}",
            cell(&v.variant),
            v.headline,
            v.sentences.join(" ")
        );
    }
    out.push('\n');
    out.push_str(&crate::report::sensitivity::markdown_section(
        run.sensitivity.as_ref(),
        cell,
    ));

    out.push_str("## Comparison\n\n");
    let vs: Vec<&VariantSummary> = s.variants.iter().collect();
    out.push_str("| |");
    for v in &vs {
        let _ = write!(out, " {} |", cell(&v.name));
    }
    out.push('\n');
    out.push_str("|---|");
    for _ in &vs {
        out.push_str("---:|");
    }
    out.push('\n');
    for section in table::sections(&vs) {
        for (label, cells) in section {
            let _ = write!(out, "| {} |", cell(&label));
            for c in cells {
                let _ = write!(out, " {} |", cell(&c));
            }
            out.push('\n');
        }
    }
    out.push('\n');
    let notes = table::notes(&vs);
    if !notes.is_empty() {
        out.push_str("Notes:\n\n");
        for n in notes {
            let _ = writeln!(out, "- {n}");
        }
        out.push('\n');
    }

    out.push_str(&crate::report::expect::markdown_section(
        &s.expectations,
        &vs,
        cell,
        spans_md,
    ));
    out.push_str(&crate::report::replay::markdown(&s.traces, cell));
    if let Some(l) = &run.live {
        out.push_str(&crate::report::live::markdown(l, cell));
    }

    out.push_str("## Charts\n\n");
    let _ = writeln!(
        out,
        "PNG versions for slides are next to the SVGs in `{CHARTS_DIR}/`.\n"
    );
    for c in charts {
        let _ = writeln!(
            out,
            "![{}]({CHARTS_DIR}/{}.svg)\n\n*{}*\n",
            c.caption.trim_end_matches('.'),
            c.stem,
            c.caption,
        );
    }

    out.push_str("## Assumptions and sources\n\n");
    let _ = write!(
        out,
        "Every model parameter, its value and where the value came from: the scenario file, \
         an override (a variant's `set` table or `--set`), a published AWS fact (linked to its \
         source) or an assumption (no published figure). The facts and their sources are \
         documented in `{}` in the bksim repository; `aws-facts §N` names its section N.\n\n",
        sources::FACTS_DOC_PATH
    );
    out.push_str("| parameter | value | source | detail |\n|---|---|---|---|\n");
    for row in sources::parameter_rows(run) {
        let multi = row.values.len() > 1 || !row.values[0].variants.is_empty();
        let mut values = Vec::new();
        let mut kinds = Vec::new();
        let mut details = Vec::new();
        for pv in &row.values {
            let who = if multi {
                format!("{}: ", pv.variants.join(", "))
            } else {
                String::new()
            };
            values.push(format!("{}`{}`", cell(&who), code(&pv.value)));
            kinds.push(format!("{}{}", cell(&who), sources::kind_label(&pv.source)));
            details.push(format!(
                "{}{}",
                cell(&who),
                spans_md(&sources::detail(&pv.source))
            ));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            code(&row.path),
            values.join("<br>"),
            kinds.join("<br>"),
            details.join("<br>")
        );
    }
    out
}

/// "Seed 42 · 600 s simulated, first 60 s excluded as warm-up · bksim 0.1.0".
pub(crate) fn run_line(run: &LoadedRun) -> String {
    let s = &run.summary;
    let mut line = format!(
        "Seed {} · {} s simulated",
        s.seed,
        plain_number(s.simulated_seconds)
    );
    if s.warmup_seconds > 0.0 {
        let _ = write!(
            line,
            ", first {} s excluded as warm-up",
            plain_number(s.warmup_seconds)
        );
    }
    let _ = write!(line, " · bksim {}", s.bksim_version);
    line
}

fn spans_md(text: &str) -> String {
    sources::spans(text)
        .into_iter()
        .map(|s| match s {
            Span::Text(t) => cell(&t),
            Span::Fact {
                label,
                url: Some(u),
            } => format!("[{label}]({u})"),
            Span::Fact { label, url: None } => label,
            Span::Url(u) => format!("<{u}>"),
        })
        .collect()
}

/// Text safe in a table cell: pipes escaped, line breaks flattened, no HTML.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

/// Text inside backticks in a table cell.
fn code(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumptions_say_where_the_facts_document_is() {
        let run = crate::report::charts::tests::synthetic(&["a"], 5, 100, false);
        let md = report_md(&run, &[]);
        let section = &md[md.find("## Assumptions and sources").unwrap()..];
        let intro = section.lines().nth(2).unwrap();
        assert!(
            intro.ends_with(
                "The facts and their sources are documented in `docs/aws-facts.md` in the \
                 bksim repository; `aws-facts §N` names its section N."
            ),
            "{intro}"
        );
    }
}
