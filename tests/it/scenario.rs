//! The scenario file contract: error messages (file, line, key), overrides, region presets,
//! default variants, defaults and provenance. Fixtures live in `tests/fixtures/scenarios/`.

use std::path::{Path, PathBuf};

use bksim::mode::Mode;
use bksim::scenario::*;

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios")
        .join(rel)
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + 1
}

/// Loads a fixture and resolves its first variant, expecting an error.
fn fixture_error(rel: &str) -> (String, ScenarioError, String) {
    let path = fixture(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let err = match ScenarioFile::load(&path) {
        Err(e) => e,
        Ok(f) => f
            .resolve_all(&[])
            .expect_err("the fixture should be invalid"),
    };
    (err.to_string(), err, text)
}

/// Parses `text` (named `x.toml`) and resolves it without a variant.
fn resolve_text(text: &str) -> Result<Scenario, ScenarioError> {
    ScenarioFile::parse(Path::new("scenarios/x.toml"), text)?.resolve(None, &[])
}

const MINIMAL: &str = r#"name = "m"
duration = "1m"
[[bucket]]
name = "ingest"
encryption = "sse-kms"
[[workload]]
name = "uploads"
bucket = "ingest"
op = "put"
arrival = { kind = "poisson", rate = 1000 }
"#;

fn with(extra_top: &str, rest: &str) -> String {
    format!("{extra_top}\n{MINIMAL}{rest}")
}

// ---------------------------------------------------------------------------------------
// Error messages: file, line, key.

#[test]
fn unknown_key_with_did_you_mean() {
    let (msg, err, text) = fixture_error("invalid/unknown_key.toml");
    let line = line_of(&text, "qouta_rps");
    assert!(msg.contains("unknown_key.toml"), "{msg}");
    assert!(
        msg.contains(&format!(":{line}:1: kms.qouta_rps: unknown key")),
        "{msg}"
    );
    assert!(msg.contains("did you mean `quota_rps`?"), "{msg}");
    assert_eq!(err.line(), Some(line));
    assert_eq!(err.key(), Some("kms.qouta_rps"));
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn negative_rate() {
    let (msg, err, text) = fixture_error("invalid/negative_rate.toml");
    let line = line_of(&text, "rate = -5");
    assert!(msg.contains("negative_rate.toml"), "{msg}");
    assert!(msg.contains(&format!(":{line}:")), "{msg}");
    assert!(msg.contains("workload.uploads.arrival.rate"), "{msg}");
    assert!(msg.contains("found -5"), "{msg}");
    assert_eq!(err.line(), Some(line));
}

#[test]
fn duration_in_parsecs() {
    let (msg, err, text) = fixture_error("invalid/bad_duration.toml");
    let line = line_of(&text, "5 parsecs");
    assert!(msg.contains("bad_duration.toml"), "{msg}");
    assert!(
        msg.ends_with(&format!(
            ":{line}:12: duration: '5 parsecs' is not a duration: unknown unit 'parsecs' (use ns, us, ms, s, m, h, d)"
        )),
        "{msg}"
    );
    assert_eq!(err.column(), Some(12));
}

#[test]
fn workload_naming_a_missing_bucket() {
    let (msg, err, text) = fixture_error("invalid/missing_bucket.toml");
    let line = line_of(&text, "\"ingets\"");
    assert!(msg.contains("missing_bucket.toml"), "{msg}");
    assert!(msg.contains(&format!(":{line}:")), "{msg}");
    assert!(
        msg.contains("workload.uploads.bucket: no [[bucket]] named 'ingets' (known: ingest)"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `ingest`?"), "{msg}");
    assert_eq!(err.key(), Some("workload.uploads.bucket"));
}

#[test]
fn invalid_toml() {
    let (msg, err, text) = fixture_error("invalid/invalid_toml.toml");
    let line = line_of(&text, "[kms");
    assert!(msg.contains("invalid_toml.toml"), "{msg}");
    assert!(msg.contains(&format!(":{line}:")), "{msg}");
    assert!(msg.contains("invalid TOML"), "{msg}");
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.line(), Some(line));
    assert!(!msg.contains('\n'), "one line: {msg}");
}

#[test]
fn missing_required_key_names_the_table_line() {
    let (msg, err, text) = fixture_error("invalid/missing_key.toml");
    let line = line_of(&text, "[[bucket]]");
    assert!(msg.contains("missing_key.toml"), "{msg}");
    assert!(
        msg.contains(&format!(
            ":{line}:1: bucket.ingest.encryption: missing required key"
        )),
        "{msg}"
    );
    assert_eq!(err.line(), Some(line));
}

#[test]
fn missing_file_is_an_io_error() {
    let err = ScenarioFile::load(&fixture("does-not-exist.toml")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("does-not-exist.toml"));
}

#[test]
fn more_messages() {
    let cases: &[(&str, &str)] = &[
        // (scenario text, expected fragment of the message)
        (
            &with("", "[kms]\nregion = \"mars-north\"\n"),
            "kms.region: 'mars-north' is not an AWS Region name",
        ),
        (
            &with("", "[kms]\nquota_rps = -5\n"),
            ":13:13: kms.quota_rps: expected a whole number of requests per second, found -5",
        ),
        (
            &with("", "[kms]\nquota_rps = 2.0\n"),
            "write it as an integer",
        ),
        (
            &with("", "[kms]\nquota_rps = 0\n"),
            "kms.quota_rps: must be at least 1, found 0",
        ),
        (
            // Costs from a price past 1,000 USD would pass what results may hold: the run
            // failed writing its report (a cost of 6e17 USD).
            &with("", "[kms]\nprice_per_10k = 1e19\n"),
            "kms.price_per_10k: 1e19 USD is more than bksim prices: at most 1000 USD",
        ),
        (
            &with("", "[kms]\nkey_price_per_month = 1001\n"),
            "kms.key_price_per_month: 1001 USD is more than bksim prices: at most 1000 USD",
        ),
        (
            &with("", "[kms]\nlimiter = \"token-bukket\"\n"),
            "did you mean `token-bucket`?",
        ),
        (
            &with("", "[kms]\nlatency = { median = \"8ms\", p99 = \"4ms\" }\n"),
            "kms.latency.p99: p99 (4ms) must be at least the median (8ms)",
        ),
        (
            &with("", "[kms]\nlatency = { median = \"8ms\" }\n"),
            "kms.latency.p99: missing required key",
        ),
        (
            &with("", "[kms]\nlatency = { medain = \"8ms\", p99 = \"9ms\" }\n"),
            "did you mean `median`?",
        ),
        (
            &with("", "[kms]\nbackground_rps = nan\n"),
            "kms.background_rps: expected a finite number",
        ),
        (
            &with("", "[kms]\nprice_per_10k = -inf\n"),
            "kms.price_per_10k: expected a finite number",
        ),
        (
            &with("warmup = \"2m\"", ""),
            "warmup: warmup (2m) must be shorter than duration (1m)",
        ),
        (&with("colour = 1", ""), "colour: unknown key"),
        (
            &with("", "[s3]\nmultipart_part_size = \"4MiB\"\n"),
            "4MiB is below S3's minimum part size of 5MiB",
        ),
        (
            &with("", "[s3]\nbucket_key_ttl = \"0s\"\n"),
            "s3.bucket_key_ttl: must be longer than 0",
        ),
        (
            &with("", "[client]\nretry = \"sometimes\"\n"),
            "client.retry: expected one of \"none\", \"standard\", \"adaptive\"",
        ),
        (
            &with("", "[client]\ndata_key_cache = { max_messages = 5 }\n"),
            "client.data_key_cache.max_age: missing required key",
        ),
        (
            &with(
                "",
                "[client]\ndata_key_cache = { max_age = \"1m\", max_messages = 4294967297 }\n",
            ),
            "must be at most 4294967296",
        ),
        (
            &with("", "[[bucket]]\nname = \"ingest\"\nencryption = \"none\"\n"),
            "two [[bucket]] are named 'ingest' (the first is at line 4)",
        ),
        (
            &with("", "[[bucket]]\nname = \"a b\"\nencryption = \"none\"\n"),
            "bucket[1].name: 'a b' is not a valid name",
        ),
        (
            &with(
                "",
                "[[bucket]]\nname = \"k\"\nencryption = \"sse-kms\"\nkms_key = \"my-key\"\n",
            ),
            "bucket.k.kms_key: 'my-key' is not a KMS key ARN",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"r\"\nbucket = \"ingest\"\nop = \"get\"\narrival = { kind = \"closed\", concurrency = 0 }\n",
            ),
            "workload.r.arrival.concurrency: must be at least 1, found 0",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"r\"\nbucket = \"ingest\"\nop = \"get\"\narrival = { kind = \"poisson\", rate = 5, concurrency = 3 }\n",
            ),
            "workload.r.arrival.concurrency: unknown key (`concurrency` applies only to kind = \"closed\")",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"r\"\nbucket = \"ingest\"\nop = \"get\"\nread_from = \"existing\"\narrival = { kind = \"poisson\", rate = 5 }\n",
            ),
            "bucket 'ingest' has no `existing` population",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\nread_from = \"written\"\narrival = { kind = \"poisson\", rate = 5 }\n",
            ),
            "workload.w.read_from: read_from applies only to get workloads",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\nsize = \"100GiB\"\narrival = { kind = \"poisson\", rate = 5 }\n",
            ),
            "12800 parts; S3 allows at most 10,000",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 5, profile = { kind = \"steps\", at = [\"1s\", \"1s\"], rate = [1, 2] } }\n",
            ),
            "strictly ascending",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 5, profile = { kind = \"steps\", at = [\"1s\"], rate = [1, 2] } }\n",
            ),
            "they must pair up",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 5, profile = { kind = \"ramp\", to = 9, start = \"5s\", end = \"5s\" } }\n",
            ),
            "end (5s) must be after start (5s)",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 5, profile = { kind = \"burst\", rate = 9, at = \"5s\", length = \"5s\", every = \"5s\" } }\n",
            ),
            "every (5s) must be longer than length (5s)",
        ),
        (
            // Constant arrivals walk every burst: 2 ns bursts took 9 s per simulated second.
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"constant\", rate = 1, profile = { kind = \"burst\", rate = 2, at = \"0s\", length = \"1ns\", every = \"2ns\" } }\n",
            ),
            "every (2ns) is shorter than 1ms, the finest step bksim follows a rate profile in",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 5, profile = { kind = \"diurnal\", trough = 1.5 } }\n",
            ),
            "must be between 0 and 1",
        ),
        (
            &with(
                "",
                "[[workload]]\nname = \"w\"\nbucket = \"ingest\"\nop = \"put\"\n",
            ),
            "workload.w.arrival: missing required key",
        ),
        (
            &with("", "[[variant]]\nname = \"v\"\nsett = {}\n"),
            "variant.v.sett: unknown key (did you mean `set`?)",
        ),
        (
            &with("", "[[variant]]\nname = \"v\"\n[[variant]]\nname = \"v\"\n"),
            "two [[variant]] are named 'v'",
        ),
    ];
    for (text, expected) in cases {
        let msg = match resolve_text(text) {
            Ok(_) => match ScenarioFile::parse(Path::new("scenarios/x.toml"), text)
                .and_then(|f| f.resolve_all(&[]))
            {
                Ok(_) => panic!("accepted:\n{text}\nexpected an error containing {expected:?}"),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        assert!(msg.starts_with("scenarios/x.toml"), "{msg}");
        assert!(
            msg.contains(expected),
            "message {msg:?}\ndoes not contain {expected:?}\nfor:\n{text}"
        );
    }
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        "\0\0\0",
        "name = ",
        "[[[",
        "name = \"x\"",
        "name = 5\nduration = 3",
        "name = \"x\"\nduration = \"1m\"\nbucket = 5\nworkload = \"w\"",
        "name = \"x\"\nduration = \"1m\"\nbucket = []\nworkload = []",
        "name = \"x\"\nduration = \"1m\"\nbucket = [1, 2]\n",
        "name = \"x\"\nduration = \"1m\"\n[[bucket]]\n[[workload]]\n",
        "name = \"x\"\nduration = \"1m\"\nkms = \"fast\"\nvariant = 3\n",
        "name = \"x\"\nvariant = [1]\n",
        "name = \"x\"\n[[variant]]\nname = \"v\"\nset = 5\n",
        "name = \"x\"\n[[variant]]\nname = \"v\"\nset = { \"..\" = 1 }\n",
        "name = \"x\"\nduration = \"99999999999999999999d\"\n",
        "name = \"x\"\nduration = 1979-05-27T07:32:00Z\n",
        "name = \"µ\"\n",
        "name = \"x\"\nduration = \"1µs\"\nwarmup = \"\u{1F600}\"\n",
        "name = \"x\"\n[kms]\nlatency = { mean = \"1ms\", median = \"1ms\" }\n",
        "name = \"x\"\n[kms]\nlatency = [1, 2]\n",
        "name = \"x\"\nseed = -1\n",
        "a.b.c.d.e.f = 1",
        "\u{feff}name = \"x\"",
    ];
    for text in inputs {
        let result = std::panic::catch_unwind(|| {
            let file = ScenarioFile::parse(Path::new("g.toml"), text)?;
            let _ = file.variants();
            file.resolve_all(&[Override::parse_cli("kms.latency.median=nope").unwrap()])
        });
        let result = result.unwrap_or_else(|_| panic!("panicked on {text:?}"));
        let err = result.expect_err(text);
        assert!(err.to_string().starts_with("g.toml"), "{err}");
    }
    for arg in [
        "",
        "=",
        "a=",
        "=b",
        "a.b",
        "a..b=1",
        "ü=1",
        "a=\"unterminated",
    ] {
        let _ = Override::parse_cli(arg);
    }
}

// ---------------------------------------------------------------------------------------
// Overrides.

#[test]
fn variant_overrides_apply() {
    let file = ScenarioFile::load(&fixture("valid/full.toml")).unwrap();
    let names: Vec<&str> = file.variants().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["per-object", "bucket-key", "fast-kms"]);
    assert!(file.variants_declared());
    assert_eq!(file.variants()[0].description, "one KMS call per object");
    let base = file.resolve(None, &[]).unwrap();
    let per_object = file.resolve(Some("per-object"), &[]).unwrap();
    assert!(base.buckets[0].bucket_key);
    assert!(!per_object.buckets[0].bucket_key);
    // Everything else is the same.
    let mut b = base.clone();
    b.buckets[0].bucket_key = false;
    b.provenance = per_object.provenance.clone();
    assert_eq!(b, per_object);
    let p = per_object
        .provenance
        .iter()
        .find(|p| p.path == "bucket.ingest.bucket_key")
        .unwrap();
    let text = file.text();
    let line = line_of(text, "\"bucket.ingest.bucket_key\" = false");
    assert_eq!(
        p.source,
        ValueSource::Override {
            by: format!("variant 'per-object' (line {line})")
        }
    );
    assert_eq!(p.value, "false");

    // `[variant.set]` sections: keys under a section are paths below it, not a replacement.
    let text = with(
        "",
        "[kms]\nregion = \"eu-west-2\"\n[[variant]]\nname = \"v\"\n[variant.set.kms]\nquota_rps = 7\n[variant.set]\n\"s3.frontend_hosts\" = 3\n",
    );
    let f = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let paths: Vec<&str> = f.variants()[0]
        .overrides
        .iter()
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(paths, ["kms.quota_rps", "s3.frontend_hosts"]);
    let v = f.resolve(Some("v"), &[]).unwrap();
    assert_eq!(
        (v.kms.region.as_str(), v.kms.quota_rps, v.s3.frontend_hosts),
        ("eu-west-2", 7, 3)
    );

    // Dotted (unquoted) keys in `set` and several entries.
    let fast = file.resolve(Some("fast-kms"), &[]).unwrap();
    assert_eq!(fast.kms.latency, LatencyDist::Fixed(MS));
    assert_eq!(fast.kms.quota_rps, 100_000);
    match &fast.workloads[0].arrival {
        Arrival::Poisson { rate, .. } => assert_eq!(*rate, 40_000.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn set_with_bare_string_and_toml_values() {
    let file = ScenarioFile::parse(Path::new("x.toml"), MINIMAL).unwrap();
    let sets = [
        Override::parse_cli("s3.bucket_key_ttl=3m").unwrap(),
        Override::parse_cli("kms.quota_rps=20000").unwrap(),
        Override::parse_cli("kms.latency={ median = \"8ms\", p99 = \"40ms\" }").unwrap(),
        Override::parse_cli("kms.region=eu-west-2").unwrap(),
    ];
    let s = file.resolve(None, &sets).unwrap();
    assert_eq!(s.s3.bucket_key_ttl, 180 * S);
    assert_eq!(s.kms.quota_rps, 20_000);
    assert_eq!(s.kms.region, "eu-west-2");
    assert_eq!(
        s.kms.latency,
        LatencyDist::LogNormal {
            median: 8 * MS,
            p99: 40 * MS
        }
    );
    let ttl = s
        .provenance
        .iter()
        .find(|p| p.path == "s3.bucket_key_ttl")
        .unwrap();
    assert_eq!(ttl.value, "3m");
    assert_eq!(ttl.source, ValueSource::Override { by: "--set".into() });
}

#[test]
fn override_creates_keys_and_replaces_tables() {
    let text = with(
        "",
        "[kms]\nlatency = { median = \"8ms\", p99 = \"40ms\" }\n",
    );
    let file = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let s = file
        .resolve(
            None,
            &[
                Override::parse_cli("kms.limiter=token-bucket").unwrap(),
                Override::parse_cli("kms.burst=7").unwrap(),
                Override::parse_cli("kms.latency={ mean = \"3ms\" }").unwrap(),
                Override::parse_cli(
                    "bucket.ingest.existing={ objects = 10, written_over = \"1d\" }",
                )
                .unwrap(),
                Override::new("seed", 99i64, "--seed"),
            ],
        )
        .unwrap();
    assert_eq!(s.kms.limiter, LimiterKind::TokenBucket { burst: 7 });
    // The whole sub-table is replaced: no leftover median/p99 to clash with mean.
    assert_eq!(s.kms.latency, LatencyDist::Exponential { mean: 3 * MS });
    let pop = s.buckets[0].existing.as_ref().unwrap();
    assert_eq!(
        (pop.objects, pop.written_over, pop.writer_sessions),
        (10, 86_400 * S, 1)
    );
    assert_eq!(s.seed, 99);
    let seed = s.provenance.iter().find(|p| p.path == "seed").unwrap();
    assert_eq!(
        seed.source,
        ValueSource::Override {
            by: "--seed".into()
        }
    );

    // Creating a whole table the file does not have.
    let s = file
        .resolve(
            None,
            &[Override::parse_cli("client.data_key_cache.max_age=5m").unwrap()],
        )
        .unwrap();
    assert_eq!(s.client.data_key_cache.unwrap().max_age, 300 * S);
}

#[test]
fn array_elements_by_name() {
    let text = with(
        "",
        "[[bucket]]\nname = \"logs\"\nencryption = \"sse-s3\"\n[[workload]]\nname = \"reads\"\nbucket = \"ingest\"\nop = \"get\"\narrival = { kind = \"poisson\", rate = 10 }\n",
    );
    let file = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let s = file
        .resolve(
            None,
            &[
                Override::parse_cli("workload.reads.arrival.rate=5000").unwrap(),
                Override::parse_cli("bucket.logs.prefixes=8").unwrap(),
                Override::parse_cli("workload.uploads.sessions=3").unwrap(),
            ],
        )
        .unwrap();
    assert_eq!(
        s.workloads[1].arrival,
        Arrival::Poisson {
            rate: 5000.0,
            profile: RateProfile::Flat
        }
    );
    assert_eq!(s.buckets[1].prefixes, 8);
    assert_eq!(s.workloads[0].sessions, 3);
    assert_eq!(s.buckets[0].prefixes, 1);
}

#[test]
fn missing_array_element_lists_known_names() {
    let text = with(
        "",
        "[[workload]]\nname = \"reads\"\nbucket = \"ingest\"\nop = \"get\"\narrival = { kind = \"poisson\", rate = 10 }\n[[variant]]\nname = \"fast\"\nset = { \"workload.nope.arrival.rate\" = 5 }\n",
    );
    let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), &text).unwrap();
    let err = file.resolve(Some("fast"), &[]).unwrap_err();
    let line = line_of(&text, "workload.nope");
    assert_eq!(
        err.to_string(),
        format!(
            "scenarios/x.toml: variant 'fast' (line {line}) sets workload.nope.arrival.rate: no [[workload]] named 'nope' (known: uploads, reads)"
        )
    );
    assert_eq!(err.line(), Some(line));
    // From the command line, with a did-you-mean.
    let err = file
        .resolve(
            None,
            &[Override::parse_cli("bucket.ingset.bucket_key=true").unwrap()],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenarios/x.toml: --set bucket.ingset.bucket_key: no [[bucket]] named 'ingset' (known: ingest) (did you mean `ingest`?)"
    );
    // Unknown keys set by an override point at the override.
    let err = file
        .resolve(None, &[Override::parse_cli("kms.qouta_rps=5").unwrap()])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenarios/x.toml: --set kms.qouta_rps: unknown key (did you mean `quota_rps`?)"
    );
    let err = file
        .resolve(
            None,
            &[Override::parse_cli("kms.latency={ median = \"1ms\", p98 = \"2ms\" }").unwrap()],
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("--set kms.latency: kms.latency.p98: unknown key"),
        "{err}"
    );
    // Into a value that is not a table; and the reserved paths.
    for (arg, expected) in [
        (
            "workload.uploads.op.x=1",
            "workload.uploads.op is a string, not a table",
        ),
        ("variant.fast.set=1", "variants cannot be changed"),
        ("name=other", "the scenario name cannot be changed"),
        // Read from the file as written: an override was silently ignored.
        (
            "sensitivity.kms.quota_rps=[1, 2]",
            "the [sensitivity] table cannot be changed by an override",
        ),
        (
            "sweep.x=5",
            "the [sweep] table cannot be changed by an override: give the grid with --param",
        ),
        ("bucket.ingest={}", "names a whole [[bucket]] element"),
    ] {
        let err = file
            .resolve(None, &[Override::parse_cli(arg).unwrap()])
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    // An unknown variant name.
    let err = file.resolve(Some("fsat"), &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("no variant named 'fsat' (known: fast)"),
        "{err}"
    );
    assert!(err.to_string().contains("did you mean `fast`?"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Presets and default variants.

#[test]
fn region_presets_current_and_legacy() {
    for (region, table, quota) in [
        ("us-east-1", "current", 100_000),
        ("eu-west-1", "current", 100_000),
        ("eu-central-1", "current", 20_000),
        ("ap-northeast-1", "current", 20_000),
        ("sa-east-1", "current", 10_000),
        ("us-gov-west-1", "current", 10_000),
        ("legacy-2021:us-east-1", "legacy-2021", 50_000),
        ("legacy-2021:eu-west-2", "legacy-2021", 10_000),
        ("legacy-2021:ca-central-1", "legacy-2021", 5_500),
        ("legacy-2019:us-west-2", "legacy-2019", 30_000),
        ("legacy-2019:ca-central-1", "legacy-2019", 5_500),
    ] {
        let s = resolve_text(&with("", &format!("[kms]\nregion = \"{region}\"\n"))).unwrap();
        assert_eq!(s.kms.quota_rps, quota, "{region}");
        assert_eq!(s.kms.quota_table, table, "{region}");
        assert_eq!(Some(s.kms.region.as_str()), region.rsplit(':').next());
        let p = s
            .provenance
            .iter()
            .find(|p| p.path == "kms.quota_rps")
            .unwrap();
        let ValueSource::Fact { reference } = &p.source else {
            panic!("{p:?}")
        };
        assert!(
            reference.contains(if table == "current" { "§1.1" } else { "§1.2" }),
            "{reference}"
        );
        if table != "current" {
            assert!(reference.contains("UNCERTAIN"), "{reference}");
        }
    }
    // An explicit quota wins over the preset.
    let text = with("", "[kms]\nregion = \"eu-central-1\"\nquota_rps = 12345\n");
    let s = resolve_text(&text).unwrap();
    assert_eq!(s.kms.quota_rps, 12_345);
    let p = s
        .provenance
        .iter()
        .find(|p| p.path == "kms.quota_rps")
        .unwrap();
    assert_eq!(
        p.source,
        ValueSource::Scenario {
            line: line_of(&text, "12345")
        }
    );
    assert!(resolve_text(&with("", "[kms]\nregion = \"legacy-2030:us-east-1\"\n")).is_err());
}

#[test]
fn default_variants() {
    let file = ScenarioFile::parse(Path::new("x.toml"), MINIMAL).unwrap();
    assert!(!file.variants_declared());
    let names: Vec<&str> = file.variants().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["per-object", "bucket-key"]);
    let all = file.resolve_all(&[]).unwrap();
    assert!(!all[0].1.buckets[0].bucket_key);
    assert!(all[1].1.buckets[0].bucket_key);
    assert_eq!(
        file.variants()[1].overrides[0].path,
        "bucket.ingest.bucket_key"
    );
    assert_eq!(
        file.variants()[1].overrides[0].origin,
        "default variant 'bucket-key'"
    );

    // Only sse-kms buckets are switched; without any, one baseline variant.
    let two = with(
        "",
        "[[bucket]]\nname = \"d\"\nencryption = \"dsse-kms\"\n[[bucket]]\nname = \"k2\"\nencryption = \"sse-kms\"\n",
    );
    let file = ScenarioFile::parse(Path::new("x.toml"), &two).unwrap();
    let paths: Vec<&str> = file.variants()[1]
        .overrides
        .iter()
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(paths, ["bucket.ingest.bucket_key", "bucket.k2.bucket_key"]);
    let plain = MINIMAL.replace("sse-kms", "sse-s3");
    let file = ScenarioFile::parse(Path::new("x.toml"), &plain).unwrap();
    assert_eq!(file.variants().len(), 1);
    assert_eq!(file.variants()[0].name, "baseline");
    assert!(file.variants()[0].overrides.is_empty());
    assert_eq!(file.name(), "m");
}

// ---------------------------------------------------------------------------------------
// Defaults and provenance.

#[test]
fn defaults_applied_exactly() {
    let path = fixture("valid/minimal.toml");
    let file = ScenarioFile::load(&path).unwrap();
    let s = file.resolve(None, &[]).unwrap();
    let expected = Scenario {
        name: "minimal".into(),
        description: String::new(),
        seed: 1,
        duration: 60 * S,
        warmup: 0,
        kms: KmsConfig {
            region: "us-east-1".into(),
            quota_table: "current".into(),
            quota_rps: 100_000,
            limiter: LimiterKind::FixedWindow,
            latency: LatencyDist::LogNormal {
                median: 10 * MS,
                p99: 50 * MS,
            },
            background_rps: 0.0,
            price_per_10k: 0.03,
            free_tier: false,
            key_price_per_month: 1.0,
        },
        s3: S3Config {
            frontend_hosts: 100,
            bucket_key_ttl: 300 * S,
            latency: LatencyDist::LogNormal {
                median: 20 * MS,
                p99: 120 * MS,
            },
            prefix_put_rps: 3500,
            prefix_get_rps: 5500,
            single_flight: true,
            multipart_threshold: 8 << 20,
            multipart_part_size: 8 << 20,
            transfer_rate: None,
            dsse_kms_calls_per_object: 1,
        },
        client: ClientConfig {
            retry: RetryMode::Standard,
            max_attempts: 3,
            base_delay: S,
            max_backoff: 20 * S,
            retry_quota: 500,
            retry_cost: 5,
            connections_per_session: 10,
            pool: PoolPolicy::Grow,
            data_key_cache: None,
            cpu_cores: 0,
        },
        crypto: CryptoConfig {
            profile: "reference".into(),
            profile_path: None,
            profile_site: s.crypto.profile_site.clone(),
            cse_cost: None,
            verify: false,
            verify_objects: 100,
        },
        buckets: vec![Bucket {
            name: "ingest".into(),
            s3_name: "ingest".into(),
            encryption: Mode::SseKms,
            bucket_key: false,
            kms_key: "arn:aws:kms:us-east-1:111122223333:key/bksim-default".into(),
            kms_key_change: None,
            prefixes: 1,
            region: 0,
            existing: None,
            history_bucket_key: false,
            policies: None,
            client_layer: None,
        }],
        regions: vec![s.kms.clone()],
        replication: Vec::new(),
        traces: Vec::new(),
        workloads: vec![Workload {
            name: "uploads".into(),
            bucket: 0,
            op: Op::Put,
            arrival: Arrival::Poisson {
                rate: 1000.0,
                profile: RateProfile::Flat,
            },
            sessions: 1,
            size: SizeDist::Fixed(256 << 10),
            read_from: ReadFrom::Written,
            requests: None,
            after: None,
            sessions_of: None,
            head: HeadCall::None,
            kms_key: None,
            bucket_key: None,
            copy_from: None,
            principal: "arn:aws:iam::111122223333:role/uploads".into(),
            client_layer: None,
        }],
        expect: vec![],
        notes: vec![],
        provenance: s.provenance.clone(),
    };
    assert_eq!(s, expected);

    // Provenance: every parameter, sorted, with its source.
    let text = file.text();
    let l = |needle: &str| line_of(text, needle);
    let got: Vec<(String, String, String)> = s
        .provenance
        .iter()
        .map(|p| {
            let src = match &p.source {
                ValueSource::Scenario { line } => format!("line {line}"),
                ValueSource::Override { by } => format!("override {by}"),
                ValueSource::Fact { .. } => "fact".into(),
                ValueSource::Assumption { .. } => "assumption".into(),
            };
            (p.path.clone(), p.value.clone(), src)
        })
        .collect();
    let rows: Vec<(&str, &str, String)> = vec![
        ("bucket.ingest.bucket_key", "false", "assumption".into()),
        (
            "bucket.ingest.encryption",
            "sse-kms",
            format!("line {}", l("encryption")),
        ),
        (
            "bucket.ingest.kms_key",
            "arn:aws:kms:us-east-1:111122223333:key/bksim-default",
            "assumption".into(),
        ),
        ("bucket.ingest.prefixes", "1", "assumption".into()),
        ("client.base_delay", "1s", "fact".into()),
        ("client.connections_per_session", "10", "assumption".into()),
        ("client.cpu_cores", "0", "assumption".into()),
        ("client.max_attempts", "3", "fact".into()),
        ("client.max_backoff", "20s", "fact".into()),
        ("client.pool", "grow", "assumption".into()),
        ("client.retry", "standard", "fact".into()),
        ("client.retry_cost", "5", "fact".into()),
        ("client.retry_quota", "500", "fact".into()),
        ("crypto.profile", "reference", "assumption".into()),
        ("crypto.verify", "false", "assumption".into()),
        ("crypto.verify_objects", "100", "assumption".into()),
        ("duration", "1m", format!("line {}", l("duration"))),
        ("kms.background_rps", "0", "assumption".into()),
        ("kms.free_tier", "false", "assumption".into()),
        ("kms.key_price_per_month", "1.0", "fact".into()),
        (
            "kms.latency",
            "{ median = \"10ms\", p99 = \"50ms\" }",
            "assumption".into(),
        ),
        ("kms.limiter", "fixed-window", "assumption".into()),
        ("kms.price_per_10k", "0.03", "fact".into()),
        ("kms.quota_rps", "100000", "fact".into()),
        ("kms.region", "us-east-1", "assumption".into()),
        ("s3.bucket_key_ttl", "5m", "assumption".into()),
        ("s3.frontend_hosts", "100", "assumption".into()),
        (
            "s3.latency",
            "{ median = \"20ms\", p99 = \"120ms\" }",
            "assumption".into(),
        ),
        ("s3.multipart_part_size", "8MiB", "assumption".into()),
        ("s3.multipart_threshold", "8MiB", "assumption".into()),
        ("s3.prefix_get_rps", "5500", "fact".into()),
        ("s3.prefix_put_rps", "3500", "fact".into()),
        ("s3.single_flight", "true", "assumption".into()),
        ("s3.transfer_rate", "unlimited", "assumption".into()),
        ("seed", "1", "assumption".into()),
        ("warmup", "0s", "assumption".into()),
        (
            "workload.uploads.arrival.kind",
            "poisson",
            format!("line {}", l("arrival")),
        ),
        (
            "workload.uploads.arrival.rate",
            "1000",
            format!("line {}", l("arrival")),
        ),
        (
            "workload.uploads.bucket",
            "ingest",
            format!("line {}", l("bucket = ")),
        ),
        ("workload.uploads.op", "put", format!("line {}", l("op = "))),
        ("workload.uploads.sessions", "1", "assumption".into()),
        ("workload.uploads.size", "256KiB", "assumption".into()),
    ];
    let want: Vec<(String, String, String)> = rows
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
        .collect();
    assert_eq!(got, want);
    for p in &s.provenance {
        match &p.source {
            ValueSource::Fact { reference } => {
                assert!(reference.starts_with("aws-facts §"), "{p:?}")
            }
            ValueSource::Assumption { note } => {
                assert!(!note.is_empty() && note.len() < 120, "{p:?}")
            }
            _ => {}
        }
    }
}

#[test]
fn full_file_values_and_provenance_cover_every_key() {
    let file = ScenarioFile::load(&fixture("valid/full.toml")).unwrap();
    let text = file.text().to_string();
    let s = file.resolve(None, &[]).unwrap();
    assert_eq!((s.seed, s.duration, s.warmup), (42, 120 * S, 10 * S));
    assert_eq!(s.description, "every key set");
    assert_eq!(s.kms.region, "eu-central-1");
    assert_eq!(s.kms.quota_rps, 10_000);
    assert_eq!(s.kms.limiter, LimiterKind::TokenBucket { burst: 12_000 });
    assert_eq!(s.kms.background_rps, 250.5);
    assert!(s.kms.free_tier);
    assert_eq!(s.s3.latency, LatencyDist::Fixed(0));
    assert_eq!(s.s3.prefix_put_rps, 0);
    assert_eq!(s.s3.multipart_threshold, 16 << 20);
    assert_eq!(s.s3.transfer_rate, Some(100.0 * 1024.0 * 1024.0));
    assert_eq!(s.client.retry, RetryMode::Adaptive);
    assert_eq!(s.client.max_attempts, 5);
    assert_eq!(s.client.base_delay, 500 * MS);
    assert_eq!(s.client.retry_quota, 0);
    assert_eq!(s.client.pool, PoolPolicy::Wait);
    assert_eq!(
        s.client.data_key_cache,
        Some(DataKeyCache {
            max_age: 300 * S,
            max_messages: 100,
            max_bytes: i64::MAX as u64
        })
    );
    assert_eq!(
        s.buckets[0].kms_key,
        "arn:aws:kms:eu-central-1:111122223333:key/example"
    );
    assert_eq!(s.buckets[0].prefixes, 16);
    assert!(s.buckets[0].bucket_key);
    assert_eq!(s.buckets[1].encryption, Mode::CseKms);
    assert_eq!(
        s.buckets[1].existing,
        Some(Population {
            objects: 1_000_000,
            written_over: 30 * 86_400 * S,
            writer_sessions: 20,
            bucket_key_since: 0,
            size: SizeDist::LogNormal {
                median: 1 << 20,
                p99: 64 << 20
            },
        })
    );
    assert_eq!(
        s.workloads[0].arrival,
        Arrival::Poisson {
            rate: 20_000.0,
            profile: RateProfile::Steps {
                at: vec![0, 60 * S],
                rate: vec![1000.0, 5000.0]
            }
        }
    );
    assert_eq!(
        s.workloads[0].size,
        SizeDist::LogNormal {
            median: 256 << 10,
            p99: 8 << 20
        }
    );
    assert_eq!(
        s.workloads[1].arrival,
        Arrival::Closed {
            concurrency: 100,
            think: 10 * MS
        }
    );
    assert_eq!(s.workloads[1].read_from, ReadFrom::Existing);
    assert_eq!(s.workloads[1].bucket, 1);
    assert_eq!(s.workloads[2].read_from, ReadFrom::Written);
    assert_eq!(
        s.workloads[2].arrival,
        Arrival::Constant {
            rate: 50.0,
            profile: RateProfile::Diurnal {
                period: 3600 * S,
                trough: 0.1,
                peak_at: 1800 * S
            }
        }
    );
    assert_eq!(s.notes, Vec::<String>::new());

    // Every key written in the file (bar names, descriptions and variants) is in the
    // provenance with its line.
    let paths: Vec<&str> = s.provenance.iter().map(|p| p.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "provenance is sorted by path");
    for (path, needle) in [
        ("seed", "seed = 42"),
        ("duration", "duration = "),
        ("warmup", "warmup = "),
        ("kms.region", "region = "),
        ("kms.quota_rps", "quota_rps = "),
        ("kms.limiter", "limiter = "),
        ("kms.burst", "burst = "),
        ("kms.latency", "latency = { median = \"8ms\""),
        ("kms.background_rps", "background_rps"),
        ("kms.price_per_10k", "price_per_10k"),
        ("kms.free_tier", "free_tier"),
        ("kms.key_price_per_month", "key_price_per_month"),
        ("s3.frontend_hosts", "frontend_hosts"),
        ("s3.bucket_key_ttl", "bucket_key_ttl"),
        ("s3.latency", "latency = \"0ms\""),
        ("s3.prefix_put_rps", "prefix_put_rps"),
        ("s3.prefix_get_rps", "prefix_get_rps"),
        ("s3.single_flight", "single_flight"),
        ("s3.multipart_threshold", "multipart_threshold"),
        ("s3.multipart_part_size", "multipart_part_size"),
        ("s3.transfer_rate", "transfer_rate"),
        ("client.retry", "retry = "),
        ("client.max_attempts", "max_attempts"),
        ("client.base_delay", "base_delay"),
        ("client.max_backoff", "max_backoff"),
        ("client.retry_quota", "retry_quota"),
        ("client.retry_cost", "retry_cost"),
        ("client.connections_per_session", "connections_per_session"),
        ("client.pool", "pool = "),
        ("client.data_key_cache.max_age", "data_key_cache"),
        ("client.data_key_cache.max_messages", "data_key_cache"),
        ("bucket.ingest.encryption", "encryption = \"sse-kms\""),
        ("bucket.ingest.bucket_key", "bucket_key = true"),
        ("bucket.ingest.kms_key", "key/example"),
        ("bucket.ingest.prefixes", "prefixes = 16"),
        ("bucket.lake.encryption", "encryption = \"cse-kms\""),
        ("bucket.lake.kms_key", "alias/lake"),
        ("bucket.lake.existing.objects", "objects = "),
        ("bucket.lake.existing.written_over", "written_over"),
        ("bucket.lake.existing.writer_sessions", "writer_sessions"),
        ("bucket.lake.existing.size", "size = { median = \"1MiB\""),
        ("workload.uploads.bucket", "bucket = \"ingest\""),
        ("workload.uploads.op", "op = \"put\""),
        ("workload.uploads.arrival.kind", "rate = 20000"),
        ("workload.uploads.arrival.rate", "rate = 20000"),
        ("workload.uploads.arrival.profile", "rate = 20000"),
        ("workload.uploads.sessions", "sessions = 10"),
        ("workload.uploads.size", "dist = \"lognormal\""),
        ("workload.reads.arrival.concurrency", "concurrency = 100"),
        ("workload.reads.arrival.think", "concurrency = 100"),
        ("workload.reads.sessions", "sessions = 4"),
        ("workload.rereads.read_from", "read_from = \"written\""),
        ("workload.rereads.arrival.kind", "kind = \"constant\""),
        ("workload.rereads.arrival.profile", "kind = \"diurnal\""),
    ] {
        let p = s
            .provenance
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no provenance for {path}"));
        assert_eq!(
            p.source,
            ValueSource::Scenario {
                line: line_of(&text, needle)
            },
            "{path}"
        );
    }
    // Defaults that remain are facts or assumptions.
    for (path, fact) in [
        ("bucket.lake.bucket_key", false),
        ("bucket.lake.prefixes", false),
        ("bucket.lake.existing.bucket_key", false),
        ("client.data_key_cache.max_bytes", true),
        ("workload.reads.read_from", false),
    ] {
        let p = s
            .provenance
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("{path}"));
        assert_eq!(matches!(p.source, ValueSource::Fact { .. }), fact, "{p:?}");
        assert!(!matches!(p.source, ValueSource::Scenario { .. }), "{p:?}");
    }

    // Every key named in the provenance is documented in scenarios/README.md.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/README.md"))
            .unwrap();
    for p in &s.provenance {
        let key = p.path.rsplit('.').next().unwrap();
        assert!(
            readme.contains(&format!("`{key}`")),
            "scenarios/README.md does not document `{key}`"
        );
    }
}

#[test]
fn notes_for_settings_without_effect() {
    let text = with(
        "",
        "[kms]\nburst = 5\n[client]\nretry = \"none\"\nmax_attempts = 4\ndata_key_cache = { max_age = \"1m\" }\n\
         [[bucket]]\nname = \"d\"\nencryption = \"dsse-kms\"\nbucket_key = true\n\
         [[bucket]]\nname = \"s\"\nencryption = \"sse-s3\"\nbucket_key = true\n\
         [[bucket]]\nname = \"other-region\"\nencryption = \"sse-kms\"\nkms_key = \"arn:aws:kms:eu-west-1:111122223333:key/k\"\n",
    );
    let s = resolve_text(&text).unwrap();
    let notes = s.notes.join("\n");
    for expected in [
        "kms.burst is ignored",
        "max_attempts = 4 is ignored",
        "S3 Bucket Keys are not supported with DSSE-KMS: bucket_key is ignored for bucket 'd'",
        "bucket_key has no effect for bucket 's'",
        "bucket 'other-region': kms_key is in eu-west-1, not in kms.region us-east-1",
        "client.data_key_cache has no effect",
    ] {
        assert!(
            notes.contains(expected),
            "missing note {expected:?} in\n{notes}"
        );
    }
    assert_eq!(s.client.max_attempts, 1);
    assert!(!s.buckets[1].bucket_key && !s.buckets[2].bucket_key);
    assert_eq!(s.kms.limiter, LimiterKind::FixedWindow);
}

#[test]
fn existing_population_keeps_the_bucket_key_written_in_the_file() {
    let reads = "[bucket.existing]\nobjects = 5\nwritten_over = \"1h\"\n\
         [[workload]]\nname = \"r\"\nbucket = \"ingest\"\nop = \"get\"\narrival = { kind = \"poisson\", rate = 1 }\n";
    let since = |text: &str| -> Vec<u64> {
        let file = ScenarioFile::parse(Path::new("x.toml"), text).unwrap();
        let all = file.resolve_all(&[]).unwrap();
        all.iter()
            .map(|(_, s)| s.buckets[0].existing.as_ref().unwrap().bucket_key_since)
            .collect()
    };
    // The file leaves bucket_key off: the default variants `per-object` and `bucket-key`
    // both read objects written without a bucket key (the bucket-key variant changes the
    // run's writes, not the history).
    let text = with("", reads);
    assert_eq!(since(&text), vec![0, 0]);
    let file = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let bk = file.resolve(Some("bucket-key"), &[]).unwrap();
    assert!(bk.buckets[0].bucket_key);
    assert_eq!(bk.workloads[1].read_from, ReadFrom::Existing);
    let p = bk
        .provenance
        .iter()
        .find(|p| p.path == "bucket.ingest.existing.bucket_key")
        .unwrap();
    assert_eq!(p.value, "false");
    assert!(
        bk.notes.iter().any(|n| n.starts_with(
            "bucket 'ingest': 5 of the 5 objects already there (100.0%) were written without a bucket key; each GET of one costs a Decrypt"
        )),
        "{:?}",
        bk.notes
    );
    // A --set is an override too.
    let set = file
        .resolve(
            None,
            &[Override::parse_cli("bucket.ingest.bucket_key=true").unwrap()],
        )
        .unwrap();
    assert_eq!(
        set.buckets[0].existing.as_ref().unwrap().bucket_key_since,
        0
    );
    // The file turns bucket keys on: every old object has one, in both variants.
    let on = text.replace(
        "encryption = \"sse-kms\"",
        "encryption = \"sse-kms\"\nbucket_key = true",
    );
    assert_eq!(since(&on), vec![3_600 * S, 3_600 * S]);
    // Said explicitly, the scenario wins.
    let all = text.replace(
        "written_over = \"1h\"",
        "written_over = \"1h\"\nbucket_key = true",
    );
    assert_eq!(since(&all), vec![3_600 * S, 3_600 * S]);
}

#[test]
fn existing_bucket_key_share_and_since() {
    let pop = |keys: &str| {
        resolve_text(&with(
            "",
            &format!("[bucket.existing]\nobjects = 5\nwritten_over = \"10d\"\n{keys}\n"),
        ))
        .map(|s| s.buckets[0].existing.as_ref().unwrap().bucket_key_since)
        .map_err(|e| e.to_string())
    };
    assert_eq!(pop("bucket_key_since = \"3d\""), Ok(3 * 86_400 * S));
    assert_eq!(pop("bucket_key_share = 0.3"), Ok(3 * 86_400 * S));
    assert_eq!(pop("bucket_key_share = 1"), Ok(10 * 86_400 * S));
    assert_eq!(pop("bucket_key_share = 0"), Ok(0));
    let e = pop("bucket_key_share = 1.5").unwrap_err();
    assert!(
        e.contains("bucket.ingest.existing.bucket_key_share")
            && e.contains("expected a share from 0 to 1, found 1.5"),
        "{e}"
    );
    let e = pop("bucket_key_since = \"11d\"").unwrap_err();
    assert!(
        e.contains("bucket.ingest.existing.bucket_key_since")
            && e.contains("bucket_key_since (11d) is longer than written_over (10d)")
            && e.contains("write existing.bucket_key = true instead"),
        "{e}"
    );
    let e = pop("bucket_key = true\nbucket_key_since = \"1d\"").unwrap_err();
    assert!(
        e.contains("bucket.ingest.existing.bucket_key_since")
            && e.contains(
                "existing.bucket_key and existing.bucket_key_since both say which objects were written with a bucket key"
            )
            && e.contains("x.toml:16:"),
        "{e}"
    );
}

#[test]
fn latency_and_size_forms() {
    let lat = |v: &str| {
        resolve_text(&with("", &format!("[kms]\nlatency = {v}\n")))
            .map(|s| s.kms.latency)
            .map_err(|e| e.to_string())
    };
    assert_eq!(lat("\"5ms\""), Ok(LatencyDist::Fixed(5 * MS)));
    assert_eq!(lat("\"0ms\""), Ok(LatencyDist::Fixed(0)));
    assert_eq!(
        lat("{ median = \"8ms\", p99 = \"8ms\" }"),
        Ok(LatencyDist::Fixed(8 * MS))
    );
    assert_eq!(
        lat("{ mean = \"10ms\" }"),
        Ok(LatencyDist::Exponential { mean: 10 * MS })
    );
    assert_eq!(
        lat("{ dist = \"exponential\", mean = \"10ms\" }"),
        Ok(LatencyDist::Exponential { mean: 10 * MS })
    );
    assert_eq!(
        lat("{ dist = \"lognormal\", median = \"1ms\", p99 = \"2ms\" }"),
        Ok(LatencyDist::LogNormal {
            median: MS,
            p99: 2 * MS
        })
    );
    assert!(
        lat("{ median = \"0ms\", p99 = \"2ms\" }")
            .unwrap_err()
            .contains("must be longer than 0")
    );
    assert!(lat("{ mean = \"1ms\", p99 = \"2ms\" }").is_err());
    assert!(lat("5").is_err());

    let size = |v: &str| {
        resolve_text(&MINIMAL.replace("op = \"put\"", &format!("op = \"put\"\nsize = {v}")))
            .map(|s| s.workloads[0].size)
            .map_err(|e| e.to_string())
    };
    assert_eq!(size("4096"), Ok(SizeDist::Fixed(4096)));
    assert_eq!(size("\"100KB\""), Ok(SizeDist::Fixed(100_000)));
    assert_eq!(size("0"), Ok(SizeDist::Fixed(0)));
    assert_eq!(
        size("{ median = \"1KiB\", p99 = \"1MiB\" }"),
        Ok(SizeDist::LogNormal {
            median: 1024,
            p99: 1 << 20
        })
    );
    assert!(size("-1").is_err());
    assert!(size("{ dist = \"pareto\", median = \"1KiB\", p99 = \"1MiB\" }").is_err());
    assert!(
        size("\"1 parsec\"")
            .unwrap_err()
            .contains("unknown unit 'parsec'")
    );
}

#[test]
fn rate_profiles() {
    let profile = |p: &str| {
        resolve_text(&MINIMAL.replace("rate = 1000 }", &format!("rate = 1000, profile = {p} }}")))
            .map(|s| match &s.workloads[0].arrival {
                Arrival::Poisson { profile, .. } => profile.clone(),
                other => panic!("{other:?}"),
            })
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        profile("{ kind = \"ramp\", to = 5000, end = \"1m\" }"),
        Ok(RateProfile::Ramp {
            to: 5000.0,
            start: 0,
            end: 60 * S
        })
    );
    assert_eq!(
        profile(
            "{ kind = \"burst\", rate = 9000, at = \"10s\", length = \"5s\", every = \"30s\" }"
        ),
        Ok(RateProfile::Burst {
            rate: 9000.0,
            at: 10 * S,
            length: 5 * S,
            every: Some(30 * S)
        })
    );
    assert_eq!(
        profile("{ kind = \"diurnal\" }"),
        Ok(RateProfile::Diurnal {
            period: 86_400 * S,
            trough: 0.25,
            peak_at: 14 * 3600 * S
        })
    );
    assert!(profile("{ kind = \"sine\" }").is_err());
    assert!(
        profile("{ kind = \"ramp\", to = 5000 }")
            .unwrap_err()
            .contains("end: missing required key")
    );
}

// ---------------------------------------------------------------------------------------
// Workloads that stop, follow one another, share sessions and read by position.

/// MINIMAL's bucket `ingest`, a second bucket `other`, and `[[workload]]` tables after it.
fn linked(workloads: &str) -> String {
    format!(
        "name = \"m\"\nduration = \"1m\"\n[[bucket]]\nname = \"ingest\"\nencryption = \"sse-kms\"\n\
         [[bucket]]\nname = \"other\"\nencryption = \"sse-kms\"\n{workloads}"
    )
}

/// A `[[workload]]` table: name, bucket, op, a closed loop of one client, then `extra` lines.
fn wl(name: &str, bucket: &str, op: &str, extra: &str) -> String {
    format!(
        "[[workload]]\nname = \"{name}\"\nbucket = \"{bucket}\"\nop = \"{op}\"\n\
         arrival = {{ kind = \"closed\", concurrency = 1 }}\n{extra}"
    )
}

#[test]
fn workload_link_errors_name_file_line_and_key() {
    let up = |extra: &str| wl("uploads", "ingest", "put", extra);
    let rd = |extra: &str| wl("reads", "ingest", "get", extra);
    let cases: Vec<(String, &str, &str)> = vec![
        // (scenario text, the line holding the key, expected fragment after "line:col: ")
        (
            linked(&up("requests = 0\n")),
            "requests = 0",
            "workload.uploads.requests: must be at least 1, found 0",
        ),
        (
            linked(&up("requests = 1000000001\n")),
            "requests = 1000000001",
            "workload.uploads.requests: must be at most 1000000000, found 1000000001 (a workload without `requests` sends for the whole run; at most 1,000,000,000)",
        ),
        (
            linked(&(up("requests = 5\n") + &rd("after = \"uplods\"\n"))),
            "after = \"uplods\"",
            "workload.reads.after: no [[workload]] named 'uplods' (known: uploads, reads) (did you mean `uploads`?)",
        ),
        (
            linked(&(up("requests = 5\n") + &rd("after = \"uploads\"\nread_from = \"written\"\n")))
                .replace("requests = 5\n", ""),
            "after = \"uploads\"",
            "workload.reads.after: workload 'uploads' never ends: it has no `requests` (set `requests` on workload 'uploads' (a workload ends when the last of its requests has finished))",
        ),
        (
            linked(
                &(up("requests = 5\nafter = \"more\"\n")
                    + &wl("more", "ingest", "put", "requests = 5\nafter = \"last\"\n")
                    + &wl(
                        "last",
                        "ingest",
                        "put",
                        "requests = 5\nafter = \"uploads\"\n",
                    )),
            ),
            "after = \"more\"",
            "workload.uploads.after: a cycle of `after`: uploads → more → last → uploads (each workload starts after the next one in the cycle; one of them must not)",
        ),
        (
            linked(&up("requests = 5\nafter = \"uploads\"\n")),
            "after = \"uploads\"",
            "workload.uploads.after: a cycle of `after`: uploads → uploads",
        ),
        (
            linked(
                &(up("")
                    + &wl(
                        "more",
                        "ingest",
                        "put",
                        "sessions_of = \"uploads\"\nsessions = 2\n",
                    )),
            ),
            "sessions = 2",
            "workload.more.sessions: `sessions` cannot be set with `sessions_of`: workload 'more' sends from another workload's sessions (remove `sessions` here",
        ),
        (
            linked(
                &(up("sessions_of = \"more\"\n")
                    + &wl("more", "ingest", "put", "sessions_of = \"uploads\"\n")),
            ),
            "sessions_of = \"more\"",
            "workload.uploads.sessions_of: a cycle of `sessions_of`: uploads → more → uploads",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uploads\"\n"))),
            "read_from = \"uploads\"",
            "workload.reads.read_from: reading every object workload 'uploads' writes would keep them all: it has no `requests` (add `objects = \"1..N\"` (N ≤ 1,000,000) to read some of them, or set `requests` ≤ 1,000,000 on workload 'uploads')",
        ),
        (
            linked(&(up("requests = 2000000\n") + &rd("read_from = \"uploads\"\n"))),
            "read_from = \"uploads\"",
            "workload.reads.read_from: reading every object workload 'uploads' writes would keep them all: requests = 2000000, above 1,000,000",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uplaods\"\n"))),
            "read_from = \"uplaods\"",
            "workload.reads.read_from: expected \"existing\", \"written\" or a put workload's name, found \"uplaods\" (did you mean `uploads`?)",
        ),
        (
            linked(&(up("") + &rd("") + &wl("again", "ingest", "get", "read_from = \"reads\"\n"))),
            "read_from = \"reads\"",
            "workload.again.read_from: workload 'reads' is a get workload: `read_from` may name a put workload only",
        ),
        (
            linked(
                &(wl("uploads", "other", "put", "requests = 5\n")
                    + &rd("read_from = \"uploads\"\n")),
            ),
            "read_from = \"uploads\"",
            "workload.reads.read_from: workload 'uploads' writes to bucket 'other', not to 'ingest' which 'reads' reads (read from a put workload on the same bucket)",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uploads\"\nobjects = \"0..5\"\n"))),
            "objects = \"0..5\"",
            "workload.reads.objects: positions start at 1, found 0",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uploads\"\nobjects = \"5..2\"\n"))),
            "objects = \"5..2\"",
            "workload.reads.objects: the range 5..2 is empty (end before start)",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uploads\"\nobjects = \"two..ten\"\n"))),
            "objects = \"two..ten\"",
            "workload.reads.objects: expected a range \"A..B\", found \"two..ten\" (write it as \"2..10\"",
        ),
        (
            linked(&(up("") + &rd("read_from = \"uploads\"\nobjects = \"1..1000001\"\n"))),
            "objects = \"1..1000001\"",
            "workload.reads.objects: the range may end at 1,000,000 at most, found 1000001",
        ),
        (
            linked(
                &(up("requests = 50\n") + &rd("read_from = \"uploads\"\nobjects = \"2..60\"\n")),
            ),
            "objects = \"2..60\"",
            "workload.reads.objects: the range 2..60 goes past what workload 'uploads' writes: at most 50 objects (requests = 50) (end the range at 50 or before)",
        ),
        (
            linked(&(up("") + &rd("read_from = \"written\"\nobjects = \"2..10\"\n"))),
            "objects = \"2..10\"",
            "workload.reads.objects: objects applies only when read_from names a put workload (here it is \"written\")",
        ),
        (
            linked(&up("objects = \"2..10\"\n")),
            "objects = \"2..10\"",
            "workload.uploads.objects: objects applies only to get workloads",
        ),
        (
            linked(&up("sesions_of = \"x\"\n")),
            "sesions_of",
            "workload.uploads.sesions_of: unknown key (did you mean `sessions_of`?)",
        ),
    ];
    for (text, at, expected) in cases {
        let err = match resolve_text(&text) {
            Ok(_) => panic!("accepted:\n{text}\nexpected an error containing {expected:?}"),
            Err(e) => e,
        };
        let msg = err.to_string();
        let line = line_of(&text, at);
        assert_eq!(err.line(), Some(line), "{msg}\nfor:\n{text}");
        assert!(
            msg.starts_with(&format!("scenarios/x.toml:{line}:")),
            "{msg}\nfor:\n{text}"
        );
        assert!(
            msg.contains(&format!(": {expected}")),
            "message {msg:?}\ndoes not contain {expected:?}\nfor:\n{text}"
        );
    }
}

#[test]
fn workload_links_resolve_to_indices_owners_and_positions() {
    let text = linked(
        &(wl("uploads", "ingest", "put", "requests = 50\nsessions = 3\n")
            + &wl("more", "ingest", "put", "sessions_of = \"uploads\"\nrequests = 7\n")
            // A chain: sessions of `more`, which sends from `uploads`'.
            + &wl(
                "reads",
                "ingest",
                "get",
                "after = \"more\"\nsessions_of = \"more\"\nread_from = \"uploads\"\nobjects = \"2..10\"\nrequests = 900\n",
            )
            + &wl("all", "ingest", "get", "read_from = \"uploads\"\n")
            // The keywords win over a workload of that name.
            + &wl("written", "ingest", "put", "")
            + &wl("sample", "ingest", "get", "read_from = \"written\"\n")),
    );
    let s = resolve_text(&text).unwrap();
    let w = &s.workloads;
    assert_eq!(
        (w[0].requests, w[0].after, w[0].sessions_of, w[0].sessions),
        (Some(50), None, None, 3)
    );
    assert_eq!(
        (w[1].requests, w[1].after, w[1].sessions_of, w[1].sessions),
        (Some(7), None, Some(0), 0)
    );
    assert_eq!(
        (w[2].requests, w[2].after, w[2].sessions_of, w[2].sessions),
        (Some(900), Some(1), Some(0), 0)
    );
    assert_eq!(
        w[2].read_from,
        ReadFrom::Workload {
            writer: 0,
            first: 2,
            last: 10
        }
    );
    // Without `objects`: every object the writer's `requests` allow, recorded as computed.
    assert_eq!(
        w[3].read_from,
        ReadFrom::Workload {
            writer: 0,
            first: 1,
            last: 50
        }
    );
    assert_eq!(w[3].requests, None);
    assert_eq!(w[5].read_from, ReadFrom::Written);
    let prov = |path: &str| {
        s.provenance
            .iter()
            .find(|p| p.path == path)
            .map(|p| (p.value.clone(), p.source.clone()))
    };
    let (value, source) = prov("workload.all.objects").unwrap();
    assert_eq!(value, "1..50");
    assert!(
        matches!(&source, ValueSource::Assumption { note } if note.contains("every object it wrote")),
        "{source:?}"
    );
    let line = line_of(&text, "objects = \"2..10\"");
    assert_eq!(
        prov("workload.reads.objects"),
        Some(("2..10".into(), ValueSource::Scenario { line }))
    );
    // Keys left out record nothing (so existing scenarios' parameters are unchanged), and a
    // workload sending from another's sessions records no `sessions` of its own.
    for absent in [
        "workload.all.requests",
        "workload.all.after",
        "workload.uploads.sessions_of",
        "workload.more.sessions",
        "workload.reads.sessions",
    ] {
        assert_eq!(prov(absent), None, "{absent}");
    }
}

#[test]
fn small_real_workload_makes_the_hand_worked_kms_calls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/small-real-workload.toml");
    let file = ScenarioFile::load(&path).unwrap();
    let names: Vec<&str> = file.variants().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["per-object", "bucket-key"]);
    let run = |variant: &str| {
        let sc = bksim::prepare::variant(&file, Some(variant), &[]).unwrap();
        assert!(sc.notes.is_empty(), "{:?}", sc.notes);
        bksim::model::run_variant(variant, &sc, None).summary
    };
    for variant in ["per-object", "bucket-key"] {
        let s = run(variant);
        let (put, get) = (&s.requests.put, &s.requests.get);
        // 50 uploads, then 900 reads, every one completed, none of them too early.
        assert_eq!((put.offered, put.completed), (50, 50), "{variant}");
        assert_eq!((get.offered, get.completed), (900, 900), "{variant}");
        assert_eq!(get.no_object + put.failed + get.failed, 0, "{variant}");
        assert_eq!(s.kms.throttled, 0, "{variant}");
        assert!(s.notes.is_empty(), "{variant}: {:?}", s.notes);
        let ops = (
            s.kms.by_operation.GenerateDataKey,
            s.kms.by_operation.Decrypt,
        );
        if variant == "per-object" {
            // One data key per PUT, one Decrypt per GET.
            assert_eq!(ops, (50, 900));
            assert_eq!(s.kms.requests, 950);
            assert_eq!(s.cloudtrail.object_arn_context, 950);
            assert_eq!(s.bucket_keys_issued, 0);
        } else {
            // One session, one connection (one front-end host), all inside one TTL: the first
            // PUT's bucket key serves the other 49 PUTs and all 900 GETs.
            assert_eq!(ops, (1, 0));
            assert_eq!(s.kms.requests, 1);
            assert_eq!(s.cloudtrail.bucket_arn_context, 1);
            assert_eq!((s.bucket_keys_issued, s.bucket_keys_decrypted), (1, 0));
        }
    }
}
