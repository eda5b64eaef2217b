//! `op = "copy"` on a `[[workload]]`: the source bucket (`from`) and which of its objects a
//! copy reads (`read_from`), checked against the buckets' encryption.

use super::super::error::{ScenarioError, did_you_mean};
use super::super::model::*;
use super::ctx::{Ctx, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Special};
use super::values::string;
use crate::input::group;

/// Why a copy without `from` copies in place.
pub const NOTE_COPY_FROM: &str = "a copy without a source bucket rewrites objects in place \
     (the re-encryption S3 Batch Operations and CopyObject onto the same key perform)";

/// Special: the workload's own bucket (copy workloads only).
pub(super) const FROM: KeyDef = KeyDef::new(
    "from",
    Special("the workload's own `bucket` (copy in place: re-encryption)"),
    "a bucket's name",
    Assumption(NOTE_COPY_FROM),
);

/// The source bucket of workload `t` (op `op`, destination `bucket`): `Some` for a copy
/// workload, `None` (and `from` refused) for the others.
pub(super) fn from(
    ctx: &mut Ctx,
    t: &Tbl,
    op: Op,
    name: &str,
    bucket: usize,
    buckets: &[Bucket],
) -> R<Option<usize>> {
    if op != Op::Copy {
        if let Some(v) = t.get(FROM.name) {
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path(FROM.name),
                problem("from applies only to copy workloads (op = \"copy\")".to_string()),
            ));
        }
        return Ok(None);
    }
    let known: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    let source = match ctx.opt(t, FROM.name, |v| {
        let s = string(v)?;
        known.iter().position(|b| *b == s).ok_or_else(|| Problem {
            msg: format!("no [[bucket]] named '{s}' (known: {})", known.join(", ")),
            hint: did_you_mean(&s, known.iter().copied()),
        })
    })? {
        Some(s) => s,
        None => {
            ctx.record_computed(t, &FROM, buckets[bucket].name.clone());
            bucket
        }
    };
    // S3 copies a client-side encrypted object's ciphertext as it is: no KMS call of S3's,
    // and the client's own key is not re-encrypted; the model does not pretend otherwise.
    for (role, b) in [("source", source), ("destination", bucket)] {
        let enc = buckets[b].encryption;
        if enc.client_calls_kms() {
            let key = if role == "source" {
                FROM.name
            } else {
                "bucket"
            };
            return Err(ctx.error(
                t.get(key).map(|v| &v.origin).or(t.origin),
                &t.key_path(key),
                problem(format!(
                    "copy workload '{name}': the {role} bucket '{}' uses {}, which S3 cannot re-encrypt (a copy moves the client's ciphertext unchanged)",
                    buckets[b].name,
                    enc.name()
                ))
                .hint("copy between buckets encrypted server-side (none, sse-s3, sse-kms, dsse-kms, sse-c)"),
            ));
        }
    }
    Ok(Some(source))
}

/// A copy workload's `read_from` may only be `"existing"` or `"written"`: the error when it
/// names a workload.
pub(super) fn refuse_workload_source(ctx: &Ctx, t: &Tbl, w: &Workload) -> ScenarioError {
    ctx.error(
        t.get("read_from").map(|v| &v.origin),
        &t.key_path("read_from"),
        problem(format!(
            "copy workload '{}': read_from may be \"existing\" or \"written\", not a workload",
            w.name
        ))
        .hint(
            "copy the source bucket's existing population or the objects written to it in this run",
        ),
    )
}

/// A note for an open-loop copy job over a population: how long copying all of it takes at
/// the job's rate (a run covers only its `duration`; the report extrapolates with this).
pub(super) fn job_note(ctx: &mut Ctx, w: &Workload, buckets: &[Bucket]) {
    let source = &buckets[w.copy_from.unwrap_or(w.bucket)];
    let (Some(p), ReadFrom::Existing) = (&source.existing, w.read_from) else {
        return;
    };
    let rate = match &w.arrival {
        Arrival::Constant { rate, .. } | Arrival::Poisson { rate, .. } => *rate,
        Arrival::Closed { .. } => return,
    };
    let secs = p.objects as f64 / rate;
    let what = if w.copy_from.is_none_or(|f| f == w.bucket) {
        "in place"
    } else {
        "into another bucket"
    };
    let which = match w.requests {
        Some(n) if n < p.objects => format!("the first {} of the", group(n)),
        _ => "the".to_string(),
    };
    ctx.note(format!(
        "copy workload '{}' copies {which} {} objects of bucket '{}' {what} in order at {} copies/s: all of them take {} s ({:.1} days) at that rate",
        w.name,
        group(p.objects),
        source.name,
        group(rate.round() as u64),
        group(secs.round() as u64),
        secs / 86_400.0
    ));
}

#[cfg(test)]
mod tests {
    use crate::scenario::ScenarioFile;
    use std::path::Path;

    const BUCKETS: &str = r#"
name = "t"
duration = "1s"
[[bucket]]
name = "a"
encryption = "sse-kms"
existing = { objects = 10, written_over = "1h" }
[[bucket]]
name = "c"
encryption = "cse-kms"
"#;

    /// The error validating `BUCKETS` followed by `workload`, as printed.
    fn error(workload: &str) -> String {
        let text = format!("{BUCKETS}{workload}");
        let file = ScenarioFile::parse(Path::new("t.toml"), &text).expect("parses");
        match file.resolve(None, &[]) {
            Ok(_) => panic!("accepted:\n{workload}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn from_names_a_bucket_and_applies_to_copies_only() {
        let e = error(
            "[[workload]]\nname = \"w\"\nbucket = \"a\"\nop = \"copy\"\nfrom = \"b\"\narrival = { kind = \"constant\", rate = 1 }\n",
        );
        assert!(
            e.contains("t.toml:15:8: workload.w.from: no [[bucket]] named 'b' (known: a, c)"),
            "{e}"
        );
        let e = error(
            "[[workload]]\nname = \"w\"\nbucket = \"a\"\nop = \"put\"\nfrom = \"a\"\narrival = { kind = \"constant\", rate = 1 }\n",
        );
        assert!(
            e.contains("workload.w.from: from applies only to copy workloads (op = \"copy\")"),
            "{e}"
        );
    }

    #[test]
    fn a_job_over_a_population_notes_how_long_all_of_it_takes() {
        let text = format!(
            "{BUCKETS}[[workload]]\nname = \"job\"\nbucket = \"a\"\nop = \"copy\"\narrival = {{ kind = \"constant\", rate = 4 }}\n"
        );
        let file = ScenarioFile::parse(Path::new("t.toml"), &text).expect("parses");
        let sc = file.resolve(None, &[]).expect("valid");
        // 10 objects at 4 copies/s: 2.5 s, rounded to 3.
        assert_eq!(
            sc.notes,
            vec![
                "copy workload 'job' copies the 10 objects of bucket 'a' in place in order at 4 copies/s: all of them take 3 s (0.0 days) at that rate"
            ]
        );
    }

    #[test]
    fn client_side_encrypted_buckets_cannot_be_copied() {
        let e = error(
            "[[workload]]\nname = \"w\"\nbucket = \"a\"\nop = \"copy\"\nfrom = \"c\"\nread_from = \"written\"\narrival = { kind = \"constant\", rate = 1 }\n",
        );
        assert!(
            e.contains("workload.w.from: copy workload 'w': the source bucket 'c' uses cse-kms, which S3 cannot re-encrypt (a copy moves the client's ciphertext unchanged)"),
            "{e}"
        );
    }

    #[test]
    fn a_copy_reads_existing_or_written_objects_of_its_source() {
        let put = "[[workload]]\nname = \"p\"\nbucket = \"a\"\nop = \"put\"\narrival = { kind = \"constant\", rate = 1 }\nrequests = 5\n";
        let e = error(&format!(
            "{put}[[workload]]\nname = \"w\"\nbucket = \"a\"\nop = \"copy\"\nread_from = \"p\"\narrival = {{ kind = \"constant\", rate = 1 }}\n"
        ));
        assert!(
            e.contains("workload.w.read_from: copy workload 'w': read_from may be \"existing\" or \"written\", not a workload"),
            "{e}"
        );
        // Copies of written objects need a put workload writing to the source.
        let e = error(
            "[[workload]]\nname = \"w\"\nbucket = \"a\"\nop = \"copy\"\nfrom = \"a\"\nread_from = \"written\"\narrival = { kind = \"constant\", rate = 1 }\n",
        );
        assert!(
            e.contains("copy workload 'w' reads objects written in this run, but no put workload writes to bucket 'a'"),
            "{e}"
        );
    }
}
