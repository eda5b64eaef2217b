//! Unit tests of output directories: publishing, refusals, leftovers and the fallback.
use super::*;
use std::ffi::OsStr;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn new_target_is_created_by_publish() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("a").join("out");
    let s = Stage::begin(&t, Kind::Run).unwrap();
    assert!(!t.exists());
    fs::write(s.path().join("summary.json"), "{}").unwrap();
    s.publish().unwrap();
    assert_eq!(names(&t), ["summary.json"]);
    assert_eq!(names(&d.path().join("a")), ["out"]);
}

#[test]
fn existing_set_is_replaced_and_foreign_entries_carried_over() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir_all(t.join("charts")).unwrap();
    fs::create_dir_all(t.join("mine")).unwrap();
    fs::write(t.join("summary.json"), "old").unwrap();
    fs::write(t.join("latency-x-put.hgrm"), "old").unwrap();
    fs::write(t.join("charts/cost.svg"), "old").unwrap();
    fs::write(t.join("notes.txt"), "keep").unwrap();
    fs::write(t.join("mine/data"), "keep too").unwrap();
    let s = Stage::begin(&t, Kind::Run).unwrap();
    fs::write(s.path().join("summary.json"), "new").unwrap();
    s.publish().unwrap();
    assert_eq!(names(&t), ["mine", "notes.txt", "summary.json"]);
    assert_eq!(fs::read_to_string(t.join("summary.json")).unwrap(), "new");
    assert_eq!(fs::read_to_string(t.join("notes.txt")).unwrap(), "keep");
    assert_eq!(fs::read_to_string(t.join("mine/data")).unwrap(), "keep too");
    assert_eq!(names(d.path()), ["out"]);
}

#[test]
fn fallback_publish_without_exchange() {
    fn unsupported(_: &Path, _: &Path) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir(&t).unwrap();
    fs::write(t.join("run.json"), "old").unwrap();
    let s = Stage::begin(&t, Kind::Run).unwrap();
    fs::write(s.path().join("run.json"), "new").unwrap();
    s.publish_with(unsupported).unwrap();
    assert_eq!(fs::read_to_string(t.join("run.json")).unwrap(), "new");
    assert_eq!(names(d.path()), ["out"]);
}

#[cfg(unix)]
#[test]
fn the_directory_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir(&t).unwrap();
    fs::set_permissions(&t, fs::Permissions::from_mode(0o750)).unwrap();
    let s = Stage::begin(&t, Kind::Sweep).unwrap();
    fs::write(s.path().join("sweep.json"), "new").unwrap();
    s.publish().unwrap();
    let mode = fs::metadata(&t).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o750);
}

#[test]
fn dropped_stage_leaves_the_target_alone() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir(&t).unwrap();
    fs::write(t.join("sweep.json"), "old").unwrap();
    {
        let s = Stage::begin(&t, Kind::Sweep).unwrap();
        fs::write(s.path().join("sweep.json"), "new").unwrap();
    }
    assert_eq!(names(d.path()), ["out"]);
    assert_eq!(fs::read_to_string(t.join("sweep.json")).unwrap(), "old");
}

#[test]
fn foreign_directories_and_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir(&t).unwrap();
    fs::write(t.join("notes.txt"), "mine").unwrap();
    let e = Stage::begin(&t, Kind::Run).unwrap_err();
    assert!(matches!(e, OutDirError::NotOurs { .. }), "{e}");
    assert!(e.to_string().contains(&t.display().to_string()), "{e}");
    // A sweep directory is not a run directory.
    fs::write(t.join("sweep.json"), "{}").unwrap();
    assert!(Stage::begin(&t, Kind::Run).is_err());
    assert!(Stage::begin(&t, Kind::Sweep).is_ok());
    let f = d.path().join("file");
    fs::write(&f, "x").unwrap();
    let e = Stage::begin(&f, Kind::Run).unwrap_err();
    assert!(matches!(e, OutDirError::NotADirectory { .. }), "{e}");
    // A path under the file: the message names the file, for a stage and a shard directory.
    let under = f.join("sub").join("deeper");
    let want = format!(
        "{}: {} is a file, not a directory",
        under.display(),
        f.display()
    );
    let e = Stage::begin(&under, Kind::Run).unwrap_err();
    assert!(e.is_input(), "{e}");
    assert_eq!(e.to_string(), want);
    let e = prepare_shard_dir(&under).unwrap_err();
    assert_eq!(e.to_string(), want);
    assert_eq!(names(d.path()), ["file", "out"]);
}

#[test]
fn report_stage_starts_as_a_copy() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir_all(t.join("charts")).unwrap();
    fs::write(t.join("summary.json"), "data").unwrap();
    fs::write(t.join("charts/cost.svg"), "old").unwrap();
    let s = Stage::begin(&t, Kind::Report).unwrap();
    assert_eq!(names(s.path()), ["charts", "summary.json"]);
    assert_eq!(names(&s.path().join("charts")), ["cost.svg"]);
    s.publish().unwrap();
    assert_eq!(names(&t), ["charts", "summary.json"]);
}

#[test]
fn stale_leftovers_of_dead_processes_are_removed() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("out");
    fs::create_dir(&t).unwrap();
    // A pid far above any pid_max is never alive.
    let dead = 4_000_000_000u32;
    fs::create_dir(d.path().join(format!(".out{STAGE_MARK}{dead}-0"))).unwrap();
    fs::create_dir(d.path().join(format!(".out{OLD_MARK}{dead}-1"))).unwrap();
    let mine = d
        .path()
        .join(format!(".out{STAGE_MARK}{}-99", std::process::id()));
    fs::create_dir(&mine).unwrap();
    fs::write(d.path().join(".other.bksim-stage-x"), "").unwrap();
    remove_stale_siblings(d.path(), OsStr::new("out"));
    let mut expect = vec![
        ".other.bksim-stage-x".to_string(),
        mine.file_name().unwrap().to_string_lossy().into_owned(),
        "out".to_string(),
    ];
    expect.sort();
    assert_eq!(names(d.path()), expect);
}

#[test]
fn an_old_tree_without_its_target_is_restored() {
    let d = tempfile::tempdir().unwrap();
    let old = d.path().join(format!(".out{OLD_MARK}4000000000-3"));
    fs::create_dir(&old).unwrap();
    fs::write(old.join("summary.json"), "old").unwrap();
    remove_stale_siblings(d.path(), OsStr::new("out"));
    assert_eq!(names(d.path()), ["out"]);
    assert_eq!(
        fs::read_to_string(d.path().join("out/summary.json")).unwrap(),
        "old"
    );
}

#[test]
fn stale_temporary_files_are_removed() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join(".a.json.bksim-tmp-4000000000-0"), "").unwrap();
    let live = format!(".a.json.bksim-tmp-{}-0", std::process::id());
    fs::write(d.path().join(&live), "").unwrap();
    fs::write(d.path().join("a.json"), "").unwrap();
    remove_stale_temps(d.path(), None);
    let mut expect = vec![live, "a.json".to_string()];
    expect.sort();
    assert_eq!(names(d.path()), expect);
}

#[test]
fn leftover_names_parse() {
    assert_eq!(leftover_pid(".out.bksim-stage-12-3", STAGE_MARK), Some(12));
    assert_eq!(leftover_pid(".a-b.bksim-stage-12-3", STAGE_MARK), Some(12));
    assert_eq!(leftover_pid(".out.bksim-stage-12-", STAGE_MARK), None);
    assert_eq!(leftover_pid(".out.bksim-stage-x-1", STAGE_MARK), None);
    assert!(is_temp_name(".s.json.bksim-tmp-1-2"));
    assert!(is_temp_name(".s.json.123.4.tmp"));
    assert!(!is_temp_name(".s.json.tmp"));
    assert!(!is_temp_name("s.json"));
}
