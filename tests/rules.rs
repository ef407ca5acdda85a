//! One fixture per rule: a valid base site, one edit, and the finding it must produce
//! (code, severity, file, line and column).

mod common;
use common::*;
use dossier::rules::Severity;

const A: &str = "content/accounts/acme-steel/";

/// An edit: in `file` (prefix `A/` = the account folder), replace `from` with `to`
/// (`from` empty: write the file with `to`; `to` = DELETE: remove the file).
type Edit = (&'static str, String, String);
const DELETE: &str = "\u{0}DELETE";

struct Case {
    code: &'static str,
    severity: Severity,
    edits: Vec<Edit>,
    /// Where the finding must point: file and a needle in its text whose `|` marks
    /// the position (no `|`: the needle's start). None: 1:1 (a whole-file finding).
    file: &'static str,
    at: Option<&'static str>,
}

fn path(p: &str) -> String {
    p.strip_prefix("A/")
        .map_or_else(|| p.to_string(), |rest| format!("{A}{rest}"))
}

fn e(file: &'static str, from: &str, to: &str) -> Edit {
    (file, from.to_string(), to.to_string())
}

fn case(
    code: &'static str,
    severity: Severity,
    edits: Vec<Edit>,
    file: &'static str,
    at: Option<&'static str>,
) -> Case {
    Case {
        code,
        severity,
        edits,
        file,
        at,
    }
}

fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let (before, _) = needle.split_once('|').unwrap_or(("", needle));
    let plain = needle.replace('|', "");
    let idx = text
        .find(&plain)
        .unwrap_or_else(|| panic!("needle {needle:?} not in file"))
        + before.len();
    let pre = &text[..idx];
    let line = pre.matches('\n').count() + 1;
    let col = pre.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

use Severity::{Error as E, Warning as W};

fn cases() -> Vec<Case> {
    let credit_block = {
        let s = ACCOUNT.find("[credit]\n").unwrap();
        let t = ACCOUNT.find("[[complaints]]").unwrap();
        ACCOUNT[s..t].to_string()
    };
    vec![
        case("file.toml-syntax", E, vec![e("A/account.toml", "region = \"East China\"", "region = East China")], "A/account.toml", Some("region = |East")),
        case("file.missing-account", E, vec![e("A/account.toml", "", DELETE)], "A/account.toml", None),
        case("file.front-matter-missing", E, vec![e("A/reviews/2026-09-30-q3-review.md", "+++\ndate", "date")], "A/reviews/2026-09-30-q3-review.md", Some("|date")),
        case("file.front-matter-unclosed", E, vec![e("A/reviews/2026-09-30-q3-review.md", "+++\nNotes.", "Notes.")], "A/reviews/2026-09-30-q3-review.md", Some("|+++")),
        case("file.stray", W, vec![e("A/notes.txt", "", "scratch")], "A/notes.txt", None),
        case("file.guide-name", E, vec![e("content/guides/My Guide.md", "", "# Guide\n")], "content/guides/My Guide.md", None),
        case("file.too-deep", E, vec![e("A/account.toml", "tags = [\"automotive\"]", &format!("tags = {}1{}", "[".repeat(20), "]".repeat(20)))], "A/account.toml", Some("[[[[[[[[[[[[[[[[|[")),
        case("file.too-large", E, vec![e("dossier.toml", "[credit]", "[limits]\nmax_file_bytes = 1024\n[credit]"), e("A/plan.md", "## Strategy", &format!("## Strategy\n{}", "long text ".repeat(200)))], "A/plan.md", None),
        case("file.unreadable", E, vec![e("A/contacts.toml", "", DELETE), e("A/contacts.toml/x", "", "")], "A/contacts.toml", None),
        case("schema.unknown-key", E, vec![e("A/account.toml", "industry =", "industy =")], "A/account.toml", Some("|industy")),
        case("schema.missing-key", E, vec![e("A/account.toml", "owner = \"li.wei\"\n", "")], "A/account.toml", None),
        case("schema.type", E, vec![e("A/account.toml", "limit = 5000000", "limit = \"5000000\"")], "A/account.toml", Some("limit = |\"5000000\"")),
        case("schema.type", E, vec![e("A/account.toml", "customer_since = 2019-03-01", "customer_since = 2019-03-01T10:00:00")], "A/account.toml", Some("customer_since = |2019")),
        case("schema.enum", E, vec![e("A/contacts.toml", "stance = \"supporter\"", "stance = \"hostile\"")], "A/contacts.toml", Some("stance = |\"hostile\"")),
        case("schema.range", E, vec![e("A/account.toml", "value = 5", "value = 9")], "A/account.toml", Some("value = |9")),
        case("schema.range", E, vec![e("A/account.toml", "prepayment_pct = 30", "prepayment_pct = 130")], "A/account.toml", Some("prepayment_pct = |130")),
        case("schema.range", E, vec![e("A/contacts.toml", "strength = 5", "strength = 0")], "A/contacts.toml", Some("strength = |0")),
        case("schema.empty", E, vec![e("A/account.toml", "name = \"Acme Steel Co.\"", "name = \"  \"")], "A/account.toml", Some("name = |\"  \"")),
        case("schema.future-date", E, vec![e("A/contacts.toml", "last_contact = 2026-10-12", "last_contact = 2026-12-12")], "A/contacts.toml", Some("|2026-12-12")),
        case("review.date-mismatch", E, vec![e("A/reviews/2026-09-30-q3-review.md", "date = 2026-09-30", "date = 2026-09-29")], "A/reviews/2026-09-30-q3-review.md", Some("date = |2026-09-29")),
        case("tier.unknown", E, vec![e("A/account.toml", "declared = \"A\"", "declared = \"S\"")], "A/account.toml", Some("declared = |\"S\"")),
        case("tier.mismatch", E, vec![e("A/account.toml", "declared = \"A\"", "declared = \"B\"")], "A/account.toml", Some("declared = |\"B\"")),
        case("tier.min-contacts", E, vec![e("A/contacts.toml", "name = \"Chen Jie\"", "name = \"Chen Jie\"\nstatus = \"left\"")], "A/contacts.toml", None),
        case(
            "tier.min-departments",
            E,
            vec![
                e("A/contacts.toml", "department = \"Management\"", "department = \"Procurement \""),
                e("A/contacts.toml", "department = \"Engineering\"", "department = \"procurement\""),
                e("A/contacts.toml", "department = \"Finance\"", "department = \" PROCUREMENT\""),
            ],
            "A/contacts.toml",
            None,
        ),
        case(
            "tier.decision-maker",
            E,
            vec![e("A/contacts.toml", "roles = [\"decision_maker\"]", "roles = [\"influencer\"]"), e("A/contacts.toml", "roles = [\"economic_buyer\"]", "roles = [\"coach\"]")],
            "A/contacts.toml",
            None,
        ),
        case("tier.plan-missing", E, vec![e("A/plan.md", "", DELETE)], "A/plan.md", None),
        case("credit.missing", E, vec![e("A/account.toml", &credit_block, "")], "A/account.toml", Some("status = |\"active\"")),
        case("credit.currency", E, vec![e("A/account.toml", "currency = \"CNY\"", "currency = \"RMB\"")], "A/account.toml", Some("currency = |\"RMB\"")),
        case("credit.rating", E, vec![e("A/account.toml", "rating = \"A\"", "rating = \"A+\"")], "A/account.toml", Some("rating = |\"A+\"")),
        case("credit.over-limit", E, vec![e("A/account.toml", "limit = 5000000", "limit = 3000000")], "A/account.toml", Some("outstanding = |3200000")),
        case("credit.high-utilization", W, vec![e("A/account.toml", "limit = 5000000", "limit = 3600000")], "A/account.toml", Some("outstanding = |3200000")),
        case("credit.overdue-exceeds-outstanding", E, vec![e("A/account.toml", "overdue = 400000", "overdue = 4000000")], "A/account.toml", Some("overdue = |4000000")),
        case("credit.oldest-overdue", E, vec![e("A/account.toml", "oldest_overdue_days = 45", "oldest_overdue_days = 0")], "A/account.toml", Some("oldest_overdue_days = |0")),
        case("credit.overdue-too-old", E, vec![e("A/account.toml", "oldest_overdue_days = 45", "oldest_overdue_days = 120")], "A/account.toml", Some("oldest_overdue_days = |120")),
        case("credit.aging-sum", E, vec![e("A/account.toml", "current = 2800000", "current = 2900000")], "A/account.toml", Some("|[credit.aging]")),
        case(
            "credit.aging-overdue",
            E,
            vec![e("A/account.toml", "current = 2800000", "current = 2790000"), e("A/account.toml", "d1_30 = 250000", "d1_30 = 260000")],
            "A/account.toml",
            Some("|[credit.aging]"),
        ),
        case(
            "credit.aging-bucket",
            E,
            vec![e("A/account.toml", "d1_30 = 250000", "d1_30 = 400000"), e("A/account.toml", "d31_60 = 150000", "d31_60 = 0")],
            "A/account.toml",
            Some("|[credit.aging]"),
        ),
        case("credit.terms-too-long", E, vec![e("A/account.toml", "payment_terms_days = 60", "payment_terms_days = 120")], "A/account.toml", Some("payment_terms_days = |120")),
        case("credit.review-stale", W, vec![e("A/account.toml", "last_review = 2026-06-30", "last_review = 2025-01-01")], "A/account.toml", Some("|2025-01-01")),
        case("credit.approver-is-owner", E, vec![e("A/account.toml", "approved_by = \"fin.zhang\"", "approved_by = \"li.wei\"")], "A/account.toml", Some("approved_by = |\"li.wei\"")),
        case("credit.approver-not-listed", E, vec![e("A/account.toml", "approved_by = \"fin.zhang\"", "approved_by = \"bob\"")], "A/account.toml", Some("approved_by = |\"bob\"")),
        case("credit.hold-reason", E, vec![e("A/account.toml", "hold = false", "hold = true")], "A/account.toml", Some("hold = |true")),
        case("contact.duplicate-id", E, vec![e("A/contacts.toml", "id = \"chen-jie\"", "id = \"li-na\"")], "A/contacts.toml", Some("id = |\"li-na\"\nname = \"Chen Jie\"")),
        case("contact.reports-to-unknown", E, vec![e("A/contacts.toml", "reports_to = \"zhang-ming\"", "reports_to = \"zhang-mingg\"")], "A/contacts.toml", Some("|\"zhang-mingg\"")),
        case(
            "contact.reports-to-cycle",
            E,
            vec![e("A/contacts.toml", "id = \"wang-gang\"\n", "id = \"wang-gang\"\nreports_to = \"chen-jie\"\n")],
            "A/contacts.toml",
            Some("reports_to = |\"chen-jie\""),
        ),
        case("contact.link-unknown", E, vec![e("A/contacts.toml", "to = \"zhang-ming\"\nkind", "to = \"nobody\"\nkind")], "A/contacts.toml", Some("|\"nobody\"")),
        case("account.primary-interface-missing", E, vec![e("A/account.toml", "primary_interface = \"east-region\"\n", "")], "A/account.toml", Some("sales_units = |[")),
        case("account.primary-interface-unknown", E, vec![e("A/account.toml", "primary_interface = \"east-region\"", "primary_interface = \"west\"")], "A/account.toml", Some("|\"west\"")),
        case("complaint.resolution-missing", E, vec![e("A/account.toml", "resolution = \"Replaced within 48 h\"\n", "")], "A/account.toml", Some("closed = |2026-05-20")),
        case("complaint.closed-before-opened", E, vec![e("A/account.toml", "closed = 2026-05-20", "closed = 2026-04-01")], "A/account.toml", Some("closed = |2026-04-01")),
        case("review.stale", W, vec![e("dossier.toml", "today = 2026-11-01", "today = 2027-03-01")], "A/reviews/2026-09-30-q3-review.md", Some("date = |2026-09-30")),
        case("review.missing", W, vec![e("A/reviews/2026-09-30-q3-review.md", "", DELETE)], "A/reviews", None),
        case("review.attendee-unknown", E, vec![e("A/reviews/2026-09-30-q3-review.md", "[\"zhang-ming\"]", "[\"zhang-mign\"]")], "A/reviews/2026-09-30-q3-review.md", Some("|\"zhang-mign\"")),
        case("review.next-overdue", W, vec![e("A/reviews/2026-09-30-q3-review.md", "next_review = 2026-12-31", "next_review = 2026-10-20")], "A/reviews/2026-09-30-q3-review.md", Some("|2026-10-20")),
        case("action.overdue", W, vec![e("A/plan.md", "due = 2026-12-15", "due = 2026-10-15")], "A/plan.md", Some("due = |2026-10-15")),
        case("objective.overdue", W, vec![e("A/plan.md", "due = 2027-06-30", "due = 2026-09-15")], "A/plan.md", Some("|2026-09-15")),
        case(
            "portfolio.duplicate-customer",
            E,
            vec![e("content/accounts/acme-steel-2/account.toml", "", &ACCOUNT.replace("name = \"Acme Steel Co.\"", "name = \"Acme (dup)\"").replace("tier]\ndeclared = \"A\"", "tier]\ndeclared = \"A\"\noverride_reason = \"x\"").replace("declared = \"A\"\noverride_reason = \"x\"\noverride_reason = \"\"", "declared = \"A\"\noverride_reason = \"x\""))],
            "A/account.toml",
            Some("tax_id = |\"9131"),
        ),
        case("portfolio.top-tier-cap", W, vec![e("dossier.toml", "[credit]", "[portfolio]\nmax_top_tier_accounts = 0\n[credit]")], "dossier.toml", None),
        case("portfolio.owner-cap", W, vec![e("dossier.toml", "[credit]", "[portfolio]\nmax_accounts_per_owner = 0\n[credit]")], "dossier.toml", None),
        case("link.broken", E, vec![e("A/plan.md", "q3-review.md)", "q3-revue.md)")], "A/plan.md", Some("](|reviews/2026-09-30-q3-revue.md")),
        case("link.outside-root", E, vec![e("A/plan.md", "reviews/2026-09-30-q3-review.md", "../../../../etc/passwd")], "A/plan.md", Some("|../../../../etc/passwd")),
        case("markdown.unsafe-url", E, vec![e("A/plan.md", "reviews/2026-09-30-q3-review.md", "javascript:alert(1)")], "A/plan.md", Some("|javascript:alert(1)")),
        case("config.weights", E, vec![e("dossier.toml", "[credit]", "[scoring]\nweights = { value = 0.5, loyalty = 0.25, growth = 0.25, risk = 0.15 }\n[credit]")], "dossier.toml", Some("weights = |{")),
        case("config.tiers", E, vec![e("dossier.toml", "[credit]", "tiers = []\n[credit]")], "dossier.toml", Some("|tiers = []")),
        case("config.credit", E, vec![e("dossier.toml", "approvers =", "max_terms_days = { ZZZ = 10 }\napprovers =")], "dossier.toml", Some("{ |ZZZ")),
        case("config.rules", E, vec![e("dossier.toml", "[credit]", "[rules]\n\"credit.overlimit\" = \"off\"\n[credit]")], "dossier.toml", Some("|\"credit.overlimit\"")),
    ]
}

#[test]
fn base_site_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_site(dir.path(), &base_files());
    let found = check(dir.path());
    assert!(
        found.is_empty(),
        "base fixture must be clean, got {found:#?}"
    );
}

#[test]
fn every_rule_fixture_reports_code_severity_and_position() {
    let mut failures = Vec::new();
    let cases = cases();
    for (i, c) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = base_files();
        for (file, from, to) in &c.edits {
            let p = path(file);
            if to == DELETE {
                files.retain(|(f, _)| f != &p);
            } else if from.is_empty() {
                files.push((p, to.clone()));
            } else {
                let f = files
                    .iter_mut()
                    .find(|(f, _)| f == &p)
                    .unwrap_or_else(|| panic!("case {i}: no file {p}"));
                assert!(
                    f.1.contains(from.as_str()),
                    "case {i} ({}): {from:?} not in {p}",
                    c.code
                );
                f.1 = f.1.replacen(from.as_str(), to, 1);
            }
        }
        write_site(dir.path(), &files);
        let file = path(c.file);
        let expect = match c.at {
            Some(needle) => line_col(&files.iter().find(|(f, _)| f == &file).unwrap().1, needle),
            None => (1, 1),
        };
        let found = check(dir.path());
        let hit = found.iter().any(|d| {
            d.code == c.code
                && d.severity == c.severity
                && d.file == file
                && (d.line, d.column) == expect
        });
        if !hit {
            failures.push(format!(
                "case {i} {}: expected {:?} at {file}:{}:{}, got {:?}",
                c.code,
                c.severity,
                expect.0,
                expect.1,
                found
                    .iter()
                    .map(|d| format!(
                        "{} {:?} {}:{}:{}",
                        d.code, d.severity, d.file, d.line, d.column
                    ))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rule fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_fixture_or_a_dedicated_test() {
    // rules covered by dedicated tests elsewhere (binary input, renames, symlinks, build-time)
    let dedicated = [
        "file.invalid-utf8",
        "file.symlink",
        "file.slug",
        "file.review-name",
        "markdown.raw-html",
        "file.active-asset",
    ];
    let covered: Vec<&str> = cases().iter().map(|c| c.code).collect();
    for r in dossier::rules::ALL {
        assert!(
            covered.contains(&r.code) || dedicated.contains(&r.code),
            "rule {} has no fixture",
            r.code
        );
    }
}
