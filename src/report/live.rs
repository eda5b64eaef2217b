//! The "Live run against the model" section of a live run's report (`bksim live` writes
//! `live.json` beside the run's files): per variant the live and simulated figures side by
//! side, whether the harness kept up, and the machine's envelope-encryption throughput.
//! Absent for simulated runs. Both renderers take the cell escaper of their format.

use crate::layout::LIVE_FILE;
use crate::report::formats::LoadError;
use crate::report::formats::live::{LIVE_SCHEMA, LiveFile, LiveVariant, Row};
use std::fmt::Write;
use std::path::Path;

/// `live.json` of a results directory, if it has one: every number within its bound, the
/// contents checked, and its variants among `variants` (those of `summary.json`).
pub fn load(dir: &Path, variants: &[&str]) -> Result<Option<LiveFile>, LoadError> {
    let path = dir.join(LIVE_FILE);
    let Some(text) = super::load::read_optional(&path)? else {
        return Ok(None);
    };
    crate::report::formats::check_numbers(&path, &text, crate::report::plausible::live_quantity)?;
    let f: LiveFile = serde_json::from_str(&text)
        .map_err(|e| LoadError::corrupt(&path, e.line(), e.to_string()))?;
    if f.schema != LIVE_SCHEMA {
        return Err(LoadError::corrupt(
            &path,
            0,
            format!(
                "schema '{}': expected '{LIVE_SCHEMA}'",
                crate::input::clip(&f.schema, 40)
            ),
        ));
    }
    f.check_contents()
        .map_err(|e| LoadError::corrupt(&path, 0, e))?;
    if let Some(v) = f
        .variants
        .iter()
        .find(|v| !variants.contains(&v.name.as_str()))
    {
        return Err(LoadError::corrupt(
            &path,
            0,
            format!(
                "variant '{}' is not in {}",
                v.name,
                crate::report::SUMMARY_FILE
            ),
        ));
    }
    Ok(Some(f))
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        "—".to_string()
    } else if v.fract() == 0.0 && (0.0..1e15).contains(&v) {
        crate::chart::format::group(v as u64)
    } else {
        format!("{v:.2}")
    }
}

fn difference(r: &Row) -> String {
    match (r.difference, r.kind.as_str()) {
        (None, _) => "—".to_string(),
        (Some(d), "points") => format!("{d:+.2} points"),
        (Some(d), _) => format!("{:+.1} %", d * 100.0),
    }
}

/// One line per variant saying what its comparison is worth.
fn standing(v: &LiveVariant) -> String {
    if !v.valid {
        format!(
            "Not valid as evidence about the model: {}.",
            v.invalid_because.join("; ")
        )
    } else if v.agrees {
        "Live and simulated agree within the validation tolerances (KMS requests 5 %, throttled fraction 3 points, p50 latency 15 %).".to_string()
    } else {
        format!(
            "Live and simulated disagree: {}.",
            v.disagreements.join("; ")
        )
    }
}

fn intro(l: &LiveFile) -> String {
    format!(
        "This run was live: the scenario's rates ×{} for {} s on {} thread(s) of {} ({} logical CPUs), every object really encrypted (at most {} bytes each) against an in-process KMS enforcing the quota per real second. The simulation of the same scaled scenario ran with {} seeds; \"simulated\" is their median and the range their lowest and highest value. Live runs depend on the machine's timing and are not reproducible to the byte.",
        l.scale,
        l.duration_seconds,
        l.threads,
        l.cpu_model.as_deref().unwrap_or("an unknown CPU"),
        l.logical_cpus,
        l.variants.first().map_or(0, |v| v.harness.max_payload),
        crate::report::formats::live::SIM_SEEDS
    )
}

fn harness_line(h: &crate::report::formats::live::HarnessStats) -> String {
    format!(
        "Harness: workers {:.0} % busy; task start lag p50 {} µs, p99 {} µs, max {} µs (timer alone p99 {} µs); {} objects sealed, {} opened and checked; {} requests unfinished after the drain.",
        h.worker_busy * 100.0,
        h.dispatch_lag_us[0],
        h.dispatch_lag_us[1],
        h.dispatch_lag_us[2],
        h.timer_lag_us[1],
        h.objects_sealed,
        h.objects_opened,
        h.unfinished
    )
}

/// The section as HTML (`esc` escapes text).
pub fn html(l: &LiveFile, esc: fn(&str) -> String) -> String {
    let mut o = String::new();
    o.push_str("<section id=\"live\">\n<h2>Live run against the model</h2>\n");
    let _ = writeln!(o, "<p>{}</p>", esc(&intro(l)));
    for v in &l.variants {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<p class=\"{}\">{}</p>\n<table class=\"compare\">\n<thead><tr><th>metric</th><th class=\"num\">live</th><th class=\"num\">simulated</th><th class=\"num\">difference</th><th class=\"num\">simulated range</th></tr></thead>\n<tbody>",
            esc(&v.name),
            if v.valid && v.agrees { "good" } else { "bad" },
            esc(&standing(v))
        );
        for r in &v.comparison {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} to {}</td></tr>",
                esc(&r.metric),
                esc(&num(r.live)),
                esc(&num(r.simulated)),
                esc(&difference(r)),
                esc(&num(r.simulated_range[0])),
                esc(&num(r.simulated_range[1]))
            );
        }
        let _ = writeln!(
            o,
            "</tbody>\n</table>\n<p>{}</p>",
            esc(&harness_line(&v.harness))
        );
    }
    let t = &l.throughput;
    let _ = writeln!(
        o,
        "<h3>Envelope encryption on this machine</h3>\n<p>{} thread(s), {}-byte payloads, AES-256-GCM on {}.</p>\n<table class=\"compare\">\n<thead><tr><th>mode</th><th class=\"num\">objects/s</th><th class=\"num\">GB/s</th><th class=\"num\">CPU µs per object</th></tr></thead>\n<tbody>",
        t.threads,
        t.payload_bytes,
        esc(&t.backend)
    );
    for m in [&t.per_object, &t.bucket_key] {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.2}</td></tr>",
            esc(&m.mode),
            esc(&num(m.objects_per_s.round())),
            m.gb_per_s,
            m.us_per_object
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

/// The section as Markdown (`cell` escapes a table cell).
pub fn markdown(l: &LiveFile, cell: fn(&str) -> String) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## Live run against the model\n\n{}\n", intro(l));
    for v in &l.variants {
        let _ = writeln!(
            o,
            "### {}\n\n{}\n\n| metric | live | simulated | difference | simulated range |\n|---|---:|---:|---:|---:|",
            cell(&v.name),
            standing(v)
        );
        for r in &v.comparison {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} to {} |",
                cell(&r.metric),
                num(r.live),
                num(r.simulated),
                difference(r),
                num(r.simulated_range[0]),
                num(r.simulated_range[1])
            );
        }
        let _ = writeln!(o, "\n{}\n", harness_line(&v.harness));
    }
    let t = &l.throughput;
    let _ = writeln!(
        o,
        "### Envelope encryption on this machine\n\n{} thread(s), {}-byte payloads, AES-256-GCM on {}.\n\n| mode | objects/s | GB/s | CPU µs per object |\n|---|---:|---:|---:|",
        t.threads,
        t.payload_bytes,
        cell(&t.backend)
    );
    for m in [&t.per_object, &t.bucket_key] {
        let _ = writeln!(
            o,
            "| {} | {} | {:.3} | {:.2} |",
            cell(&m.mode),
            num(m.objects_per_s.round()),
            m.gb_per_s,
            m.us_per_object
        );
    }
    o.push('\n');
    o
}
