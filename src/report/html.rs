//! `report.html`: one self-contained page for a design review. The charts are inline SVG,
//! styles are in the page, there is no script and nothing is fetched from
//! the network. Sections: verdict per variant, comparison table, charts, assumptions and
//! sources (every parameter with its value and source, facts linked to the sources that
//! `docs/aws-facts.md` gives), notes, and the run facts from `run.json` (the only part that
//! is not deterministic).

use std::fmt::Write;

use crate::chart::style;
use crate::metrics::results::VariantSummary;
use crate::report::charts::Chart;
use crate::report::load::LoadedRun;
use crate::report::markdown::run_line;
use crate::report::sensitivity::tornado::TornadoFile;
use crate::report::sources::{self, Span};
use crate::report::table;
use crate::report::verdict::verdicts;

const CSS: &str = "
:root { color-scheme: light; }
body { font-family: 'Liberation Sans', Arial, Helvetica, sans-serif; color: #1e1e1e;
  max-width: 1320px; margin: 0 auto; padding: 24px 32px 64px; line-height: 1.45; }
h1 { font-size: 30px; margin: 8px 0 4px; }
h2 { font-size: 23px; margin: 36px 0 12px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 19px; margin: 0 0 6px; }
.lead { font-size: 18px; margin: 4px 0; }
.meta { color: #555; margin: 4px 0 0; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px;
  margin-right: 8px; vertical-align: -1px; }
.verdict { border-left: 6px solid #999; background: #f7f7f7; padding: 12px 16px;
  margin: 12px 0; }
.verdict .headline { font-weight: bold; }
.verdict .headline.bad { color: #a8300a; }
.verdict .headline.good { color: #1b6e3c; }
.verdict .desc { color: #555; margin: 0 0 6px; }
.verdict p { margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; vertical-align: top;
  text-align: left; }
table.compare td.num, table.compare th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
table.compare tbody + tbody tr:first-child td { border-top: 2px solid #ccc; }
table.params { font-size: 14px; }
table.params code { font-size: 13px; }
td.kind { white-space: nowrap; }
.kind-fact { color: #1b6e3c; } .kind-assumption { color: #a8300a; }
.kind-scenario, .kind-override { color: #333; }
figure { margin: 24px 0; }
figure svg { display: block; width: 100%; max-width: 1280px; height: auto;
  border: 1px solid #e4e4e4; }
figcaption { color: #555; margin-top: 6px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
";

/// The text of `report.html`. `charts` pairs each chart with its SVG text; `tornados` are
/// the tornado charts of the section "What this verdict depends on" (when the directory has
/// a `sensitivity.json`).
pub fn report_html(run: &LoadedRun, charts: &[(&Chart, &str)], tornados: &[TornadoFile]) -> String {
    let s = &run.summary;
    let vs: Vec<&VariantSummary> = s.variants.iter().collect();
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — bksim design-review report</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&s.scenario)
    );
    let _ = writeln!(
        o,
        "<header>\n<h1>{}: design-review report</h1>",
        esc(&s.scenario)
    );
    if !s.description.trim().is_empty() {
        let _ = writeln!(o, "<p class=\"lead\">{}</p>", esc(s.description.trim()));
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">{}</p>\n</header>",
        esc(&run_line(run))
    );

    // Verdicts.
    o.push_str("<section id=\"verdict\">\n<h2>Verdict</h2>\n");
    for v in verdicts(run) {
        let color = style::variant_hex(v.index);
        let desc = &s.variants[v.index].description;
        let _ = writeln!(
            o,
            "<article class=\"verdict\" data-variant=\"{}\" style=\"border-left-color:{color}\">\n\
             <h3><span class=\"swatch\" style=\"background:{color}\"></span>{} — \
             <span class=\"headline {}\">{}</span></h3>",
            esc(&v.variant),
            esc(&v.variant),
            if v.ok { "good" } else { "bad" },
            esc(&v.headline)
        );
        if !desc.trim().is_empty() {
            let _ = writeln!(o, "<p class=\"desc\">{}</p>", esc(desc.trim()));
        }
        let _ = writeln!(o, "<p>{}</p>\n</article>", esc(&v.sentences.join(" ")));
    }
    o.push_str("</section>\n");
    o.push_str(&crate::report::sensitivity::html_section(
        run.sensitivity.as_ref(),
        tornados,
        esc,
    ));

    // Comparison table.
    o.push_str("<section id=\"comparison\">\n<h2>Comparison</h2>\n<table class=\"compare\">\n<thead><tr><th></th>");
    for (i, v) in vs.iter().enumerate() {
        let _ = write!(
            o,
            "<th class=\"num\"><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            style::variant_hex(i),
            esc(&v.name)
        );
    }
    o.push_str("</tr></thead>\n");
    for section in table::sections(&vs) {
        o.push_str("<tbody>\n");
        for (label, cells) in section {
            let _ = write!(o, "<tr><td>{}</td>", esc(&label));
            for c in cells {
                let _ = write!(o, "<td class=\"num\">{}</td>", esc(&c));
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody>\n");
    }
    o.push_str("</table>\n");
    let notes = table::notes(&vs);
    if !notes.is_empty() {
        o.push_str("<p>Notes:</p>\n<ul>\n");
        for n in notes {
            let _ = writeln!(o, "<li>{}</li>", esc(&n));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");

    o.push_str(&crate::report::expect::html_section(
        &s.expectations,
        &vs,
        esc,
        spans_html,
    ));
    o.push_str(&crate::report::replay::html(&run.summary.traces, esc));
    if let Some(l) = &run.live {
        o.push_str(&crate::report::live::html(l, esc));
    }

    // Charts.
    o.push_str(
        "<section id=\"charts\">\n<h2>Charts</h2>\n<p>The same charts are in \
         <code>charts/</code> next to this file, as SVG and PNG.</p>\n",
    );
    for (c, svg) in charts {
        // The chart's SVG inline: text stays selectable and searchable, and the page's diff
        // follows the chart's. plotters' SVG has no ids, scripts or external references.
        let svg = svg.trim_end().replacen("<svg ", "<svg role=\"img\" ", 1);
        let _ = writeln!(
            o,
            "<figure id=\"chart-{}\" class=\"chart\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
            c.stem,
            esc(&c.caption)
        );
    }
    o.push_str("</section>\n");

    // Assumptions and sources.
    let _ = write!(
        o,
        "<section id=\"assumptions\">\n<h2>Assumptions and sources</h2>\n<p>Every model \
         parameter, its value and where the value came from: the scenario file, an override \
         (a variant's <code>set</code> table or <code>--set</code>), a published AWS fact \
         (linked to its source) or an assumption (no published figure; the note says why this \
         value). The facts and their sources are documented in <code>{}</code> in the bksim \
         repository; <code>aws-facts §N</code> names its section N.</p>\n\
         <table class=\"params\">\n<thead><tr><th>parameter</th><th>value</th>\
         <th>source</th><th>detail</th></tr></thead>\n<tbody>\n",
        sources::FACTS_DOC_PATH
    );
    for row in sources::parameter_rows(run) {
        let multi = row.values.len() > 1 || !row.values[0].variants.is_empty();
        let n = row.values.len();
        for (k, pv) in row.values.iter().enumerate() {
            o.push_str("<tr>");
            if k == 0 {
                let _ = write!(
                    o,
                    "<td rowspan=\"{n}\"><code>{}</code></td>",
                    esc(&row.path)
                );
            }
            let who = if multi {
                format!("{}: ", esc(&pv.variants.join(", ")))
            } else {
                String::new()
            };
            let kind = sources::kind_label(&pv.source);
            let _ = writeln!(
                o,
                "<td>{who}<code>{}</code></td><td class=\"kind kind-{}\">{}</td><td>{}</td></tr>",
                esc(&pv.value),
                kind.split(' ').next_back().unwrap_or(kind).to_lowercase(),
                esc(kind),
                spans_html(&sources::detail(&pv.source))
            );
        }
    }
    o.push_str("</tbody>\n</table>\n</section>\n");

    // Run facts.
    o.push_str("<section id=\"run\">\n<h2>Run facts</h2>\n");
    match &run.run {
        Some(r) => {
            let machine = format!(
                "{} ({} {}, {}{} logical CPUs)",
                r.machine.hostname,
                r.machine.os,
                r.machine.arch,
                r.machine
                    .cpu_model
                    .as_deref()
                    .map(|c| format!("{c}, "))
                    .unwrap_or_default(),
                r.machine.logical_cpus
            );
            let facts = [
                ("bksim version", r.bksim_version.clone()),
                ("seed", s.seed.to_string()),
                ("started", r.started_at.clone()),
                (
                    "wall time",
                    format!(
                        "{:.2} s on {} thread{}",
                        r.wall_seconds,
                        r.threads,
                        if r.threads == 1 { "" } else { "s" }
                    ),
                ),
                (
                    "throughput",
                    format!(
                        "{} engine events/s, {} simulated requests/s",
                        table::group_f64(r.events_per_second, 0),
                        table::group_f64(r.simulated_requests_per_second, 0)
                    ),
                ),
                ("machine", machine),
            ];
            o.push_str("<dl class=\"facts\">\n");
            for (k, v) in facts {
                let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
            }
            o.push_str("</dl>\n");
        }
        None => {
            let _ = writeln!(
                o,
                "<p>No <code>run.json</code> in the results directory: version {}, seed {}; \
                 wall time unknown.</p>",
                esc(&s.bksim_version),
                s.seed
            );
        }
    }
    o.push_str("</section>\n</body>\n</html>\n");
    o
}

fn spans_html(text: &str) -> String {
    sources::spans(text)
        .into_iter()
        .map(|s| match s {
            Span::Text(t) => esc(&t),
            Span::Fact {
                label,
                url: Some(u),
            } => format!("<a href=\"{}\">{}</a>", esc(u), esc(&label)),
            Span::Fact { label, url: None } => esc(&label),
            Span::Url(u) => format!("<a href=\"{0}\">{0}</a>", esc(&u)),
        })
        .collect()
}

/// HTML text and attribute escaping.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            spans_html("see aws-facts §2 <x>"),
            "see <a href=\"https://aws.amazon.com/kms/pricing/\">aws-facts §2</a> &lt;x&gt;"
        );
    }

    #[test]
    fn assumptions_say_where_the_facts_document_is() {
        let run = crate::report::charts::tests::synthetic(&["a"], 5, 100, false);
        let html = report_html(&run, &[], &[]);
        let start = html.find("<section id=\"assumptions\">").unwrap();
        let section = &html[start..start + html[start..].find("</section>").unwrap()];
        assert!(
            section.contains(
                "documented in <code>docs/aws-facts.md</code> in the bksim repository; \
                 <code>aws-facts §N</code> names its section N."
            ),
            "{section}"
        );
    }
}
