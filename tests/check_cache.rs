//! `dossier check` reuses unchanged accounts' results: it must report exactly what a
//! full check reports, notice every edit, and never trust a cache it did not make.

mod common;
use common::*;
use dossier::cache;
use dossier::date::Date;
use dossier::diag::{place, Placed};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Files changed in the last 2 s are never cached (racy times): wait them out.
fn settle() {
    std::thread::sleep(Duration::from_millis(2100));
}

fn today() -> Option<Date> {
    Date::parse("2026-11-02")
}

/// Findings and how many accounts came from the cache.
fn cached(root: &Path) -> (Vec<Placed>, usize) {
    let r = cache::check(root, today(), true).expect("site loads");
    let placed = r.diagnostics.iter().map(|d| place(d, &r.sources)).collect();
    (placed, r.reused)
}

fn full(root: &Path) -> Vec<Placed> {
    let c = dossier::check_site(root, today()).expect("site loads");
    c.diagnostics
        .iter()
        .map(|d| place(d, &c.site.sources))
        .collect()
}

fn key(p: &[Placed]) -> Vec<String> {
    p.iter()
        .map(|d| {
            format!(
                "{}:{}:{}-{}:{} {} {} | {}",
                d.file, d.line, d.column, d.end_line, d.end_column, d.code, d.message, d.help
            )
        })
        .collect()
}

fn cli_json(root: &Path, extra: &[&str]) -> String {
    let o = Command::new(bin())
        .args([
            "check",
            "--format",
            "json",
            "--today",
            "2026-11-02",
            "--root",
        ])
        .arg(root)
        .args(extra)
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap()
}

fn edit(root: &Path, rel: &str, f: impl Fn(&str) -> String) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(&text)).unwrap();
}

#[test]
fn a_warm_check_reports_exactly_what_a_full_check_reports() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/bench/gen_corpus.py not found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("python3")
        .arg(shared.join("bench/gen_corpus.py"))
        .args([
            "--accounts",
            "300",
            "--invalid",
            "30",
            "--seed",
            "11",
            "--out",
        ])
        .arg(dir.path().join("site"))
        .output()
        .unwrap();
    assert!(st.status.success());
    let root = dir.path().join("site");
    settle();
    let expected = key(&full(&root));
    assert!(expected.len() > 30, "the seeded defects are found");
    let (cold, reused) = cached(&root);
    assert_eq!(reused, 0, "nothing cached yet");
    assert_eq!(key(&cold), expected);
    let (warm, reused) = cached(&root);
    assert_eq!(reused, 300, "every account comes from the cache");
    assert_eq!(key(&warm), expected, "same findings, same positions");
    // The command line prints the same bytes warm, cold and without the cache.
    let warm_cli = cli_json(&root, &[]);
    assert_eq!(warm_cli, cli_json(&root, &["--no-cache"]));
    assert!(warm_cli.contains("\"errors\""));
    assert!(root.join(".dossier/.gitignore").is_file());
}

#[test]
fn edits_additions_and_removals_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut files = base_files();
    // a second account with its own tax id and legal name
    let (b_account, a_account) = {
        let acc = files
            .iter()
            .find(|(p, _)| p.ends_with("acme-steel/account.toml"))
            .unwrap();
        let b = acc
            .1
            .replace("91310000MA1FL0XX0X", "91440300MA5EXXXX1Y")
            .replace("Acme Steel Co., Ltd.", "Borealis Metals GmbH");
        (b, acc.0.clone())
    };
    files.push((
        "content/accounts/borealis/account.toml".into(),
        b_account.clone(),
    ));
    write_site(root, &files);
    settle();
    let (first, _) = cached(root);
    let (again, reused) = cached(root);
    assert_eq!(reused, 2);
    assert_eq!(key(&again), key(&first));
    assert_eq!(key(&again), key(&full(root)));

    // An edit to one file: only that account is re-read, and the finding appears.
    edit(root, &a_account, |t| {
        t.replace("limit = 5000000", "limit = \"5000000\"")
    });
    let (after, reused) = cached(root);
    assert_eq!(reused, 1, "the unchanged account is still reused");
    assert_eq!(key(&after), key(&full(root)));
    assert!(after
        .iter()
        .any(|d| d.file == a_account && d.code == "schema.type"));

    // A cross-account rule sees the reused account: give the edited one B's tax id.
    edit(root, &a_account, |t| {
        t.replace("91310000MA1FL0XX0X", "91440300MA5EXXXX1Y")
    });
    let (dup, reused) = cached(root);
    assert_eq!(reused, 1);
    let b_file = "content/accounts/borealis/account.toml";
    assert!(
        dup.iter()
            .any(|d| d.file == b_file && d.code == "portfolio.duplicate-customer"),
        "the cached account is reported as a duplicate too: {:#?}",
        key(&dup)
    );
    assert_eq!(key(&dup), key(&full(root)));

    // A new review file with broken front matter, then its removal.
    let review = "content/accounts/borealis/reviews/2026-10-01-q4-review.md";
    write_site(root, &[(review.into(), "+++\ndate = \n+++\n".into())]);
    let (added, _) = cached(root);
    assert!(added.iter().any(|d| d.file == review));
    assert_eq!(key(&added), key(&full(root)));
    std::fs::remove_file(root.join(review)).unwrap();
    let (removed, _) = cached(root);
    assert!(!removed.iter().any(|d| d.file == review));
    assert_eq!(key(&removed), key(&full(root)));
}

#[test]
fn the_config_the_date_and_fresh_edits_invalidate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_site(root, &base_files());
    // Just written: too fresh to be trusted, so not cached.
    cached(root);
    assert_eq!(
        cached(root).1,
        0,
        "files edited in the last 2 s are re-read"
    );
    settle();
    cached(root);
    assert_eq!(cached(root).1, 1);
    // Another date: every date rule may change.
    let other = cache::check(root, Date::parse("2027-06-01"), true).unwrap();
    assert_eq!(other.reused, 0);
    assert_eq!(cached(root).1, 0, "the cache now holds the other date");
    assert_eq!(cached(root).1, 1);
    // dossier.toml changes what the rules say.
    edit(root, "dossier.toml", |t| format!("{t}\n# a comment\n"));
    assert_eq!(cached(root).1, 0);
}

#[test]
fn a_corrupt_cache_is_rebuilt_and_a_symlinked_one_is_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    write_site(&root, &base_files());
    settle();
    let expected = key(&full(&root));
    cached(&root);
    let file = root.join(".dossier/check-cache.jsonl");
    std::fs::write(&file, b"{\"key\": 1, garbage").unwrap();
    let (after, reused) = cached(&root);
    assert_eq!((reused, key(&after)), (0, expected.clone()));
    let rewritten = std::fs::read_to_string(&file).unwrap();
    assert!(
        rewritten.lines().count() == 2
            && rewritten
                .lines()
                .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "rewritten: {rewritten}"
    );
    assert_eq!(cached(&root).1, 1);

    // `.dossier` pointing out of the site: nothing is read or written through it.
    #[cfg(unix)]
    {
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::remove_dir_all(root.join(".dossier")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join(".dossier")).unwrap();
        let (after, reused) = cached(&root);
        assert_eq!((reused, key(&after)), (0, expected));
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }
}
