//! The command line as CI uses it: exit codes, output formats, the demo repo.

mod common;
use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn site_with(edit: impl Fn(&mut Vec<(String, String)>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    edit(&mut files);
    write_site(dir.path(), &files);
    dir
}

fn break_limit(files: &mut [(String, String)]) {
    let f = files
        .iter_mut()
        .find(|(p, _)| p.ends_with("account.toml"))
        .unwrap();
    f.1 =
        f.1.replace("limit = 5000000", "limit = \"5000000\"")
            .replace("name = \"Acme Steel Co.\"", "name = \"华东精密机械\"");
}

/// A site whose one finding is a warning (credit utilisation above the warning level).
fn warning_site() -> tempfile::TempDir {
    site_with(|f| {
        let a = f
            .iter_mut()
            .find(|(p, _)| p.ends_with("account.toml"))
            .unwrap();
        a.1 = a.1.replace("limit = 5000000", "limit = 3600000");
    })
}

#[test]
fn the_demo_repo_checks_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let (code, out, _) = run(&["check", "--root", root]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("0 errors, 0 warnings"),
        "demo must have no findings: {out}"
    );
}

#[test]
fn exit_codes_follow_the_findings() {
    let clean = site_with(|_| {});
    assert_eq!(
        run(&["check", "--root", clean.path().to_str().unwrap()]).0,
        0
    );
    let broken = site_with(|f| break_limit(f));
    assert_eq!(
        run(&["check", "--root", broken.path().to_str().unwrap()]).0,
        1
    );
    let warn = warning_site();
    let w = warn.path().to_str().unwrap();
    assert_eq!(run(&["check", "--root", w]).0, 0, "warnings alone pass");
    assert_eq!(run(&["check", "--root", w, "--deny-warnings"]).0, 1);
    assert_eq!(run(&["check", "--root", "/nonexistent/dossier"]).0, 2);
    assert_eq!(
        run(&["check", "--format", "yaml"]).0,
        2,
        "bad arguments exit 2"
    );
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&["check", "--root", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no `content/` folder"), "{err}");
}

#[test]
fn json_output_has_the_documented_schema() {
    let broken = site_with(|f| break_limit(f));
    let (_, out, _) = run(&[
        "check",
        "--root",
        broken.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnostics"][0];
    for key in [
        "severity",
        "code",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help",
    ] {
        assert!(!d[key].is_null(), "missing {key} in {d}");
    }
    assert_eq!(d["code"], "schema.type");
    assert_eq!(d["file"], "content/accounts/acme-steel/account.toml");
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn github_format_emits_escaped_workflow_commands() {
    let broken = site_with(|f| break_limit(f));
    let (_, out, _) = run(&[
        "check",
        "--root",
        broken.path().to_str().unwrap(),
        "--format",
        "github",
    ]);
    let line = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an ::error line");
    assert!(
        line.starts_with("::error file=content/accounts/acme-steel/account.toml,line="),
        "{line}"
    );
    assert!(line.contains("title=schema.type::"), "{line}");
    assert!(
        line.contains("%0Ahelp: "),
        "newlines in the message are escaped: {line}"
    );
}

#[test]
fn junit_has_one_testcase_per_account_with_failures_in_the_body() {
    let broken = site_with(|f| break_limit(f));
    let (_, out, _) = run(&[
        "check",
        "--root",
        broken.path().to_str().unwrap(),
        "--format",
        "junit",
    ]);
    assert!(
        out.contains("<testcase classname=\"dossier.accounts\" name=\"acme-steel\">"),
        "{out}"
    );
    assert!(out.contains("<failure message=\"1 error(s)\""), "{out}");
    assert!(out.contains("account.toml:"), "{out}");
}

#[test]
fn build_warnings_are_placed_and_quoted_as_check_shows_them() {
    // The build forgets the files no finding points into before rendering: the ones
    // that have findings must still be placed (file:line:col) and quoted.
    let warn = warning_site();
    let root = warn.path().to_str().unwrap();
    let (code, checked, _) = run(&["check", "--root", root, "--no-cache"]);
    assert_eq!(code, 0, "{checked}");
    // placed (file:line:col) and quoted (the source line under the span)
    assert!(checked.contains("--> content/accounts/"), "{checked}");
    assert!(checked.contains("| outstanding = 3200000"), "{checked}");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let (code, _, built) = run(&["build", "--root", root, "--output", site.to_str().unwrap()]);
    assert_eq!(code, 0, "{built}");
    assert!(
        built.contains(checked.trim_end()),
        "check:\n{checked}\nbuild:\n{built}"
    );
    for format in ["json", "github"] {
        let (_, checked, _) = run(&["check", "--root", root, "--no-cache", "--format", format]);
        let site = out.path().join(format);
        let args = [
            "build",
            "--root",
            root,
            "--output",
            site.to_str().unwrap(),
            "--format",
            format,
        ];
        let (code, _, built) = run(&args);
        assert_eq!(code, 0, "{built}");
        assert!(
            built.contains(checked.trim_end()),
            "{format}: check:\n{checked}\nbuild:\n{built}"
        );
    }
}

#[test]
fn human_output_snapshot() {
    // A reviewed snapshot of the rustc-style rendering, with a Chinese line.
    let broken = site_with(|f| {
        break_limit(f);
        let c = f
            .iter_mut()
            .find(|(p, _)| p.ends_with("contacts.toml"))
            .unwrap();
        c.1 = c.1.replace("stance = \"supporter\"", "stance = \"支持者\"");
    });
    let (_, out, _) = run(&["check", "--root", broken.path().to_str().unwrap()]);
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/human.txt"
    ))
    .unwrap();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/human.txt"),
            &out,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        out, expected,
        "human output changed; review and rerun with UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn broken_input_never_panics() {
    // every file replaced by hostile bytes, in turn
    let junk: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".repeat(2000).into_bytes(),
        b"+++\n+++\n+++".to_vec(),
        b"name = 1\nname = 2\n".to_vec(),
        "x = \"\u{202e}\u{0}\"\r\n\r\n[tier]\r\ndeclared = 5".as_bytes().to_vec(),
        b"a = { b = { c = { d = { e = { f = { g = { h = { i = { j = { k = { l = { m = { n = { o = { p = { q = 1 } } } } } } } } } } } } } } } }".to_vec(),
    ];
    for file in [
        "account.toml",
        "contacts.toml",
        "plan.md",
        "reviews/2026-09-30-q3-review.md",
    ] {
        for j in &junk {
            let dir = tempfile::tempdir().unwrap();
            write_site(dir.path(), &base_files());
            std::fs::write(dir.path().join("content/accounts/acme-steel").join(file), j).unwrap();
            let (code, out, err) = run(&["check", "--root", dir.path().to_str().unwrap()]);
            assert!(code == 0 || code == 1, "{file}: exit {code}\n{out}\n{err}");
            assert!(!err.contains("panicked"), "{file}: {err}");
        }
    }
}

#[test]
fn rules_doc_is_generated_from_the_catalogue() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
    assert_eq!(
        doc,
        dossier::rules::markdown_table(),
        "docs/rules.md is stale: run `dossier rules --markdown > docs/rules.md`"
    );
}
