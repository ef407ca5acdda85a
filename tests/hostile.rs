//! Hostile input: nothing a contributor can put into a playbook repo makes `dossier check`
//! or `dossier build` panic, hang, blow up memory, read outside the site root, write
//! outside the output, destroy the previous site or publish active content.
//!
//! One fixture per threat (issue "Make it unbreakable"). Each asserts what the user
//! sees: the finding's code, file and position, the exit code, the output tree.
//!
//! Limits and guarantees are documented in docs/limits.md.

mod common;
use common::*;
use dossier::diag::Placed;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ACC: &str = "content/accounts/acme-steel";

// ───────────────────────────── helpers ─────────────────────────────

/// A site in `<tmp>/site`; outputs and "outside" files go beside it in `<tmp>`.
struct Site {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    fn new(files: &[(String, String)]) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        write_site(&root, files);
        Site { tmp, root }
    }
    fn base() -> Site {
        Site::new(&base_files())
    }
    fn dir(&self) -> &Path {
        self.tmp.path()
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let t = self.read(rel);
        assert!(t.contains(from), "{from:?} not in {rel}");
        self.write(rel, t.replacen(from, to, 1));
    }
    fn append(&self, rel: &str, more: &str) {
        let t = self.read(rel);
        self.write(rel, t + more);
    }
    fn remove(&self, rel: &str) {
        let p = self.path(rel);
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    fn findings(&self) -> Vec<Placed> {
        check(&self.root)
    }
    fn check(&self) -> Run {
        run(&["check", "--root", s(&self.root)], 600)
    }
    fn build(&self, out: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["build", "--root", s(&self.root), "--output", s(out)];
        args.extend_from_slice(extra);
        run(&args, 600)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn acc(rel: &str) -> String {
    format!("{ACC}/{rel}")
}

/// The result of running the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn log(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
    /// Exit 0 or 1 (not 2 = could not run, not 101 = panic, not a signal) and no panic text.
    fn ran(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked") && (self.code == 0 || self.code == 1),
            "dossier did not run cleanly: {}",
            self.log()
        );
        self
    }
}

/// Run the binary with a time limit (a hang is a test failure, not a stuck suite).
fn run(args: &[&str], limit_secs: u64) -> Run {
    run_os(&args.iter().map(OsStr::new).collect::<Vec<_>>(), limit_secs)
        .unwrap_or_else(|| panic!("dossier {args:?} did not finish within {limit_secs} s (hang)"))
}

fn run_os(args: &[&OsStr], limit_secs: u64) -> Option<Run> {
    let logs = tempfile::tempdir().unwrap();
    let (o, e) = (logs.path().join("out"), logs.path().join("err"));
    let mut child = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(limit_secs) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Some(Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&std::fs::read(&o).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&e).unwrap()).into_owned(),
    })
}

fn list(fs: &[Placed]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "  {}:{}:{} {} {}",
                f.file, f.line, f.column, f.code, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The one finding with `code` in `file` (panics with every finding otherwise).
fn find<'a>(fs: &'a [Placed], code: &str, file: &str) -> &'a Placed {
    fs.iter()
        .find(|f| f.code == code && f.file == file)
        .unwrap_or_else(|| panic!("no {code} in {file}; findings:\n{}", list(fs)))
}

fn assert_at(fs: &[Placed], code: &str, file: &str, at: (usize, usize)) {
    assert!(
        fs.iter()
            .any(|f| f.code == code && f.file == file && (f.line, f.column) == at),
        "expected {code} at {file}:{}:{}; findings:\n{}",
        at.0,
        at.1,
        list(fs)
    );
}

fn errors(fs: &[Placed]) -> Vec<&Placed> {
    fs.iter()
        .filter(|f| f.severity == dossier::rules::Severity::Error)
        .collect()
}

/// 1-based line and column (in characters) of the first `needle` in `text`.
fn pos(text: &str, needle: &str) -> (usize, usize) {
    let idx = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let pre = &text[..idx];
    (
        pre.matches('\n').count() + 1,
        pre.rsplit('\n').next().unwrap().chars().count() + 1,
    )
}

/// Position of the character after the first `prefix` in `text`.
fn pos_after(text: &str, prefix: &str) -> (usize, usize) {
    let (l, c) = pos(text, prefix);
    (l, c + prefix.chars().count())
}

/// Every file and folder under `dir` (files with their bytes), symlinks as their target.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let content = if e.file_type().is_file() {
                Some(std::fs::read(e.path()).unwrap())
            } else if e.file_type().is_symlink() {
                Some(
                    std::fs::read_link(e.path())
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                )
            } else {
                None
            };
            (rel, content)
        })
        .collect()
}

fn files_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    tree(dir)
        .into_iter()
        .filter_map(|(p, c)| Some((p, c?)))
        .collect()
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".dossier-"))
        .collect()
}

fn is_root() -> bool {
    // permissions do not bite for root (CI runs as root): probe instead of guessing
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("probe");
    std::fs::write(&f, "x").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::read(&f).is_ok()
}

/// `n` valid accounts (copies of the base account with their own slug, tax id and name).
fn many_accounts(n: usize) -> Vec<(String, String)> {
    let mut files = vec![(
        "dossier.toml".to_string(),
        format!(
            "{DOSSIER_TOML}[rules]\n\"portfolio.top-tier-cap\" = \"off\"\n\"portfolio.owner-cap\" = \"off\"\n"
        ),
    )];
    for i in 0..n {
        let a = format!("content/accounts/acme-{i:04}");
        let account = ACCOUNT
            .replace("Acme Steel Co.\"", &format!("Acme {i} Steel Co.\""))
            .replace("Acme Steel Co., Ltd.", &format!("Acme {i} Steel Co., Ltd."))
            .replace("91310000MA1FL0XX0X", &format!("9131000{i:08}X"));
        let plan = PLAN.replace(
            "## Strategy",
            &format!(
                "## Strategy\n\n{}",
                "Grow the account with more depth in every department. ".repeat(40)
            ),
        );
        files.push((format!("{a}/account.toml"), account));
        files.push((format!("{a}/contacts.toml"), CONTACTS.into()));
        files.push((format!("{a}/plan.md"), plan));
        files.push((
            format!("{a}/reviews/2026-09-30-q3-review.md"),
            REVIEW.into(),
        ));
    }
    files
}

fn to_crlf(t: &str) -> String {
    t.replace("\r\n", "\n").replace('\n', "\r\n")
}

// ───────────────────────── bytes and encodings ─────────────────────────

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte_in_every_kind_of_file() {
    let site = Site::base();
    // `\u{1}` marks where a bad byte goes; the expected position is computed from it
    let mut cases: Vec<(String, String, &[u8])> = vec![
        (
            acc("account.toml"),
            ACCOUNT.replace("\"Steel\"", "\"St\u{1}eel\""),
            b"\xFF",
        ),
        (
            acc("contacts.toml"),
            CONTACTS.replace("王刚", "王\u{1}刚"),
            b"\xC3(",
        ),
        (
            acc("plan.md"),
            format!("{PLAN}\nCaf\u{1} au lait\n"),
            b"\xE9",
        ),
        (
            acc("reviews/2026-09-30-q3-review.md"),
            REVIEW.replace("Volume up", "Volume\u{1} up"),
            b"\xFE",
        ),
        (
            "content/_index.md".into(),
            "# Home\n\n\u{1}\n".into(),
            b"\x80\x80",
        ),
        (
            "content/guides/credit.md".into(),
            "\u{1}".into(),
            b"\xF0\x28\x8C\x28",
        ),
    ];
    let mut expect = Vec::new();
    for (rel, text, bad) in cases.drain(..) {
        let at = pos(&text, "\u{1}");
        let mut bytes = Vec::new();
        let (a, b) = text.split_once('\u{1}').unwrap();
        bytes.extend_from_slice(a.as_bytes());
        bytes.extend_from_slice(bad);
        bytes.extend_from_slice(b.as_bytes());
        site.write(&rel, bytes);
        expect.push((rel, at));
    }
    let fs = site.findings();
    for (rel, at) in &expect {
        assert_at(&fs, "file.invalid-utf8", rel, *at);
    }
    // the lossy text is never used as content: no schema findings for those files
    assert!(
        !fs.iter()
            .any(|f| f.code.starts_with("schema.") && expect.iter().any(|(r, _)| *r == f.file)),
        "{}",
        list(&fs)
    );
    let r = site.check();
    r.ran();
    assert_eq!(r.code, 1, "{}", r.log());
    assert!(r.stdout.contains("file.invalid-utf8"), "{}", r.log());
    let out = site.dir().join("out");
    let b = site.build(&out, &[]);
    b.ran();
    assert_eq!(b.code, 1, "{}", b.log());
    assert!(!out.exists(), "nothing is built from invalid input");
}

#[test]
fn invalid_utf8_in_dossier_toml_and_in_file_names_is_a_finding() {
    use std::os::unix::ffi::OsStrExt;
    let site = Site::base();
    site.write(
        "dossier.toml",
        [DOSSIER_TOML.as_bytes(), b"# caf\xE9\n"].concat(),
    );
    let at = pos(&format!("{DOSSIER_TOML}# caf"), "# caf");
    // a review and an account folder whose names are not UTF-8 (Latin-1 bytes)
    let reviews = site.path(&acc("reviews"));
    std::fs::write(
        reviews.join(OsStr::from_bytes(b"2026-09-30-caf\xE9.md")),
        REVIEW,
    )
    .unwrap();
    let bad_dir = site
        .path("content/accounts")
        .join(OsStr::from_bytes(b"caf\xE9"));
    std::fs::create_dir_all(&bad_dir).unwrap();
    std::fs::write(bad_dir.join("account.toml"), ACCOUNT).unwrap();
    let fs = site.findings();
    assert_at(&fs, "file.invalid-utf8", "dossier.toml", (at.0, at.1 + 5));
    assert!(
        fs.iter()
            .any(|f| f.code == "file.slug" && f.file.starts_with("content/accounts/caf")),
        "{}",
        list(&fs)
    );
    assert!(
        fs.iter()
            .any(|f| f.file.starts_with(&acc("reviews/2026-09-30-caf"))),
        "the badly named review is reported:\n{}",
        list(&fs)
    );
    site.check().ran();
}

#[test]
fn a_byte_order_mark_is_ignored_and_not_counted_in_columns() {
    let bom = |t: &str| format!("\u{FEFF}{t}");
    let files: Vec<(String, String)> = base_files()
        .into_iter()
        .map(|(p, t)| (p, bom(&t)))
        .collect();
    let site = Site::new(&files);
    site.write(
        "content/guides/bom.md",
        bom("+++\ntitle = \"BOM guide\"\n+++\nText.\n"),
    );
    let fs = site.findings();
    assert!(
        errors(&fs).is_empty(),
        "a BOM changes nothing:\n{}",
        list(&fs)
    );
    let out = site.dir().join("out");
    let b = site.build(&out, &[]);
    assert_eq!(b.code, 0, "{}", b.log());
    let guide = std::fs::read_to_string(out.join("guides/bom/index.html")).unwrap();
    assert!(guide.contains("BOM guide") && !guide.contains('\u{FEFF}'));
    // positions after a BOM: the BOM is not a character of line 1
    site.write(
        &acc("account.toml"),
        bom(&ACCOUNT.replace("name = \"Acme Steel Co.\"", "name = 7")),
    );
    let fs = site.findings();
    assert_at(&fs, "schema.type", &acc("account.toml"), (1, 8));
    let text = ACCOUNT.replace("limit = 5000000", "limit = \"5000000\"");
    site.write(&acc("account.toml"), bom(&text));
    let fs = site.findings();
    assert_at(
        &fs,
        "schema.type",
        &acc("account.toml"),
        pos(&text, "\"5000000\""),
    );
}

#[test]
fn crlf_files_check_clean_and_findings_keep_their_line_and_column() {
    let files: Vec<(String, String)> = base_files()
        .into_iter()
        .map(|(p, t)| (p, to_crlf(&t)))
        .collect();
    let site = Site::new(&files);
    let fs = site.findings();
    assert!(
        errors(&fs).is_empty(),
        "CRLF changes nothing:\n{}",
        list(&fs)
    );

    // one finding in a TOML file, one in front matter, one in a Markdown body
    let account = to_crlf(&ACCOUNT.replace("rating = \"A\"", "rating = \"A\"\r\nlimit_x = 1"));
    let account = account.replace("limit = 5000000", "limit = \"5000000\"");
    site.write(&acc("account.toml"), &account);
    let review = to_crlf(&REVIEW.replace("health = \"amber\"", "health = \"purple\""));
    site.write(&acc("reviews/2026-09-30-q3-review.md"), &review);
    let plan = to_crlf(&format!(
        "{PLAN}\nSee the [missing note](reviews/2026-01-01-nope.md) too.\n"
    ));
    site.write(&acc("plan.md"), &plan);
    // trailing spaces and tabs after the fences
    let guide = "+++  \r\ntitle = 5\r\n+++\t\r\nBody [x](nope.md)\r\n";
    site.write("content/guides/crlf.md", guide);

    let fs = site.findings();
    assert_at(
        &fs,
        "schema.type",
        &acc("account.toml"),
        pos(&account, "\"5000000\""),
    );
    assert_at(
        &fs,
        "schema.unknown-key",
        &acc("account.toml"),
        pos(&account, "limit_x"),
    );
    assert_at(
        &fs,
        "schema.enum",
        &acc("reviews/2026-09-30-q3-review.md"),
        pos(&review, "\"purple\""),
    );
    assert_at(
        &fs,
        "link.broken",
        &acc("plan.md"),
        pos(&plan, "reviews/2026-01-01-nope.md"),
    );
    assert_at(&fs, "schema.type", "content/guides/crlf.md", (2, 9));
    assert_at(&fs, "link.broken", "content/guides/crlf.md", (4, 10));
    // the end of a span never counts the CR either
    let f = find(&fs, "schema.type", &acc("account.toml"));
    assert_eq!(
        (f.end_line, f.end_column),
        (f.line, f.column + "\"5000000\"".len())
    );
    // the JSON report (what CI consumes) has the same positions
    let r = run(&["check", "--root", s(&site.root), "--format", "json"], 600);
    r.ran();
    let json: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.log()));
    let text = json.to_string();
    let (l, c) = pos(&plan, "reviews/2026-01-01-nope.md");
    assert!(
        text.contains(&format!("\"line\":{l}")) && text.contains(&format!("\"column\":{c}")),
        "{text}"
    );
}

#[test]
fn empty_and_degenerate_files_are_findings_not_crashes() {
    let review = acc("reviews/2026-09-30-q3-review.md");
    // (file, content, expected (code, line, column) or None = no file finding for it)
    type Expect<'a> = Option<(&'a str, usize, usize)>;
    let cases: Vec<(String, &str, Expect)> = vec![
        (acc("account.toml"), "", Some(("schema.missing-key", 1, 1))),
        (
            acc("account.toml"),
            "\u{FEFF}",
            Some(("schema.missing-key", 1, 1)),
        ),
        (
            acc("account.toml"),
            "\n\n\r\n",
            Some(("schema.missing-key", 1, 1)),
        ),
        (acc("contacts.toml"), "", None),
        (acc("plan.md"), "", None),
        (
            acc("plan.md"),
            "+++",
            Some(("file.front-matter-unclosed", 1, 1)),
        ),
        (acc("plan.md"), "+++\n+++", None),
        (
            review.clone(),
            "",
            Some(("file.front-matter-missing", 1, 1)),
        ),
        (
            review.clone(),
            "+++",
            Some(("file.front-matter-unclosed", 1, 1)),
        ),
        (
            review.clone(),
            "+++\r\n",
            Some(("file.front-matter-unclosed", 1, 1)),
        ),
        (
            review.clone(),
            "+++\n+++\n",
            Some(("schema.missing-key", 2, 1)),
        ),
        ("content/_index.md".into(), "", None),
        ("content/guides/empty.md".into(), "", None),
        ("dossier.toml".into(), "", None),
    ];
    for (rel, text, want) in cases {
        let site = Site::base();
        site.write(&rel, text);
        let c = dossier::check_site(&site.root, dossier::date::Date::parse("2026-11-01"))
            .unwrap_or_else(|e| panic!("{rel} = {text:?}: {e}"));
        let fs: Vec<Placed> = c
            .diagnostics
            .iter()
            .map(|d| dossier::diag::place(d, &c.site.sources))
            .collect();
        match want {
            Some((code, line, column)) => assert_at(&fs, code, &rel, (line, column)),
            None => assert!(
                !fs.iter()
                    .any(|f| f.file == rel && f.code.starts_with("file.")),
                "{rel} = {text:?}:\n{}",
                list(&fs)
            ),
        }
        if rel.ends_with("plan.md") && want.is_none() {
            assert!(
                !fs.iter().any(|f| f.code == "tier.plan-missing"),
                "an empty plan exists"
            );
        }
    }
    // an empty plan, home page and guide build
    let site = Site::base();
    for rel in [
        acc("plan.md"),
        "content/_index.md".into(),
        "content/guides/empty.md".into(),
    ] {
        site.write(&rel, "");
    }
    let out = site.dir().join("out");
    let b = site.build(&out, &["--today", "2026-11-01"]);
    assert_eq!(b.code, 0, "{}", b.log());
    assert!(out.join("guides/empty/index.html").is_file());
}

// ───────────────────────────── size ─────────────────────────────

/// A sparse file of `len` bytes starting with `head` (cheap to make, huge to read).
fn sparse(path: &Path, head: &str, len: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = std::fs::File::create(path).unwrap();
    use std::io::Write;
    (&f).write_all(head.as_bytes()).unwrap();
    f.set_len(len).unwrap();
}

#[test]
fn a_50_mb_markdown_file_is_a_too_large_finding() {
    let site = Site::base();
    sparse(&site.path(&acc("plan.md")), PLAN, 50 << 20);
    sparse(&site.path("content/guides/huge.md"), "# Huge\n", 50 << 20);
    sparse(
        &site.path(&acc("reviews/2026-10-01-huge.md")),
        REVIEW,
        (8 << 20) + 1,
    );
    let fs = site.findings();
    for rel in [
        acc("plan.md"),
        "content/guides/huge.md".into(),
        acc("reviews/2026-10-01-huge.md"),
    ] {
        let f = find(&fs, "file.too-large", &rel);
        assert_eq!((f.line, f.column), (1, 1));
        assert!(f.message.contains("8388608"), "{}", f.message);
    }
    // the oversized plan still exists: no "plan missing" on top
    assert!(
        !fs.iter().any(|f| f.code == "tier.plan-missing"),
        "{}",
        list(&fs)
    );
    let r = site.check();
    r.ran();
    assert_eq!(r.code, 1);
    let out = site.dir().join("out");
    assert_eq!(site.build(&out, &[]).code, 1);
    assert!(!out.exists());
}

#[test]
fn oversized_toml_and_config_files_are_too_large_findings() {
    let site = Site::base();
    sparse(&site.path(&acc("account.toml")), ACCOUNT, 9 << 20);
    sparse(&site.path(&acc("contacts.toml")), CONTACTS, 9 << 20);
    let fs = site.findings();
    find(&fs, "file.too-large", &acc("account.toml"));
    find(&fs, "file.too-large", &acc("contacts.toml"));
    assert!(
        !fs.iter().any(|f| f.code == "file.missing-account"),
        "{}",
        list(&fs)
    );
    // dossier.toml is held to the default limit (it sets the limit itself)
    let site = Site::base();
    sparse(&site.path("dossier.toml"), DOSSIER_TOML, 9 << 20);
    find(&site.findings(), "file.too-large", "dossier.toml");
    // the limit is configurable both ways
    let site = Site::base();
    site.append("dossier.toml", "[limits]\nmax_file_bytes = 1024\n");
    let fs = site.findings();
    let f = find(&fs, "file.too-large", &acc("account.toml"));
    assert!(f.message.contains("1024 bytes"), "{}", f.message);
}

fn big_plan(bytes: usize) -> String {
    let mut s = String::from(PLAN);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "## Section {i}\n\nParagraph with *emphasis*, **strong**, `code` and a [link](https://example.com/{i}) about strategy {i}. 华东精密 {i}.\n\n- item one {i}\n- item two\n  1. nested {i}\n\n> quote {i}\n\n| a | b |\n|---|---|\n| {i} | x |\n\n```toml\nkey = {i}\n```\n\n"
        ));
        i += 1;
    }
    s
}

#[test]
fn raising_the_limit_lets_a_20_mb_plan_build_in_linear_time() {
    let mut times = Vec::new();
    for mb in [2usize, 20] {
        let site = Site::base();
        site.append("dossier.toml", "[limits]\nmax_file_bytes = 33554432\n");
        let plan = big_plan(mb << 20);
        let last = plan
            .rsplit("## Section ")
            .next()
            .unwrap()
            .split('\n')
            .next()
            .unwrap()
            .to_string();
        site.write(&acc("plan.md"), &plan);
        let out = site.dir().join("out");
        let t = Instant::now();
        let r = site.build(&out, &[]);
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(r.code, 0, "{mb} MB plan: {}", r.log());
        let page = std::fs::read_to_string(out.join("accounts/acme-steel/index.html")).unwrap();
        assert!(
            page.contains(&format!("Section {last}")),
            "the whole plan is rendered"
        );
        eprintln!("{mb} MB plan: build {secs:.1} s");
        times.push(secs);
    }
    assert!(
        times[1] / times[0] < 15.0,
        "10× the plan took {:.1}× the time ({:.1} s vs {:.1} s): not linear",
        times[1] / times[0],
        times[1],
        times[0]
    );
}

// ───────────────────────── pathological Markdown ─────────────────────────

fn pathological_markdown() -> String {
    let mut s = String::from("## Hostile\n\n");
    s += &"[".repeat(100_000);
    s += "\n\n";
    s += &"*a".repeat(50_000);
    s += "\n\n";
    s += &"<a ".repeat(30_000);
    s += "\n\n";
    s += &"![".repeat(30_000);
    s += "\n\n";
    s += &"_a".repeat(30_000);
    s += "\n\n";
    s += &"`".repeat(20_000);
    s += "\n\n";
    for i in 0..5_000 {
        s += &format!("[^u{i}] ");
    }
    s += "\n\n[^open\n\n";
    for i in 0..2_000 {
        s += &format!("[^d{i}]: [^d{}]\n", i + 1);
    }
    s += "\n";
    s += &"<!--".repeat(2_000);
    s += "\n\n";
    s += &"|".repeat(20_000);
    s += "\n|";
    s += &"-|".repeat(5_000);
    s += "\n\n";
    s += &"&#".repeat(20_000);
    s += "\n\n";
    s
}

#[test]
fn pathological_markdown_builds_and_stays_inert() {
    let site = Site::base();
    site.append(&acc("plan.md"), &pathological_markdown());
    site.write("content/guides/hostile.md", pathological_markdown());
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    for page in [
        "accounts/acme-steel/index.html",
        "guides/hostile/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(html.contains("</html>"), "{page} is complete");
        assert_inert_html(page, &html);
    }
}

#[test]
fn ten_thousand_nested_list_items_build() {
    let site = Site::base();
    let mut md = String::from("\n## Deep\n\n");
    md += &"- ".repeat(10_000);
    md += "deepest\n\n";
    // a staircase: 10 000 items, each one level deeper (indent resets every 100 levels)
    for i in 0..10_000 {
        md += &" ".repeat(2 * (i % 100));
        md += &format!("- item {i}\n");
    }
    md += "\n";
    md += &"> ".repeat(5_000);
    md += "quoted\n";
    site.append(&acc("plan.md"), &md);
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    let html = std::fs::read_to_string(out.join("accounts/acme-steel/index.html")).unwrap();
    assert!(html.contains("deepest") && html.contains("item 9999") && html.contains("quoted"));
}

/// Pathological input families for the Markdown stage, by size parameter n.
/// A named family of pathological Markdown inputs of size n.
type Family = (&'static str, fn(usize) -> String);

fn md_families() -> Vec<Family> {
    vec![
        ("run of [", |n| "[".repeat(n)),
        ("run of *a", |n| "*a".repeat(n)),
        ("run of <a ", |n| "<a ".repeat(n)),
        ("run of ![", |n| "![".repeat(n)),
        ("run of [^x", |n| "[^x".repeat(n)),
        ("run of `", |n| "a`".repeat(n) + &"`".repeat(n)),
        ("nested list - - -", |n| "- ".repeat(n) + "x"),
        ("nested ordered lists", |n| "1. ".repeat(n) + "x"),
        ("nested quotes", |n| "> ".repeat(n) + "x"),
        ("unclosed footnote refs", |n| {
            (0..n).map(|i| format!("[^{i} ")).collect()
        }),
        ("footnote definitions", |n| {
            (0..n)
                .map(|i| format!("[^{i}]: see [^{}]\n", i + 1))
                .collect()
        }),
        ("footnotes and refs", |n| {
            "[^a] [^b]\n\n[^a]: x\n\n".repeat(n)
        }),
        ("unclosed inline links", |n| "[a](".repeat(n)),
        ("relative links", |n| "[a](reviews/x.md) ".repeat(n)),
        ("unclosed html comments", |n| "<!--".repeat(n)),
        ("nested raw <div>", |n| "<div>".repeat(n)),
        ("raw html blocks", |n| "<div>\n\n".repeat(n)),
        ("raw html with attributes", |n| {
            "<p><b title=x>a</p>\n\n".repeat(n)
        }),
        ("unclosed raw <b><i>", |n| "<b><i>".repeat(n) + "x"),
        ("nested raw <table>", |n| "<table><tr><td>".repeat(n) + "x"),
        ("entities in text", |n| "a & b ° ".repeat(n)),
        ("entities in code", |n| {
            format!("```\n{}\n```\n", "a && b °".repeat(n))
        }),
        ("highlighted code blocks", |n| {
            "```rust\nfn x() {}\n```\n".repeat(n)
        }),
        ("table rows", |n| {
            "| a | b |\n|---|---|\n".to_string() + &"| 1 | *2* |\n".repeat(n)
        }),
        ("same heading", |n| "## Risks\n".repeat(n)),
    ]
}

fn render_md(md: &dossier::render::markdown::Markdown, src: &str) -> String {
    let resolve = |_: &str| -> Option<String> { None };
    md.render(
        src,
        &dossier::render::markdown::RenderOptions {
            base_offset: 0,
            resolve: &resolve,
            toc_min_headings: 4,
        },
    )
    .html
}

/// Largest size tried: 8n stays at or under this many units.
const MAX_UNITS: usize = 1 << 22;

/// The smallest n (doubling from 256) at which rendering takes 10 ms, or None where even
/// MAX_UNITS / 8 units render faster: nothing superlinear is that fast (a quadratic
/// step at half a million units takes minutes), and larger inputs would measure the
/// cache sizes, not the algorithm.
fn size_for_10ms(
    md: &dossier::render::markdown::Markdown,
    gen: fn(usize) -> String,
) -> Option<usize> {
    let mut n = 256;
    while 8 * n <= MAX_UNITS {
        let src = gen(n);
        if time_of(|| render_md(md, &src)) >= 0.01 {
            return Some(n);
        }
        n *= 2;
    }
    None
}

/// Each family timed at n, 2n, 4n and 8n; a family whose middle doubling ratio is 3 or
/// more is superlinear. The median of three doublings, not one ratio: where an input
/// outgrows a cache (or another process takes the cache) one doubling costs 4x while
/// the algorithm is linear, but a quadratic step costs 4x at every doubling.
fn scaling(families: &[Family]) -> Vec<String> {
    let md = dossier::render::markdown::Markdown::new();
    let mut bad = Vec::new();
    for (name, gen) in families {
        let Some(n) = size_for_10ms(&md, *gen) else {
            eprintln!("{name:<26} under 10 ms at {} units: skipped", MAX_UNITS / 8);
            continue;
        };
        let inputs: Vec<String> = [1, 2, 4, 8].iter().map(|k| gen(k * n)).collect();
        let (ratio, times) = doubling_ratio(|i| render_md(&md, &inputs[i]));
        let ms: Vec<String> = times.iter().map(|t| format!("{:.1}", t * 1e3)).collect();
        eprintln!("{name:<26} n={n:<8} ms at n..8n = {ms:?}  median ratio {ratio:.2}");
        if ratio >= 3.0 {
            bad.push(format!(
                "{name}: t(2n)/t(n) = {ratio:.2} (median of 3 doublings) at n = {n}, ms = {ms:?}"
            ));
        }
    }
    bad
}

/// The median of t(2n)/t(n), t(4n)/t(2n), t(8n)/t(4n) on a shared machine: the four
/// sizes measured interleaved, best of 3 each, with up to two more rounds while the
/// median is 3 or more (a superlinear step fails every round). Returns (median ratio,
/// best times).
fn doubling_ratio<T>(mut run: impl FnMut(usize) -> T) -> (f64, [f64; 4]) {
    let mut best = [f64::MAX; 4];
    let mut median = f64::MAX;
    for _round in 0..3 {
        for _ in 0..3 {
            for (i, b) in best.iter_mut().enumerate() {
                *b = b.min(time_of(|| run(i)));
            }
        }
        let mut ratios = [best[1] / best[0], best[2] / best[1], best[3] / best[2]];
        ratios.sort_by(f64::total_cmp);
        median = ratios[1];
        if median < 3.0 {
            break;
        }
    }
    (median, best)
}

fn time_of<T>(f: impl FnOnce() -> T) -> f64 {
    let t = Instant::now();
    std::hint::black_box(f());
    t.elapsed().as_secs_f64()
}

/// The probe itself: it tells a quadratic loop from a linear one of the same sizes.
#[test]
fn the_scaling_probe_tells_quadratic_from_linear() {
    let sizes = [1usize, 2, 4, 8].map(|k| k * 600);
    let quadratic = |i: usize| {
        let v: Vec<u64> = (0..sizes[i] as u64).collect();
        v.iter()
            .map(|a| v.iter().map(|b| a ^ b).sum::<u64>())
            .sum::<u64>()
    };
    let linear = |i: usize| {
        (0..sizes[i] as u64 * 3000)
            .map(|a| a ^ (a >> 3))
            .sum::<u64>()
    };
    let (q, qt) = doubling_ratio(quadratic);
    let (l, lt) = doubling_ratio(linear);
    assert!(q >= 3.0, "quadratic: median ratio {q:.2}, s = {qt:.4?}");
    assert!(l < 3.0, "linear: median ratio {l:.2}, s = {lt:.4?}");
}

#[test]
fn markdown_rendering_scales_linearly_on_pathological_input() {
    let bad = scaling(&md_families());
    assert!(
        bad.is_empty(),
        "superlinear Markdown rendering:\n{}",
        bad.join("\n")
    );
}

// ───────────────────────────── TOML ─────────────────────────────

#[test]
fn deep_toml_nesting_is_a_too_deep_finding_at_the_first_bracket_beyond_the_limit() {
    let site = Site::base();
    let account = format!(
        "{ACCOUNT}x = {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    site.write(&acc("account.toml"), &account);
    let contacts = format!(
        "{CONTACTS}\n[[contact]]\nid = \"deep\"\nname = \"Deep\"\nnotes = {}1{}\n",
        "{ a = ".repeat(40),
        " }".repeat(40)
    );
    site.write(&acc("contacts.toml"), &contacts);
    let review = REVIEW.replace(
        "summary = \"Volume up 12%.\"",
        &format!(
            "summary = \"Volume up 12%.\"\nmeta = {}{}",
            "[".repeat(20),
            "]".repeat(20)
        ),
    );
    site.write(&acc("reviews/2026-09-30-q3-review.md"), &review);
    let fs = site.findings();
    // the 17th bracket (default max_nesting = 16)
    let (l, c) = pos(&account, "x = [");
    assert_at(&fs, "file.too-deep", &acc("account.toml"), (l, c + 4 + 16));
    let (l, c) = pos(&contacts, "notes = {");
    assert_at(
        &fs,
        "file.too-deep",
        &acc("contacts.toml"),
        (l, c + 8 + 16 * 6),
    );
    let (l, c) = pos(&review, "meta = [");
    assert_at(
        &fs,
        "file.too-deep",
        &acc("reviews/2026-09-30-q3-review.md"),
        (l, c + 7 + 16),
    );
    // a file too deep to read is not also "missing"
    assert!(
        !fs.iter().any(|f| f.code == "file.missing-account"),
        "{}",
        list(&fs)
    );
    site.check().ran();
    // configurable
    let site = Site::base();
    site.append("dossier.toml", "[limits]\nmax_nesting = 2\n");
    site.edit(
        &acc("account.toml"),
        "tags = [\"automotive\"]",
        "tags = [[[\"automotive\"]]]",
    );
    let fs = site.findings();
    find(&fs, "file.too-deep", &acc("account.toml"));
}

#[test]
fn deep_nesting_in_dossier_toml_is_a_finding_not_a_crash() {
    let site = Site::base();
    site.append(
        "dossier.toml",
        &format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let fs = site.findings();
    assert!(
        fs.iter()
            .any(|f| f.file == "dossier.toml" && f.code.starts_with("file.")),
        "{}",
        list(&fs)
    );
    site.check().ran();
}

#[test]
fn deep_dotted_keys_are_a_too_deep_finding_at_the_key() {
    let site = Site::base();
    let account = format!("{ACCOUNT}\n[zz]\n{} = 1\n", vec!["a"; 1000].join("."));
    site.write(&acc("account.toml"), &account);
    let fs = site.findings();
    let (l, _) = pos(&account, "a.a.a");
    let f = find(&fs, "file.too-deep", &acc("account.toml"));
    assert_eq!(f.line, l, "{}", list(&fs));
}

#[test]
fn huge_toml_arrays_are_checked_without_blowing_up() {
    let site = Site::base();
    let tags = vec!["\"t\""; 1_000_000].join(",");
    site.edit(
        &acc("account.toml"),
        "tags = [\"automotive\"]",
        &format!("tags = [{tags}]"),
    );
    let attendees = vec!["\"zhang-ming\""; 300_000].join(",");
    site.edit(
        &acc("reviews/2026-09-30-q3-review.md"),
        "attendees = [\"zhang-ming\"]",
        &format!("attendees = [{attendees}]"),
    );
    site.check().ran();
    let c = dossier::check_site(&site.root, None).unwrap();
    assert_eq!(c.site.accounts.len(), 1);
}

#[test]
fn arrays_longer_than_max_array_len_are_too_deep_findings() {
    let site = Site::base();
    let tags = vec!["\"t\""; 20_000].join(",");
    let account = ACCOUNT.replace("tags = [\"automotive\"]", &format!("tags = [{tags}]"));
    site.write(&acc("account.toml"), &account);
    let fs = site.findings();
    let f = find(&fs, "file.too-deep", &acc("account.toml"));
    assert_eq!(f.line, pos(&account, "tags = [").0);
    // and configurable
    let site = Site::base();
    site.append("dossier.toml", "[limits]\nmax_array_len = 1\n");
    find(&site.findings(), "file.too-deep", &acc("account.toml"));
}

/// contacts.toml with `n` contacts, each reporting to the previous one (one long chain).
fn contact_chain(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s += &format!(
            "[[contact]]\nid = \"c{i}\"\nname = \"C {i}\"\ndepartment = \"D{}\"\nroles = [\"decision_maker\"]\n",
            i % 7
        );
        if i > 0 {
            s += &format!("reports_to = \"c{}\"\n", i - 1);
        }
    }
    s
}

#[test]
fn many_contacts_and_links_check_and_build() {
    let site = Site::base();
    let mut contacts = String::from(CONTACTS);
    for i in 0..5_000 {
        contacts += &format!(
            "[[contact]]\nid = \"p{i}\"\nname = \"P {i}\"\ndepartment = \"Dept {}\"\nreports_to = \"wang-gang\"\n[[link]]\nfrom = \"p{i}\"\nto = \"li-na\"\nkind = \"influence\"\n",
            i % 50
        );
    }
    site.write(&acc("contacts.toml"), contacts);
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    assert!(out.join("accounts/acme-steel/index.html").is_file());
}

#[test]
fn a_long_reporting_chain_checks_in_linear_time() {
    let sites: Vec<Site> = [400, 800, 1600, 3200]
        .into_iter()
        .map(|n| {
            let site = Site::base();
            site.write(&acc("contacts.toml"), contact_chain(n));
            site
        })
        .collect();
    let check = |site: &Site| dossier::check_site(&site.root, None).unwrap();
    let (ratio, times) = doubling_ratio(|i| check(&sites[i]));
    assert!(
        ratio < 3.0,
        "t(2n)/t(n) = {ratio:.2} (median of 3 doublings), s at n..8n = {times:.3?}"
    );
}

// ───────────────────── files, folders, permissions, names ─────────────────────

#[test]
fn folders_where_files_are_expected_and_files_where_folders_are_expected() {
    let site = Site::base();
    for rel in ["account.toml", "contacts.toml", "plan.md"] {
        site.remove(&acc(rel));
        std::fs::create_dir_all(site.path(&acc(rel)).join("inner")).unwrap();
    }
    // a review note that is a folder, and a second account whose reviews/ is a file
    std::fs::create_dir_all(site.path(&acc("reviews/2026-10-01-folder.md"))).unwrap();
    site.write(
        "content/accounts/other/account.toml",
        ACCOUNT
            .replace("91310000MA1FL0XX0X", "X2")
            .replace("Acme Steel Co., Ltd.", "Other Ltd."),
    );
    site.write("content/accounts/other/reviews", "not a folder");
    site.write("content/accounts/other/assets", "not a folder");
    // content-level: guides as a file, _index.md as a folder, accounts/<file>
    site.write("content/guides", "not a folder");
    std::fs::create_dir_all(site.path("content/_index.md")).unwrap();
    site.write("content/accounts/stray.toml", "x = 1");
    let fs = site.findings();
    for rel in ["account.toml", "contacts.toml", "plan.md"] {
        let f = find(&fs, "file.unreadable", &acc(rel));
        assert_eq!((f.line, f.column), (1, 1));
    }
    assert!(
        !fs.iter()
            .any(|f| f.code == "file.missing-account" && f.file == acc("account.toml")),
        "{}",
        list(&fs)
    );
    assert!(
        !fs.iter()
            .any(|f| f.code == "tier.plan-missing" && f.file == acc("plan.md")),
        "{}",
        list(&fs)
    );
    find(&fs, "file.stray", &acc("reviews/2026-10-01-folder.md"));
    find(&fs, "file.unreadable", "content/accounts/other/reviews");
    find(&fs, "file.stray", "content/accounts/other/assets");
    find(&fs, "file.stray", "content/guides");
    find(&fs, "file.stray", "content/_index.md");
    find(&fs, "file.stray", "content/accounts/stray.toml");
    site.check().ran();
    // dossier.toml as a folder
    let site = Site::base();
    site.remove("dossier.toml");
    std::fs::create_dir_all(site.path("dossier.toml")).unwrap();
    find(&site.findings(), "file.unreadable", "dossier.toml");
    // content/ as a file: the site cannot be checked at all (exit 2), no panic
    let site = Site::base();
    site.remove("content");
    site.write("content", "not a folder");
    let r = site.check();
    assert_eq!(r.code, 2, "{}", r.log());
    assert!(!r.stderr.contains("panicked"));
    // the root itself is a file
    let r = run(&["check", "--root", s(&site.path("dossier.toml"))], 60);
    assert_eq!(r.code, 2, "{}", r.log());
}

#[test]
fn unreadable_files_and_folders_are_findings() {
    if is_root() {
        eprintln!("note: running as root, where chmod 000 does not stop reads: unreadable-file test skipped");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let site = Site::base();
    site.write(
        &acc("reviews/2026-10-01-locked.md"),
        REVIEW.replace("2026-09-30", "2026-10-01"),
    );
    let mode = |rel: &str, m: u32| {
        std::fs::set_permissions(site.path(rel), std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode(&acc("plan.md"), 0o000);
    mode(&acc("contacts.toml"), 0o000);
    mode(&acc("reviews/2026-10-01-locked.md"), 0o000);
    site.write("content/guides/g.md", "# G\n");
    mode("content/guides", 0o000);
    let fs = site.findings();
    for rel in [
        acc("plan.md"),
        acc("contacts.toml"),
        acc("reviews/2026-10-01-locked.md"),
        "content/guides".into(),
    ] {
        let f = find(&fs, "file.unreadable", &rel);
        assert_eq!((f.line, f.column), (1, 1));
    }
    assert!(
        !fs.iter().any(|f| f.code == "tier.plan-missing"),
        "{}",
        list(&fs)
    );
    let r = site.check();
    r.ran();
    assert_eq!(r.code, 1);
    mode("content/guides", 0o755);
}

#[test]
fn a_named_pipe_where_a_file_is_expected_does_not_hang() {
    let site = Site::base();
    for rel in [acc("plan.md"), acc("reviews/2026-09-30-q3-review.md")] {
        site.remove(&rel);
        let st = Command::new("mkfifo")
            .arg(site.path(&rel))
            .status()
            .unwrap();
        assert!(st.success(), "mkfifo {rel}");
    }
    let r = run_os(
        &[
            OsStr::new("check"),
            OsStr::new("--root"),
            site.root.as_os_str(),
        ],
        30,
    )
    .expect("dossier check hangs on a named pipe");
    r.ran();
    assert!(r.stdout.contains("file.unreadable"), "{}", r.log());
}

#[test]
fn odd_file_names_are_findings_and_assets_keep_their_names() {
    let site = Site::base();
    let other = |slug: &str, n: usize| {
        site.write(
            &format!("content/accounts/{slug}/account.toml"),
            ACCOUNT
                .replace("91310000MA1FL0XX0X", &format!("X{n}"))
                .replace("Acme Steel Co., Ltd.", &format!("Other {n} Ltd.")),
        );
    };
    other("acme steel", 1);
    other("华东精密", 2);
    other("bad\u{7}name", 3);
    other("Acme_Steel", 4);
    site.write(&acc("reviews/2026-09-30-q3 review.md"), REVIEW);
    site.write(&acc("reviews/2026-09-30-复盘.md"), REVIEW);
    site.write(&acc("reviews/2026-09-30-tab\there.md"), REVIEW);
    site.write("content/guides/Crédit policy.md", "# Credit\n");
    let fs = site.findings();
    for slug in ["acme steel", "华东精密", "bad\u{7}name", "Acme_Steel"] {
        find(
            &fs,
            "file.slug",
            &format!("content/accounts/{slug}/account.toml"),
        );
    }
    for r in [
        "2026-09-30-q3 review.md",
        "2026-09-30-复盘.md",
        "2026-09-30-tab\there.md",
    ] {
        find(&fs, "file.review-name", &acc(&format!("reviews/{r}")));
    }
    find(&fs, "file.guide-name", "content/guides/Crédit policy.md");
    site.check().ran();

    // assets with spaces and Unicode are published under their names; names with
    // control characters cannot be a URL segment: a finding, and not published
    let site = Site::base();
    let names = ["org chart.png", "组织图.png", "#hash?q.txt", "%41.txt"];
    let unpublishable = ["tab\tname.txt", "new\nline.txt"];
    for n in names.iter().chain(&unpublishable) {
        site.write(&acc(&format!("assets/{n}")), n);
    }
    let fs = site.findings();
    for n in unpublishable {
        find(&fs, "file.stray", &acc(&format!("assets/{n}")));
    }
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    for n in names {
        assert_eq!(
            std::fs::read_to_string(out.join("accounts/acme-steel/assets").join(n)).unwrap(),
            n
        );
    }
    for n in unpublishable {
        assert!(!out.join("accounts/acme-steel/assets").join(n).exists());
    }
}

#[test]
fn an_asset_with_a_backslash_in_its_name_is_a_finding_or_builds() {
    let site = Site::base();
    site.write(&acc("assets/a\\b.png"), "png");
    let fs = site.findings();
    let reported = fs.iter().any(|f| f.file.contains("a\\b.png"));
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert!(
        reported || r.code == 0,
        "check passes, build fails: {}",
        r.log()
    );
}

#[test]
fn control_characters_in_file_names_do_not_reach_the_terminal() {
    let site = Site::base();
    site.write(
        &acc("reviews/2026-09-30-x\u{1b}]0;PWNED\u{7}\u{1b}[2J.md"),
        REVIEW,
    );
    let r = site.check();
    r.ran();
    assert!(r.stdout.contains("file.review-name"), "{}", r.log());
    assert!(
        !r.stdout.contains(['\u{1b}', '\u{7}']),
        "raw control characters in the report: {:?}",
        r.stdout
    );
}

// ───────────────────────────── symlinks ─────────────────────────────

const SECRET: &str = "zqxjsecret";

/// Folders outside the site root with secret files, beside the site.
fn outside(site: &Site) -> PathBuf {
    let o = site.dir().join("outside");
    std::fs::create_dir_all(o.join("acct")).unwrap();
    std::fs::write(
        o.join("secret.md"),
        format!("+++\ndate = 2026-10-01\n+++\n{SECRET} plan\n"),
    )
    .unwrap();
    std::fs::write(o.join("secret.toml"), format!("name = \"{SECRET}\"\n")).unwrap();
    std::fs::write(
        o.join("acct/account.toml"),
        ACCOUNT
            .replace("Acme Steel Co.\"", &format!("{SECRET}\""))
            .replace("91310000MA1FL0XX0X", "X9")
            .replace("Acme Steel Co., Ltd.", "Outside Ltd."),
    )
    .unwrap();
    std::fs::write(o.join("acct/secret.png"), SECRET).unwrap();
    o
}

fn link(target: &Path, at: &Path) {
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, at).unwrap();
}

fn no_secret_in(dir: &Path) {
    for (p, bytes) in files_of(dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "content from outside the root in {}",
            p.display()
        );
    }
}

#[test]
fn symlinks_are_reported_and_never_followed() {
    let site = Site::base();
    let o = outside(&site);
    // links to files and folders outside, relative and absolute, loops and dangling links
    let links: Vec<(PathBuf, String)> = vec![
        (o.join("secret.md"), acc("reviews/2026-10-01-linked.md")),
        (o.join("secret.toml"), "content/guides/linked.md".into()),
        (o.join("acct"), "content/accounts/linked".into()),
        (o.join("acct/secret.png"), acc("assets/leak.png")),
        (o.join("acct"), acc("assets/dir")),
        (
            PathBuf::from("../../../../../outside/secret.md"),
            acc("assets/rel.md"),
        ),
        (PathBuf::from("."), acc("assets/self")),
        (PathBuf::from("loop-b"), acc("assets/loop-a")),
        (PathBuf::from("loop-a"), acc("assets/loop-b")),
        (
            PathBuf::from("/nonexistent/dangling"),
            acc("assets/dangling"),
        ),
        (PathBuf::from("/"), acc("assets/root")),
        (o.join("secret.md"), "content/_index.md".into()),
    ];
    for (target, at) in &links {
        link(target, &site.path(at));
    }
    let fs = site.findings();
    for (_, at) in &links {
        let f = find(&fs, "file.symlink", at);
        assert_eq!((f.line, f.column), (1, 1));
        assert_eq!(f.severity, dossier::rules::Severity::Warning);
    }
    for f in &fs {
        assert!(!f.message.contains(SECRET), "{}", list(&fs));
    }
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "symlinks are warnings: {}", r.log());
    no_secret_in(&out);
    assert!(!out.join("accounts/linked").exists());
    assert!(!out.join("accounts/acme-steel/assets/leak.png").exists());
    // a symlinked account.toml, plan and dossier.toml are skipped, not read
    let site = Site::base();
    let o = outside(&site);
    for (target, at) in [
        (o.join("secret.toml"), acc("account.toml")),
        (o.join("secret.md"), acc("plan.md")),
        (o.join("secret.toml"), acc("contacts.toml")),
        (o.join("secret.toml"), "dossier.toml".into()),
    ] {
        site.remove(&at);
        link(&target, &site.path(&at));
    }
    let fs = site.findings();
    for at in [
        acc("account.toml"),
        acc("plan.md"),
        acc("contacts.toml"),
        "dossier.toml".into(),
    ] {
        find(&fs, "file.symlink", &at);
    }
    assert!(
        !fs.iter().any(|f| f.message.contains(SECRET)),
        "{}",
        list(&fs)
    );
    site.check().ran();
}

#[test]
fn a_symlinked_content_folder_is_not_followed() {
    let site = Site::base();
    let real = site.dir().join("real-content");
    std::fs::rename(site.path("content"), &real).unwrap();
    std::fs::write(real.join("_index.md"), format!("# {SECRET}\n")).unwrap();
    link(&real, &site.path("content"));
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert!(
        r.code == 2 || r.stdout.contains("file.symlink") || r.stderr.contains("file.symlink"),
        "a symlinked content/ is reported: {}",
        r.log()
    );
    if out.exists() {
        no_secret_in(&out);
    }
}

#[test]
fn theme_symlinks_are_not_followed() {
    for linked in ["themes/mine", "themes/mine/static"] {
        let site = Site::base();
        let o = outside(&site);
        std::fs::create_dir_all(o.join("theme/static")).unwrap();
        std::fs::write(o.join("theme/static/id_rsa"), SECRET).unwrap();
        site.edit("dossier.toml", "title = ", "theme = \"mine\"\ntitle = ");
        let target = if linked.ends_with("static") {
            o.join("theme/static")
        } else {
            o.join("theme")
        };
        std::fs::create_dir_all(site.path("themes")).unwrap();
        if linked.ends_with("static") {
            std::fs::create_dir_all(site.path("themes/mine")).unwrap();
        }
        link(&target, &site.path(linked));
        let out = site.dir().join("out");
        let r = site.build(&out, &[]);
        assert!(r.code <= 2 && !r.stderr.contains("panicked"), "{}", r.log());
        if out.exists() {
            no_secret_in(&out);
        }
    }
}

// ───────────────────────────── links ─────────────────────────────

#[test]
fn links_leaving_the_site_are_outside_root_findings_and_never_rendered_as_such() {
    let site = Site::base();
    let body = "\n## Links\n\n\
        [up](../../../../etc/passwd) and ![img](../../../../../secret.png)\n\n\
        [abs](/etc/passwd) and ![abs img](/etc/hostname)\n\n\
        [unc](\\\\server\\share) and [enc](..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd)\n\n\
        [deep](assets/../../../../../../x.md) and [ok](reviews/../plan.md)\n";
    site.append(&acc("plan.md"), body);
    site.write(
        "content/guides/g.md",
        "# G\n\n[cfg](../../dossier.toml) [plan](../accounts/acme-steel/plan.md)\n",
    );
    let plan = site.read(&acc("plan.md"));
    let fs = site.findings();
    for prefix in [
        "[up](",
        "![img](",
        "[abs](",
        "![abs img](",
        "[unc](",
        "[enc](",
        "[deep](",
    ] {
        assert_at(
            &fs,
            "link.outside-root",
            &acc("plan.md"),
            pos_after(&plan, prefix),
        );
    }
    let guide = site.read("content/guides/g.md");
    assert_at(
        &fs,
        "link.outside-root",
        "content/guides/g.md",
        pos_after(&guide, "[cfg]("),
    );
    for (file, text, prefix) in [
        (acc("plan.md"), &plan, "[ok]("),
        ("content/guides/g.md".to_string(), &guide, "[plan]("),
    ] {
        assert!(
            !fs.iter().any(|f| f.code.starts_with("link.")
                && f.file == file
                && (f.line, f.column) == pos_after(text, prefix)),
            "a `..` that stays inside is fine:\n{}",
            list(&fs)
        );
    }
    // the build refuses; demoted to a warning it builds, and no href/src leaves the output
    let out = site.dir().join("out");
    assert_eq!(site.build(&out, &[]).code, 1);
    site.append(
        "dossier.toml",
        "[rules]\n\"link.outside-root\" = \"warning\"\n",
    );
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    let escaping = escaping_urls(&out);
    assert!(escaping.is_empty(), "URLs leaving the site: {escaping:#?}");
}

/// Every href/src in HTML pages that is an absolute path or climbs above the output root.
fn escaping_urls(out: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    for (rel, bytes) in files_of(out) {
        // 404.html links to `/` on purpose: it is served for any missing path
        if rel.extension().is_none_or(|e| e != "html") || rel == Path::new("404.html") {
            continue;
        }
        let html = String::from_utf8_lossy(&bytes);
        let depth = rel.components().count() - 1;
        for t in scan_tags(&html) {
            for (k, v) in &t.attrs {
                if k != "href" && k != "src" {
                    continue;
                }
                let v = decode_entities(v);
                if v.starts_with('#') || dossier::links::scheme(&v).is_some() {
                    continue;
                }
                if v.starts_with('/') || v.starts_with('\\') {
                    bad.push(format!("{}: {k}={v}", rel.display()));
                    continue;
                }
                let mut level = depth as i64;
                for seg in v.split(['#', '?']).next().unwrap().split('/') {
                    match seg {
                        ".." => level -= 1,
                        "" | "." => {}
                        _ => level += 1,
                    }
                    if level < 0 {
                        bad.push(format!("{}: {k}={v}", rel.display()));
                        break;
                    }
                }
            }
        }
    }
    bad
}

#[test]
fn every_link_form_leaving_the_site_is_a_finding() {
    let site = Site::base();
    site.append(
        &acc("plan.md"),
        "\nSee [ref][r1] and ![img][r2].\n\n[r1]: ../../../../../etc/passwd\n[r2]: /etc/hostname\n\n\
         <a href=\"../../../../../../etc/passwd\">raw</a> <img src=\"/etc/hostname\">\n",
    );
    let plan = site.read(&acc("plan.md"));
    let fs = site.findings();
    for prefix in ["[r1]: ", "[r2]: ", "<a href=\"", "<img src=\""] {
        assert_at(
            &fs,
            "link.outside-root",
            &acc("plan.md"),
            pos_after(&plan, prefix),
        );
    }
    site.append(
        "dossier.toml",
        "[rules]\n\"link.outside-root\" = \"warning\"\n",
    );
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    let escaping = escaping_urls(&out);
    assert!(escaping.is_empty(), "URLs leaving the site: {escaping:#?}");
}

#[test]
fn an_angle_bracket_link_target_is_reported_at_its_first_character() {
    let site = Site::base();
    site.append(&acc("plan.md"), "\n[x](<nope.md>)\n");
    let plan = site.read(&acc("plan.md"));
    let f = site.findings();
    assert_at(&f, "link.broken", &acc("plan.md"), pos(&plan, "nope.md>"));
}

#[test]
fn a_percent_sign_before_a_multibyte_character_does_not_panic() {
    let site = Site::base();
    site.append(&acc("plan.md"), "\n[x](%aé.md) [y](%é) [z](a%€b.md)\n");
    let r = site.check();
    r.ran();
    assert!(r.stdout.contains("link.broken"), "{}", r.log());
}

// ───────────────────────────── the output ─────────────────────────────

#[test]
fn a_build_writes_nothing_outside_its_output() {
    let site = Site::base();
    std::fs::write(site.dir().join("neighbour.txt"), "keep").unwrap();
    std::fs::create_dir_all(site.dir().join(".other.dossier-tmp-1")).unwrap();
    let out = site.dir().join("out");
    let before_root = tree(&site.root);
    let snapshot = |d: &Path| -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        tree(d)
            .into_iter()
            .filter(|(p, _)| !p.starts_with("out"))
            .collect()
    };
    let before = snapshot(site.dir());
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    assert_eq!(
        snapshot(site.dir()),
        before,
        "files beside the output changed"
    );
    assert_eq!(tree(&site.root), before_root, "the site root changed");
    assert!(out.join(".dossier-output").is_file());
    // rebuilding over it changes nothing either
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    assert_eq!(snapshot(site.dir()), before);
}

#[test]
fn unsafe_outputs_are_refused_and_left_alone() {
    let site = Site::base();
    let victim = site.dir().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep.txt"), "mine").unwrap();
    std::fs::write(victim.join(".dossier-output"), "fake marker").unwrap();
    // the output is a symlink to a folder (even one with a marker)
    let out = site.dir().join("out-link");
    link(&victim, &out);
    let before = tree(&victim);
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 2, "{}", r.log());
    assert_eq!(tree(&victim), before);
    assert!(out.symlink_metadata().unwrap().file_type().is_symlink());
    // the output is a file
    let file = site.dir().join("out-file");
    std::fs::write(&file, "a file").unwrap();
    assert_eq!(site.build(&file, &[]).code, 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a file");
    // the root, a parent of it, and a folder inside content/ that holds the root's files
    assert_eq!(site.build(&site.root, &[]).code, 2);
    assert_eq!(site.build(site.dir(), &[]).code, 2);
    // the root spelled with `..`
    let r = site.build(&site.root.join("content/.."), &[]);
    assert_eq!(r.code, 2, "{}", r.log());
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact_and_no_temp_folders() {
    let site = Site::base();
    let out = site.dir().join("out");
    assert_eq!(site.build(&out, &[]).code, 0);
    let before = tree(&out);
    // 1. check errors
    site.edit(&acc("account.toml"), "limit = 5000000", "limit = -1");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(tree(&out), before);
    site.edit(&acc("account.toml"), "limit = -1", "limit = 5000000");
    // 2. a render error (broken theme template) after files were staged
    site.edit("dossier.toml", "title = ", "theme = \"t\"\ntitle = ");
    site.write(
        "themes/t/templates/account.html",
        "{% extends \"base.html\" %}{% block content %}{{ nope( }}{% endblock content %}",
    );
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 1, "{}", r.log());
    assert_eq!(tree(&out), before);
    assert!(
        leftovers(site.dir()).is_empty(),
        "{:?}",
        leftovers(site.dir())
    );
    // 3. an unwritable staging folder location is an error, not a panic
    let r = site.build(&site.dir().join("no/such/parent/out"), &[]);
    assert!(r.code == 1 || r.code == 2, "{}", r.log());
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn leftover_temp_folders_are_removed_by_the_next_successful_build() {
    let site = Site::base();
    let out = site.dir().join("out");
    assert_eq!(site.build(&out, &[]).code, 0);
    for stale in [".out.dossier-tmp-4194303", ".out.dossier-old-4194303"] {
        std::fs::create_dir_all(site.dir().join(stale).join("accounts")).unwrap();
        std::fs::write(site.dir().join(stale).join("index.html"), "stale").unwrap();
    }
    std::fs::create_dir_all(site.dir().join(".unrelated")).unwrap();
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    assert!(
        leftovers(site.dir()).is_empty(),
        "{:?}",
        leftovers(site.dir())
    );
    assert!(site.dir().join(".unrelated").is_dir());
}

/// A biggish site: the shared corpus generator when available, else generated here.
fn biggish_site(dir: &Path) -> PathBuf {
    let root = dir.join("site");
    if let Some(shared) = shared() {
        let ok = Command::new("python3")
            .arg(shared.join("bench/gen_corpus.py"))
            .args(["--accounts", "300", "--seed", "1", "--out"])
            .arg(&root)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return root;
        }
        eprintln!("note: gen_corpus.py failed; using a generated 150-account site");
    } else {
        eprintln!(
            "note: ../shared/bench/gen_corpus.py not found; using a generated 150-account site"
        );
    }
    write_site(&root, &many_accounts(150));
    root
}

/// Start `dossier build` of `root` into `out` without waiting for it.
fn spawn_build(root: &Path, out: &Path) -> std::process::Child {
    Command::new(bin())
        .args(["build", "--root", s(root), "--output", s(out)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_build_killed_midway_leaves_the_old_output_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let root = biggish_site(tmp.path());
    let out = tmp.path().join("public");
    let build = || spawn_build(&root, &out);
    let t = Instant::now();
    let st = build().wait().unwrap();
    let full = t.elapsed();
    assert!(st.success(), "the site builds");
    let before = tree(&out);
    let mut delays: Vec<Duration> = vec![Duration::from_millis(150)];
    delays.extend([0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.98, 1.0].map(|f| full.mul_f64(f)));
    let mut left = 0;
    for d in &delays {
        let mut child = build();
        std::thread::sleep(*d);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert!(
            out.join(".dossier-output").is_file(),
            "killed after {d:?} of {full:?}: the output folder is gone or incomplete"
        );
        assert!(
            tree(&out) == before,
            "killed after {d:?} of {full:?}: the output changed"
        );
        left += leftovers(tmp.path()).len();
    }
    eprintln!(
        "full build {full:?}; {left} leftover temp folders seen across {} kills",
        delays.len()
    );
    let st = build().wait().unwrap();
    assert!(st.success());
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
    assert!(tree(&out) == before, "same input, same bytes");
}

#[test]
fn two_concurrent_builds_never_publish_an_incomplete_site() {
    let tmp = tempfile::tempdir().unwrap();
    let root = biggish_site(tmp.path());
    let out = tmp.path().join("public");
    let build = || spawn_build(&root, &out);
    let t = Instant::now();
    assert!(build().wait().unwrap().success());
    let full = t.elapsed();
    let expected: Vec<PathBuf> = tree(&out).into_keys().collect();
    let mut a = build();
    std::thread::sleep(full.mul_f64(0.4));
    let mut b = build();
    let a_ok = a.wait().unwrap().success();
    // right after A: whatever A published must be complete
    let after_a: Vec<PathBuf> = tree(&out).into_keys().collect();
    let b_ok = b.wait().unwrap().success();
    assert!(b_ok);
    if a_ok {
        let missing: Vec<_> = expected.iter().filter(|p| !after_a.contains(p)).collect();
        assert!(
            missing.is_empty(),
            "build A exited 0 but published a site missing {} of {} entries, e.g. {:?}",
            missing.len(),
            expected.len(),
            &missing[..missing.len().min(5)]
        );
    }
}

// ───────────────────── nothing dangerous is published ─────────────────────

const OUR_SCRIPTS: &[&str] = &["static/site.js", "static/search.js"];
const ACTIVE_TAGS: &[&str] = &[
    "iframe",
    "object",
    "embed",
    "style",
    "frame",
    "frameset",
    "applet",
    "base",
    "foreignobject",
    "animate",
    "set",
    "handler",
    "listener",
    "portal",
    "xmp",
];
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "srcset",
    "codebase",
    "cite",
];

/// Why `html` (a page, an SVG or an HTML fragment) carries active content, if it does.
fn active_content(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for t in scan_tags(html) {
        let attrs = || {
            t.attrs
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if t.name == "script" {
            let src = t
                .attrs
                .iter()
                .find(|(k, _)| k == "src")
                .map(|(_, v)| v.as_str());
            let ours =
                src.is_some_and(|s| OUR_SCRIPTS.iter().any(|o| s.ends_with(o)) && !s.contains(':'));
            if !ours || !t.raw_text.as_deref().unwrap_or("").trim().is_empty() {
                bad.push(format!("<script {}>{:?}", attrs(), t.raw_text));
            }
        }
        if ACTIVE_TAGS.contains(&t.name.as_str()) {
            bad.push(format!("<{} {}>", t.name, attrs()));
        }
        if t.name == "meta"
            && t.attrs
                .iter()
                .any(|(k, v)| k == "http-equiv" && v.eq_ignore_ascii_case("refresh"))
        {
            bad.push(format!("<meta {}>", attrs()));
        }
        for (k, v) in &t.attrs {
            if k.starts_with("on") {
                bad.push(format!("event handler in <{} {}>", t.name, attrs()));
            }
            let dv = normalized_attr(v);
            if URL_ATTRS.contains(&k.as_str()) && dangerous_url(v) {
                bad.push(format!("dangerous URL in <{} {}>", t.name, attrs()));
            }
            if k == "style"
                && ["url(", "expression", "javascript", "@import"]
                    .iter()
                    .any(|p| dv.contains(p))
            {
                bad.push(format!("active style in <{} {}>", t.name, attrs()));
            }
        }
    }
    bad
}

fn assert_inert_html(what: &str, html: &str) {
    let bad = active_content(html);
    assert!(
        bad.is_empty(),
        "active content in {what}:\n{}",
        bad.join("\n")
    );
}

/// Minimal CSV reader (RFC 4180 quoting).
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut rows = vec![vec![String::new()]];
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        let cell = rows.last_mut().unwrap().last_mut().unwrap();
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => rows.last_mut().unwrap().push(String::new()),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => rows.push(vec![String::new()]),
            (false, c) => cell.push(c),
        }
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    rows
}

/// Every string in a JSON value.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            json_strings(x, out)
        }),
        _ => {}
    }
}

/// Check every file of a built site for active content; returns how many files were inspected.
fn assert_output_inert(out: &Path) -> usize {
    let mut n = 0;
    for (rel, bytes) in files_of(out) {
        let name = rel.to_string_lossy().into_owned();
        let ext = rel
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        match ext.as_str() {
            "js" | "css" if name.starts_with("static/") => continue, // the theme's own files
            "html" | "htm" | "svg" | "xhtml" => assert_inert_html(&name, &text),
            "xml" => {
                assert_inert_html(&name, &text);
                // Atom `type="html"` text is HTML once decoded
                for part in text.split("type=\"html\">").skip(1) {
                    let inner = part.split("</").next().unwrap();
                    assert_inert_html(&format!("{name} (html content)"), &decode_entities(inner));
                }
            }
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
                let mut strings = Vec::new();
                json_strings(&v, &mut strings);
                if let Some(docs) = v.get("docs").and_then(|d| d.as_array()) {
                    // search doc chunks: url = previous url's first r[1] chars + r[2]
                    let mut prev = String::new();
                    for d in docs {
                        let (Some(keep), Some(tail)) = (
                            d.get(1).and_then(|x| x.as_u64()),
                            d.get(2).and_then(|x| x.as_str()),
                        ) else {
                            continue;
                        };
                        let url: String = prev
                            .chars()
                            .take(keep as usize)
                            .chain(tail.chars())
                            .collect();
                        assert!(
                            dossier::links::scheme(&url).is_none()
                                && !url.starts_with('/')
                                && !url.contains(".."),
                            "{name}: search result URL {url:?}"
                        );
                        prev = url;
                    }
                }
                if let Some(obj) = v.as_object() {
                    for (k, x) in obj {
                        if ["url", "href", "link"].contains(&k.as_str()) {
                            let u = x.as_str().unwrap_or("");
                            assert!(
                                dossier::links::scheme(u)
                                    .is_none_or(|s| s == "http" || s == "https"),
                                "{name}: {k} = {u:?}"
                            );
                        }
                    }
                }
            }
            "csv" => {
                for row in csv_cells(&text) {
                    for cell in row {
                        assert!(
                            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                            "{name}: formula cell {cell:?}"
                        );
                    }
                }
            }
            _ => {
                // assets and anything else: no markup-based active content either
                if text.contains('<') {
                    assert_inert_html(&name, &text);
                }
            }
        }
        n += 1;
    }
    n
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn contributor_content_is_inert_in_every_output_file() {
    let x = |tag: &str| {
        format!("<script>alert('{tag}')</script>\"><img src=x onerror=alert('{tag}')>javascript:alert('{tag}')'><svg/onload=alert('{tag}')>")
    };
    let formula =
        |lead: char, tag: &str| format!("{lead}HYPERLINK(\"http://evil/{tag}\") {}", x(tag));
    let site = Site::base();
    let a = acc("account.toml");
    let t = |s: &str| toml_str(s);
    let account = ACCOUNT
        .replace("\"Acme Steel Co.\"", &t(&formula('=', "name")))
        .replace("\"Acme Steel Co., Ltd.\"", &t(&x("legal")))
        .replace("\"Steel\"", &t(&formula('+', "industry")))
        .replace("\"East China\"", &t(&formula('-', "region")))
        .replace(
            "owner = \"li.wei\"",
            &format!("owner = {}", t(&formula('@', "owner"))),
        )
        .replace(
            "{ solution = \"chen.yu\" }",
            &format!("{{ solution = {} }}", t(&x("team"))),
        )
        .replace(
            "[\"automotive\"]",
            &format!("[{}, {}]", t(&x("tag")), t("javascript:alert('tag2')")),
        )
        .replace("[\"Foo Metals\"]", &format!("[{}]", t(&x("competitor"))))
        .replace("\"Lead time under 4 weeks\"", &t(&x("criterion")))
        .replace("\"C-12\"", &t(&x("complaint-id")))
        .replace(
            "\"Two coils out of tolerance\"",
            &t(&formula('=', "complaint")),
        )
        .replace("\"Replaced within 48 h\"", &t(&x("resolution")));
    site.write(&a, &account);
    let contacts = CONTACTS
        .replace("\"王刚\"", &t(&formula('=', "contact-name")))
        .replace("\"总经理\"", &t(&x("contact-title")))
        .replace("\"Management\"", &t(&x("department")))
        .replace(
            "last_contact = 2026-10-12\n",
            &format!(
                "last_contact = 2026-10-12\nnotes = {}\nemail = {}\nphone = {}\nour_contact = {}\n",
                t(&x("notes")),
                t("javascript:alert('email')"),
                t(&x("phone")),
                t(&x("our")),
            ),
        )
        + &format!(
            "\n[[contact]]\nid = {}\nname = {}\ndepartment = \"Quality\"\n",
            t("x\"><img src=x onerror=alert('id')>"),
            t(&x("contact2"))
        );
    site.write(&acc("contacts.toml"), &contacts);
    let review = REVIEW
        .replace("\"Volume up 12%.\"", &t(&formula('=', "summary")))
        .replace("\"Hold terms at 60 days.\"", &t(&x("decision")))
        .replace("\"Send revised delivery plan\"", &t(&x("action")))
        .replace(
            "owner = \"zhao.lei\"",
            &format!("owner = {}", t(&x("action-owner"))),
        )
        .replace(
            "reviewers = [\"li.wei\"]",
            &format!("reviewers = [{}]", t(&x("reviewer"))),
        )
        .replace("Notes.", &hostile_markdown("review"));
    site.write(&acc("reviews/2026-09-30-q3-review.md"), &review);
    let plan = PLAN
        .replace("\"FY2027\"", &t(&x("period")))
        .replace("\"Grow share of wallet\"", &t(&formula('=', "objective")))
        .replace("\"Cost-down workshop\"", &t(&x("plan-action")))
        + &hostile_markdown("plan");
    site.write(&acc("plan.md"), &plan);
    site.write(
        "content/guides/hostile.md",
        format!(
            "+++\ntitle = {}\n+++\n{}",
            t(&x("guide-title")),
            hostile_markdown("guide")
        ),
    );
    site.write(
        "content/_index.md",
        format!("# {}\n\n{}", x("home"), hostile_markdown("home")),
    );
    site.edit(
        "dossier.toml",
        "title = \"Test playbooks\"",
        &format!("title = {}", t(&x("site-title"))),
    );
    site.append(
        "dossier.toml",
        "[rules]\n\"markdown.unsafe-url\" = \"warning\"\n\"link.broken\" = \"warning\"\n",
    );
    let c = dossier::check_site(&site.root, None).unwrap();
    let fs: Vec<Placed> = c
        .diagnostics
        .iter()
        .map(|d| dossier::diag::place(d, &c.site.sources))
        .collect();
    assert!(
        errors(&fs).is_empty(),
        "the hostile site must check clean to be built:\n{}",
        list(&fs)
    );
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    assert_eq!(r.code, 0, "{}", r.log());
    let n = assert_output_inert(&out);
    assert!(n > 20, "inspected {n} files");
    // the payloads did reach the output, as text
    let page = std::fs::read_to_string(out.join("accounts/acme-steel/index.html")).unwrap();
    assert!(
        page.contains("&lt;script&gt;alert("),
        "payloads are shown escaped"
    );
    let csv = std::fs::read_to_string(out.join("data/accounts.csv")).unwrap();
    assert!(
        csv.contains("'=HYPERLINK"),
        "formula neutralised with a quote"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("data/accounts.json")).unwrap())
            .unwrap();
    assert!(
        json.to_string().contains("onerror=alert('legal')")
            || json.to_string().contains("=HYPERLINK"),
        "export keeps the text as data"
    );
}

fn hostile_markdown(tag: &str) -> String {
    format!(
        "\n<script>alert('{tag}1')</script>\n\n<img src=x onerror=alert('{tag}2')>\n\n\
         [click](javascript:alert('{tag}3')) [c2](JaVa&#x09;ScRiPt:alert(1)) [c3](java\tscript:alert(1))\n\n\
         <iframe src=\"https://evil\"></iframe><object data=\"x\"></object><embed src=\"x\">\n\n\
         Text with </script><script>alert('{tag}4')</script> inside.\n\n\
         <a href=\"data:text/html,<script>alert(5)</script>\">d</a> <a href=\"vbscript:x\">v</a>\n\n\
         <style>body{{background:url(javascript:alert(1))}}</style><p style=\"background:url(javascript:x)\">s</p>\n\n\
         <svg onload=alert(1)><script>alert(1)</script></svg><math><mtext><script>alert(1)</script></mtext></math>\n\n\
         <details open ontoggle=alert(1)><summary>x</summary></details> <input autofocus onfocus=alert(1)>\n\n\
         <a href=\"&#106;avascript:alert(1)\">e</a> <a href=\"&#x6A;avascript&colon;alert(1)\">e2</a>\n\n\
         ![i](javascript:alert(1)) ![i2](data:image/svg+xml;base64,PHN2Zz4=)\n\n\
         <base href=\"javascript:alert(1)//\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">\n\n\
         <noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>\n\n\
         <!--><img src=x onerror=alert(1)>-->\n\n\
         ## Heading <script>alert(6)</script>\n\n\
         ```js\"><script>alert(7)</script>\nx\n```\n\n\
         [^1]\n\n[^1]: <script>alert(8)</script>[fn](javascript:alert(9))\n\n\
         | a | <script>alert(10)</script> |\n|---|---|\n| <img src=x onerror=alert(11)> | b |\n"
    )
}

#[test]
fn active_assets_are_not_published_as_is() {
    let site = Site::base();
    site.write(&acc("assets/org.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.domain)</script><rect onclick=\"alert(1)\"/></svg>");
    site.write(
        &acc("assets/page.html"),
        "<html><body><script>alert(document.cookie)</script></body></html>",
    );
    site.append(
        &acc("plan.md"),
        "\n![org](assets/org.svg) [page](assets/page.html)\n",
    );
    let out = site.dir().join("out");
    let r = site.build(&out, &[]);
    if r.code == 0 {
        assert_output_inert(&out);
    } else {
        assert!(
            r.stdout.contains("assets/"),
            "refused with a finding: {}",
            r.log()
        );
    }
}

#[test]
fn private_contact_fields_never_appear_in_any_output_file() {
    let site = Site::base();
    site.edit(
        &acc("contacts.toml"),
        "last_contact = 2026-10-12\n",
        "last_contact = 2026-10-12\n[contact.private]\nbirthday = \"zqxjprivatebirthday\"\nzqxjprivatekey = \"home: zqxj.private@example.com, 隐私蜂鸟\"\n",
    );
    site.edit(
        &acc("contacts.toml"),
        "roles = [\"technical_buyer\"]\n",
        "roles = [\"technical_buyer\"]\nprivate = { spouse = \"zqxjinlinesecret\", note = \"<script>zqxj</script>\" }\n",
    );
    let fs = site.findings();
    assert!(errors(&fs).is_empty(), "{}", list(&fs));
    for extra in [&[][..], &["--redact", "credit"][..]] {
        let out = site.dir().join("out");
        let r = site.build(&out, extra);
        assert_eq!(r.code, 0, "{}", r.log());
        let files = files_of(&out);
        assert!(files.len() > 20);
        for (p, bytes) in files {
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            for secret in ["zqxj", "隐私蜂鸟", "私蜂", "蜂鸟"] {
                assert!(
                    !text.contains(secret),
                    "private field ({secret}) in {}",
                    p.display()
                );
            }
        }
    }
}

/// A table of many keys (a hostile `[contact.private]`, a generated dossier.toml) reads
/// in linear time: the quick reader's duplicate-key check compares each key with the
/// ones before it, so it hands such tables to the toml crate.
#[test]
fn toml_tables_with_many_keys_read_in_linear_time() {
    let sizes = [1usize, 2, 4, 8].map(|k| k * 8_000);
    let docs: Vec<String> = sizes
        .iter()
        .map(|&n| {
            let keys: String = (0..n).map(|i| format!("k{i} = \"v\"\n")).collect();
            let headers: String = (0..n).map(|i| format!("[t{i}]\n")).collect();
            format!("[portfolio]\n{keys}{headers}")
        })
        .collect();
    let (ratio, times) = doubling_ratio(|i| dossier::config::Config::parse(&docs[i]));
    assert!(
        ratio < 3.0,
        "median t(2n)/t(n) = {ratio:.2}, s = {times:.4?}"
    );
}
