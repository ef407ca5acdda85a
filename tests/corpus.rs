//! Recall and precision against the shared corpus generator: every seeded defect is
//! found in its account's files with a position, no clean account gets an error, and
//! a clean corpus checks with zero errors. Skipped (with a note) when ../shared is absent.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn generate(args: &[&str]) -> Option<tempfile::TempDir> {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/bench/gen_corpus.py not found");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let st = Command::new("python3")
        .arg(shared.join("bench/gen_corpus.py"))
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(
        st.status.success(),
        "gen_corpus failed: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    Some(dir)
}

#[test]
fn every_seeded_defect_is_found_and_no_clean_account_errors() {
    let Some(dir) = generate(&["--accounts", "500", "--invalid", "40", "--seed", "7"]) else {
        return;
    };
    let root = dir.path().join("site");
    let expected = std::fs::read_to_string(root.join("EXPECTED_DEFECTS.tsv")).unwrap();
    let defective: BTreeMap<String, String> = expected
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut p = l.split('\t');
            (p.next().unwrap().to_string(), p.next().unwrap().to_string())
        })
        .collect();
    let found = check(&root);
    let mut by_account: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for d in &found {
        if let Some(rest) = d.file.strip_prefix("content/accounts/") {
            by_account
                .entry(rest.split('/').next().unwrap().to_string())
                .or_default()
                .push(d);
        }
    }
    let mut missed = Vec::new();
    for (slug, kind) in &defective {
        let hits = by_account.get(slug).map(Vec::as_slice).unwrap_or(&[]);
        if !hits.iter().any(|d| d.line >= 1 && d.column >= 1) {
            missed.push(format!("{slug} ({kind})"));
        }
    }
    assert!(missed.is_empty(), "defects without a finding: {missed:?}");
    let wrong: BTreeSet<&String> = by_account
        .iter()
        .filter(|(s, ds)| {
            !defective.contains_key(*s)
                && ds
                    .iter()
                    .any(|d| d.severity == dossier::rules::Severity::Error)
        })
        .map(|(s, _)| s)
        .collect();
    assert!(wrong.is_empty(), "clean accounts with errors: {wrong:?}");
    assert!(defective.len() >= 40);
}

#[test]
fn a_clean_corpus_of_2000_accounts_has_no_errors() {
    let Some(dir) = generate(&["--accounts", "2000", "--seed", "3"]) else {
        return;
    };
    let found = check(&dir.path().join("site"));
    let errors: Vec<_> = found
        .iter()
        .filter(|d| d.severity == dossier::rules::Severity::Error)
        .take(10)
        .collect();
    assert!(errors.is_empty(), "errors on a valid corpus: {errors:#?}");
}

/// Every TOML document under `root` (files and `+++` front matter): the quick reader
/// takes it, and reads it as the toml crate does. The speed of a cold `check` rests on
/// this; a generator or demo change that pushes files onto the slow path shows here.
fn assert_all_read_quickly(root: &std::path::Path) -> usize {
    use dossier::load::frontmatter::{split, FrontMatter};
    use dossier::load::{quick_toml, toml_tree};
    let mut n = 0;
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("toml" | "md") => std::fs::read_to_string(path).unwrap(),
            _ => continue,
        };
        let toml = if path.extension().is_some_and(|e| e == "md") {
            match split(&text) {
                FrontMatter::Some(s) => s.toml,
                _ => continue,
            }
        } else {
            &text
        };
        let quick = quick_toml::parse(toml, 16, 10_000)
            .unwrap_or_else(|| panic!("{}: declined by the quick reader", path.display()));
        let doc = toml::de::DeTable::parse(toml).unwrap();
        assert_eq!(
            quick,
            toml_tree::from_toml(doc.get_ref()),
            "{}",
            path.display()
        );
        n += 1;
    }
    n
}

#[test]
fn the_demo_and_a_generated_corpus_take_the_quick_toml_path() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    assert!(assert_all_read_quickly(&demo) >= 20);
    let Some(dir) = generate(&["--accounts", "300", "--seed", "5"]) else {
        return;
    };
    assert!(assert_all_read_quickly(&dir.path().join("site")) >= 300);
}
