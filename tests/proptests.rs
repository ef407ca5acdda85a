//! Property tests (and the fuzz targets run by scripts/fuzz.sh): whatever the input,
//! front-matter splitting, loading and checking, and Markdown rendering never panic,
//! every finding points inside its file, and rendered HTML carries no active content.
//!
//! Case counts: `PROPTEST_CASES` (default per target below). Fuzz mode:
//! `DOSSIER_FUZZ_SECS=120` repeats a target in batches of `PROPTEST_CASES` cases with
//! fresh random seeds until the time is up, then prints `fuzz <target>: N executions,
//! 0 failures`. A failure is shrunk to a minimal input and reported by proptest.
//! Failure persistence is off (no files are written next to the tests).

mod common;
use common::*;
use dossier::diag::place;
use dossier::load::frontmatter::{split, FrontMatter};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ───────────────────────────── the runner ─────────────────────────────

/// Run `test` on `strategy`: once with `PROPTEST_CASES` (else `default_cases`) cases, or,
/// with `DOSSIER_FUZZ_SECS` set, in fresh-seeded batches until that many seconds passed.
fn run_target<S>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let mut cfg = Config::default(); // reads PROPTEST_CASES
    if std::env::var_os("PROPTEST_CASES").is_none() {
        cfg.cases = default_cases;
    }
    cfg.failure_persistence = None;
    cfg.max_shrink_time = 120_000;
    let fuzz_secs = std::env::var("DOSSIER_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let start = Instant::now();
    let mut total: u64 = 0;
    loop {
        let mut runner = TestRunner::new(cfg.clone());
        if let Err(e) = runner.run(&strategy, &test) {
            println!("fuzz {name}: FAILURE after {total}+ executions");
            panic!("{name}: {e}");
        }
        total += u64::from(cfg.cases);
        match fuzz_secs {
            Some(secs) if start.elapsed() < Duration::from_secs(secs) => continue,
            _ => break,
        }
    }
    if fuzz_secs.is_some() {
        println!(
            "fuzz {name}: {total} executions, 0 failures, {:.0} s",
            start.elapsed().as_secs_f64()
        );
    }
}

// ───────────────────────────── front matter ─────────────────────────────

/// Documents made of fence-like and TOML-like lines with LF or CRLF endings.
fn fm_documents() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("+++".to_string()),
        Just("+++ ".to_string()),
        Just("+++\t \r".to_string()),
        Just("+++\r".to_string()),
        Just("++".to_string()),
        Just("++++".to_string()),
        Just(" +++".to_string()),
        Just("\u{FEFF}+++".to_string()),
        Just("é+++".to_string()),
        Just("a = 1".to_string()),
        Just("title = \"华东\"".to_string()),
        Just(String::new()),
        Just("\r".to_string()),
        "\\PC{0,12}",
    ];
    let sep = prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("")];
    prop::collection::vec((line, sep), 0..10)
        .prop_map(|parts| parts.into_iter().map(|(l, s)| l + s).collect::<String>())
}

fn fence(line: &str) -> bool {
    line.trim_end_matches('\n')
        .trim_end_matches(['\r', ' ', '\t'])
        == "+++"
}

fn check_split(text: &str) -> Result<(), TestCaseError> {
    // an independent reading of the rule: line 1 a fence, the next fence line closes it
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first_end = lines.first().map_or(0, |l| l.len());
    match split(text) {
        FrontMatter::None => {
            prop_assert!(lines.first().is_none_or(|l| !fence(l)), "line 1 is a fence");
        }
        FrontMatter::Unclosed { open_len } => {
            prop_assert_eq!(open_len, first_end);
            prop_assert!(open_len <= text.len());
            prop_assert!(fence(lines[0]));
            prop_assert!(
                !lines[1..].iter().any(|l| fence(l)),
                "a closing fence exists"
            );
        }
        FrontMatter::Some(s) => {
            prop_assert!(fence(lines[0]));
            prop_assert_eq!(s.toml_offset, first_end);
            let toml_end = s.toml_offset + s.toml.len();
            prop_assert!(
                s.toml_offset <= toml_end
                    && toml_end <= s.body_offset
                    && s.body_offset <= text.len()
            );
            prop_assert_eq!(&text[s.toml_offset..toml_end], s.toml);
            prop_assert_eq!(&text[s.body_offset..], s.body);
            prop_assert!(text.ends_with(s.body), "body is the suffix");
            prop_assert!(
                fence(&text[toml_end..s.body_offset]),
                "the closing line is a fence"
            );
            prop_assert!(
                !s.toml.split_inclusive('\n').any(fence),
                "the first fence closes"
            );
        }
    }
    Ok(())
}

#[test]
fn front_matter_split_never_panics_and_offsets_are_consistent() {
    let strategy = prop_oneof![fm_documents(), any::<String>(), "\\PC*"];
    run_target("frontmatter", 2048, strategy, |t| check_split(&t));
}

// ───────────────────────── load + check on hostile files ─────────────────────────

const TARGETS: &[&str] = &[
    "content/accounts/acme-steel/account.toml",
    "content/accounts/acme-steel/contacts.toml",
    "content/accounts/acme-steel/reviews/2026-09-30-q3-review.md",
    "content/accounts/acme-steel/plan.md",
    "dossier.toml",
];

fn original(rel: &str) -> String {
    base_files()
        .into_iter()
        .find(|(p, _)| p == rel)
        .map(|(_, t)| t)
        .unwrap()
}

/// One base site per test thread, reused across cases (each case rewrites one file and
/// puts it back).
struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        write_site(&root, &base_files());
        Fixture { _tmp: tmp, root }
    }

    /// Replace `rel` with `bytes`, check the site, restore `rel`.
    fn check_with(&self, rel: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
        let path = self.root.join(rel);
        std::fs::write(&path, bytes).unwrap();
        let result = check_positions(&self.root);
        std::fs::write(&path, original(rel)).unwrap();
        result
    }
}

/// Check the site; every finding with a span points inside its (loaded) file.
fn check_positions(root: &Path) -> Result<(), TestCaseError> {
    let c =
        dossier::check_site(root, None).map_err(|e| TestCaseError::fail(format!("fatal: {e}")))?;
    for d in &c.diagnostics {
        let Some(span) = &d.span else { continue };
        let Some(src) = c.site.sources.get(&d.file) else {
            return Err(TestCaseError::fail(format!(
                "{} has a span but its file `{}` is not loaded",
                d.rule.code, d.file
            )));
        };
        prop_assert!(
            span.start <= span.end && span.end <= src.text.len(),
            "{} span {:?} outside `{}` ({} bytes): {}",
            d.rule.code,
            span,
            d.file,
            src.text.len(),
            d.message
        );
        let p = place(d, &c.site.sources);
        prop_assert!(
            p.line >= 1 && p.line <= src.line_count(),
            "{} line {} of {}",
            p.code,
            p.line,
            src.line_count()
        );
        prop_assert!(p.end_line >= p.line && p.end_line <= src.line_count());
        let width = src.line_text(p.line).chars().count() + 1;
        prop_assert!(
            p.column >= 1 && p.column <= width + 1,
            "{} column {} on a line of {} chars",
            p.code,
            p.column,
            width - 1
        );
        if p.end_line == p.line {
            prop_assert!(p.end_column >= p.column);
        }
    }
    Ok(())
}

/// TOML-ish token soup: brackets, quotes, keys of the format, odd numbers and dates.
fn toml_soup() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        Just("["),
        Just("]"),
        Just("[["),
        Just("]]"),
        Just("{"),
        Just("}"),
        Just("="),
        Just("\""),
        Just("'"),
        Just("'''"),
        Just("\"\"\""),
        Just("\n"),
        Just("\r\n"),
        Just("#"),
        Just(","),
        Just("."),
        Just(" "),
        Just("\\"),
        Just("\\u0000"),
        Just("name"),
        Just("tier"),
        Just("declared"),
        Just("scores"),
        Just("credit"),
        Just("aging"),
        Just("limit"),
        Just("outstanding"),
        Just("contact"),
        Just("id"),
        Just("reports_to"),
        Just("private"),
        Just("date"),
        Just("+++"),
        Just("1"),
        Just("-1"),
        Just("0x7fffffffffffffff"),
        Just("99999999999999999999"),
        Just("1e400"),
        Just("nan"),
        Just("-inf"),
        Just("3.14159"),
        Just("2026-09-30"),
        Just("2026-02-30"),
        Just("2026-09-30T10:00:00Z"),
        Just("true"),
        Just("华东"),
        Just("\u{FEFF}"),
        Just("\u{202E}"),
        Just("[tier.scores]"),
        Just("[credit.aging]"),
        Just("[[contact]]"),
        Just("[contact.private]"),
        Just("[[link]]"),
        Just("value = 5\n"),
    ];
    prop::collection::vec(tok, 0..60).prop_map(|v| v.concat())
}

fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<String>().prop_map(String::into_bytes),
        toml_soup().prop_map(String::into_bytes),
        toml_soup().prop_map(|t| format!("+++\n{t}\n+++\nbody").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..400),
    ]
}

#[test]
fn checking_arbitrary_account_contacts_and_review_files_never_panics() {
    let fx = Fixture::new();
    let strategy = (0..3usize, hostile_bytes());
    run_target("check-arbitrary", 192, strategy, |(i, bytes)| {
        fx.check_with(TARGETS[i], &bytes)
    });
}

/// One edit of a valid file.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Insert(usize, &'static str),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippet = prop_oneof![
        Just("["),
        Just("]"),
        Just("{"),
        Just("\""),
        Just("'"),
        Just("="),
        Just("\n"),
        Just("\r"),
        Just("\u{FEFF}"),
        Just("+++\n"),
        Just("é"),
        Just("华"),
        Just("\u{0}"),
        Just("\\"),
        Just("#"),
        Just("[[contact]]\n"),
        Just("99999999999999999999"),
        Just("-"),
        Just("](%"),
        Just("](../../../"),
        Just("`"),
        Just("<"),
    ];
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapLines(i, j)),
        (any::<usize>(), snippet).prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for m in muts {
        let lines = |b: &[u8]| -> Vec<Vec<u8>> {
            b.split_inclusive(|&c| c == b'\n')
                .map(<[u8]>::to_vec)
                .collect()
        };
        match *m {
            Mutation::Flip(i, mask) if !b.is_empty() => {
                let i = i % b.len();
                b[i] ^= mask;
            }
            Mutation::DeleteLine(i) => {
                let mut l = lines(&b);
                if !l.is_empty() {
                    let i = i % l.len();
                    l.remove(i);
                }
                b = l.concat();
            }
            Mutation::DuplicateLine(i) => {
                let mut l = lines(&b);
                if !l.is_empty() {
                    let i = i % l.len();
                    let dup = l[i].clone();
                    l.insert(i, dup);
                }
                b = l.concat();
            }
            Mutation::SwapLines(i, j) => {
                let mut l = lines(&b);
                if !l.is_empty() {
                    let n = l.len();
                    l.swap(i % n, j % n);
                }
                b = l.concat();
            }
            Mutation::Insert(i, s) => {
                let i = i % (b.len() + 1);
                b.splice(i..i, s.bytes());
            }
            Mutation::Truncate(i) => {
                let i = i % (b.len() + 1);
                b.truncate(i);
            }
            _ => {}
        }
    }
    b
}

#[test]
fn checking_mutations_of_the_valid_fixture_never_panics_and_positions_stay_in_the_file() {
    let fx = Fixture::new();
    let strategy = (0..TARGETS.len(), prop::collection::vec(mutation(), 1..8));
    run_target("check-mutations", 192, strategy, |(i, muts)| {
        let bytes = apply(&original(TARGETS[i]), &muts);
        fx.check_with(TARGETS[i], &bytes)
    });
}

/// Link targets made of path pieces, percent signs and multi-byte characters.
fn link_targets() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("../"),
        Just("./"),
        Just("/"),
        Just("\\"),
        Just("%"),
        Just("%2F"),
        Just("%2e%2e/"),
        Just("%a"),
        Just("%4"),
        Just("é"),
        Just("€"),
        Just("华"),
        Just("reviews/"),
        Just("plan.md"),
        Just("assets/"),
        Just("#x"),
        Just("?q"),
        Just("a"),
        Just(":"),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|v| v.concat())
}

#[test]
fn checking_plans_with_arbitrary_link_targets_never_panics() {
    let fx = Fixture::new();
    let plan = "content/accounts/acme-steel/plan.md";
    run_target(
        "check-link-targets",
        256,
        prop::collection::vec(link_targets(), 1..5),
        |targets| {
            let body: String = targets
                .iter()
                .map(|t| format!("[l]({t}) ![i]({t})\n"))
                .collect();
            fx.check_with(plan, format!("{PLAN}\n{body}").as_bytes())
        },
    );
}

fn link_soup(angle: bool) -> impl Strategy<Value = String> {
    let soup = prop::collection::vec(
        prop_oneof![
            Just("["),
            Just("]("),
            Just(")"),
            Just("("),
            Just("`"),
            Just("```\n"),
            Just("\n"),
            Just(" "),
            Just("<"),
            Just(">"),
            Just("é"),
            Just("a")
        ],
        0..60,
    )
    .prop_map(|v| v.concat());
    prop_oneof![any::<String>(), soup].prop_map(move |s| if angle { s } else { s.replace('<', "") })
}

fn scanned_links_are_exact(md: String) -> Result<(), TestCaseError> {
    for l in dossier::links::scan_links(&md) {
        prop_assert!(l.start <= l.end && l.end <= md.len());
        prop_assert_eq!(md.get(l.start..l.end), Some(l.target), "in {:?}", md);
    }
    Ok(())
}

#[test]
fn scanned_links_point_at_their_target_text() {
    run_target(
        "scan-links",
        2048,
        link_soup(false),
        scanned_links_are_exact,
    );
}

#[test]
fn scanned_angle_bracket_links_point_at_their_target_text() {
    run_target(
        "scan-links-angle",
        2048,
        link_soup(true),
        scanned_links_are_exact,
    );
}

#[test]
fn csv_cells_never_start_a_formula() {
    run_target("csv-cell", 2048, any::<String>(), |s| {
        let cell = dossier::render::export::csv_cell(&s);
        let inner = cell.strip_prefix('"').unwrap_or(&cell);
        prop_assert!(
            !inner.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{:?} → {:?}",
            s,
            cell
        );
        Ok(())
    });
}

// ───────────────────────── Markdown → safe HTML ─────────────────────────

/// Fragments that try to smuggle active content through Markdown and raw HTML.
fn dangerous_fragment() -> impl Strategy<Value = String> {
    let f = prop_oneof![
        Just("<script>alert(1)</script>"),
        Just("<script"),
        Just("</script>"),
        Just("<scr"),
        Just("ipt>"),
        Just("<img src=x onerror=alert(1)>"),
        Just("<img src=\"javascript:alert(1)\">"),
        Just("javascript:alert(1)"),
        Just("JaVaScRiPt:"),
        Just("java\tscript:"),
        Just("java&#x09;script:"),
        Just("&#106;avascript:"),
        Just("&#x6A;"),
        Just("&colon;"),
        Just("vbscript:msgbox"),
        Just("data:text/html;base64,PHNjcmlwdD4="),
        Just("data:image/svg+xml,<svg onload=alert(1)>"),
        Just("[a]("),
        Just(")"),
        Just("![i]("),
        Just("[r]: "),
        Just("[r]"),
        Just("<"),
        Just(">"),
        Just("<a href=\""),
        Just("\">"),
        Just("<a href="),
        Just("<iframe src=x>"),
        Just("<object data=x>"),
        Just("<embed src=x>"),
        Just("<style>*{x:url(javascript:a)}</style>"),
        Just("<svg onload=alert(1)>"),
        Just("<math><mi xlink:href=\"javascript:a\">"),
        Just("<details open ontoggle=alert(1)>"),
        Just("<base href=\"javascript:/\">"),
        Just("<meta http-equiv=refresh content=\"0;url=javascript:a\">"),
        Just("<input autofocus onfocus=alert(1)>"),
        Just("<form action=javascript:a><button>"),
        Just("<p style=\"background:url(javascript:a)\">"),
        Just("<a href=javascript&#58;a>x</a>"),
        Just("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">"),
        Just("<!--"),
        Just("-->"),
        Just("<![CDATA["),
        Just("]]>"),
        Just("<x onclick=alert(1)>"),
        Just(" onmouseover=alert(1) "),
        Just("\" onerror=\"alert(1)"),
        Just("' onload='alert(1)"),
        Just("`"),
        Just("```"),
        Just("```js\"><script>\n"),
        Just("\n"),
        Just("\n\n"),
        Just("> "),
        Just("- "),
        Just("1. "),
        Just("| a | b |\n|---|---|\n"),
        Just("[^1]"),
        Just("[^1]: "),
        Just("## "),
        Just("<http://x>"),
        Just("<javascript:alert(1)>"),
        Just("<a href=\"x\" id=\"y\" class=\"anchor\" onclick=\"a\">"),
        Just("<svg><animate attributeName=href to=javascript:a>"),
        Just("<template><script>a</script></template>"),
        Just("<textarea></textarea><script>a</script>"),
        Just("&lt;script&gt;"),
        Just("\u{0}"),
        Just("\u{FEFF}"),
        Just("\r"),
    ];
    prop_oneof![
        4 => f.prop_map(str::to_string),
        1 => "[a-z =\"'<>/:]{0,8}",
    ]
}

/// Why rendered HTML is not inert, if it is not.
fn active(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for tag in [
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "<svg",
        "<math",
        "<base",
        "<meta",
        "<form",
        "<template",
        "<textarea",
        "<noscript",
    ] {
        if lower.contains(tag) {
            return Some(format!("{tag} element"));
        }
    }
    for TagInfo { name, attrs, .. } in scan_tags(html) {
        for (k, v) in attrs {
            if k.starts_with("on") {
                return Some(format!("event handler {k} on <{name}>"));
            }
            if [
                "href",
                "src",
                "xlink:href",
                "action",
                "formaction",
                "srcset",
            ]
            .contains(&k.as_str())
                && dangerous_url(&v)
            {
                return Some(format!("dangerous URL {k}={v:?} on <{name}>"));
            }
            if k == "style" {
                return Some(format!("style attribute on <{name}>"));
            }
        }
    }
    None
}

#[test]
fn the_inertness_check_itself_catches_active_content() {
    for bad in [
        "<script>x</script>",
        "<p><img src=x onerror=alert(1)></p>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=' JAVASCRIPT:x'>",
        "<img src=\"data:image/svg+xml,x\">",
        "<p style=\"color:red\">",
        "<IFRAME src=x>",
    ] {
        assert!(active(bad).is_some(), "{bad}");
    }
    for ok in [
        "<p>&lt;script&gt; onerror=alert(1)</p>",
        "<a href=\"https://x/\">x</a>",
        "<a href=\"../reviews/x/\">x</a>",
    ] {
        assert_eq!(active(ok), None, "{ok}");
    }
}

#[test]
fn markdown_renders_arbitrary_dangerous_mixes_to_inert_html() {
    let md = dossier::render::markdown::Markdown::new();
    // the worst resolver: every relative target is echoed back into href/src
    let resolve = |t: &str| -> Option<String> { Some(t.to_string()) };
    let strategy = prop_oneof![
        4 => prop::collection::vec(dangerous_fragment(), 0..40).prop_map(|v| v.concat()),
        1 => any::<String>(),
    ];
    run_target("markdown", 1024, strategy, |src| {
        let r = md.render(
            &src,
            &dossier::render::markdown::RenderOptions {
                base_offset: 7,
                resolve: &resolve,
                toc_min_headings: 1,
            },
        );
        if let Some(why) = active(&r.html) {
            return Err(TestCaseError::fail(format!("{why}\n--- html\n{}", r.html)));
        }
        for t in &r.toc {
            prop_assert!(
                !t.id.contains(['"', '<', '>', ' ']),
                "heading id {:?}",
                t.id
            );
        }
        for p in &r.problems {
            prop_assert!(
                p.start >= 7 && p.start <= p.end && p.end <= src.len() + 7,
                "problem {:?} outside the source",
                p
            );
        }
        Ok(())
    });
}

// ───────────────── the quick TOML reader against the toml crate ─────────────────

/// The oracle: whatever the quick reader accepts, the toml crate accepts with the same
/// keys, values and spans. (Declining is always allowed: the toml crate then reads it.)
fn quick_toml_agrees(text: &str) -> Result<bool, TestCaseError> {
    use dossier::load::{quick_toml, toml_tree};
    let Some(quick) = quick_toml::parse(text, 16, 10_000) else {
        return Ok(false);
    };
    match toml::de::DeTable::parse(text) {
        Ok(doc) => prop_assert_eq!(&quick, &toml_tree::from_toml(doc.get_ref()), "{:?}", text),
        Err(e) => prop_assert!(
            false,
            "accepted what the toml crate refuses ({}): {:?}",
            e,
            text
        ),
    }
    Ok(true)
}

/// Documents shaped like account files, with the constructs the quick reader declines
/// mixed in (dotted keys, multi-line strings, odd numbers, times, re-opened tables).
fn toml_documents() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("a"),
        Just("b"),
        Just("id"),
        Just("x-y_1"),
        Just("1234"),
        Just("\"q k\""),
        Just("\"k\\u00e9\""),
        Just("'lit'"),
        Just("\"\""),
        Just("a.b"),
        Just("a . b"),
        Just("é"),
    ];
    let scalar = prop_oneof![
        Just("\"plain\""),
        Just("\"\""),
        Just("\"华东 \\\"q\\\" \\\\ \\n\\t\\u00e9\\U0001F600\""),
        Just("\"tab\there\""),
        Just("\"\\b\\f\\r \\u0041\""),
        Just("\"bad \\x41\""),
        Just("\"esc \\e\""),
        Just("\"sur \\uD800\""),
        Just("'lit \\ \"'"),
        Just("''"),
        Just("\"\"\"multi\nline\"\"\""),
        Just("'''raw'''"),
        Just("0"),
        Just("-0"),
        Just("12"),
        Just("-12"),
        Just("012"),
        Just("+5"),
        Just("1_000"),
        Just("0x1F"),
        Just("999999999999999999"),
        Just("99999999999999999999"),
        Just("3.50"),
        Just("-0.0"),
        Just("1."),
        Just(".5"),
        Just("1e3"),
        Just("1.5e3"),
        Just("inf"),
        Just("nan"),
        Just("true"),
        Just("false"),
        Just("truex"),
        Just("2026-01-31"),
        Just("2024-02-29"),
        Just("2026-02-29"),
        Just("1900-02-29"),
        Just("2000-02-29"),
        Just("2026-13-01"),
        Just("2026-04-31"),
        Just("2026-00-10"),
        Just("0000-01-01"),
        Just("1979-05-27 07:32:00"),
        Just("1979-05-27T07:32:00Z"),
        Just("07:32:00"),
    ]
    .prop_map(String::from);
    let inline_key = key.clone();
    let value = scalar.prop_recursive(3, 24, 4, move |inner| {
        let sep = prop_oneof![Just(", "), Just(","), Just(" ,\n  "), Just(", # c\n")];
        prop_oneof![
            (
                prop::collection::vec(inner.clone(), 0..4),
                sep,
                any::<bool>()
            )
                .prop_map(|(items, sep, trailing)| {
                    let comma = if trailing && !items.is_empty() {
                        ","
                    } else {
                        ""
                    };
                    format!("[{}{comma}]", items.join(sep))
                }),
            (
                prop::collection::vec((inline_key.clone(), inner), 0..3),
                prop_oneof![Just(", "), Just(","), Just(",\n"), Just(" ")],
                any::<bool>()
            )
                .prop_map(|(kvs, sep, trailing)| {
                    let kvs: Vec<String> = kvs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    let comma = if trailing && !kvs.is_empty() { "," } else { "" };
                    format!("{{ {}{comma} }}", kvs.join(sep))
                }),
        ]
    });
    let path = prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("\"q k\"")], 1..4)
        .prop_map(|p| p.join("."));
    let line = prop_oneof![
        4 => (key.clone(), value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => path.clone().prop_map(|p| format!("[{p}]")),
        1 => path.clone().prop_map(|p| format!("[[{p}]]")),
        1 => path.prop_map(|p| format!("[ {p} ]")),
        1 => Just(String::new()),
        1 => Just("# a comment ✓".to_string()),
    ];
    let end = prop_oneof![
        6 => Just("\n"),
        1 => Just("\r\n"),
        1 => Just("  # note\n"),
        1 => Just("\r"),
        1 => Just(" x\n"),
    ];
    prop::collection::vec((line, end), 0..14)
        .prop_map(|lines| lines.into_iter().map(|(l, e)| l + e).collect())
}

/// The loader skips its shape walk (nesting depth, array length) for the quick reader's
/// trees: that is right only if the quick reader declines every tree the walk refuses.
#[test]
fn the_quick_toml_reader_declines_every_tree_the_shape_check_refuses() {
    use dossier::load::{parse::shape_problem, quick_toml, toml_tree};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (refused, read) = (AtomicUsize::new(0), AtomicUsize::new(0));
    run_target("quick_toml_shape", 2000, toml_documents(), |text| {
        let Ok(doc) = toml::de::DeTable::parse(&text) else {
            return Ok(());
        };
        let tree = toml_tree::from_toml(doc.get_ref());
        for (nesting, len) in [(1, 0), (2, 1), (3, 2), (4, 3), (16, 1), (16, 10_000)] {
            let quick = quick_toml::parse(&text, nesting, len);
            match shape_problem(&tree, nesting, len) {
                Some(problem) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    prop_assert!(
                        quick.is_none(),
                        "read what the shape check refuses at ({nesting}, {len}): {problem:?} in {text:?}"
                    );
                }
                None if quick.is_some() => {
                    read.fetch_add(1, Ordering::Relaxed);
                }
                None => {}
            }
        }
        Ok(())
    });
    // both sides of the property must be reached for it to mean something
    let (r, q) = (refused.into_inner(), read.into_inner());
    assert!(r > 100 && q > 100, "refused {r}, read {q}");
}

#[test]
fn the_quick_toml_reader_agrees_with_the_toml_crate() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (accepted, total) = (AtomicUsize::new(0), AtomicUsize::new(0));
    run_target("quick_toml", 3000, toml_documents(), |text| {
        total.fetch_add(1, Ordering::Relaxed);
        if quick_toml_agrees(&text)? {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    run_target("quick_toml_soup", 2000, toml_soup(), |text| {
        quick_toml_agrees(&text).map(|_| ())
    });
    // the oracle only means something if the generator reaches the accepting paths
    let (a, t) = (accepted.into_inner(), total.into_inner());
    assert!(
        a * 10 >= t,
        "only {a} of {t} generated documents were accepted"
    );
}
