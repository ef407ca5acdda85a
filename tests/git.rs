//! Git history: throwaway repositories with fixed authors and dates.

mod common;

use common::*;
use dossier::date::Date;
use dossier::decimal::Money;
use dossier::git::{since_rules, FileState, History};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const ACC: &str = "content/accounts/acme-steel";

/// git with no user or system config, so the machine's settings cannot leak in.
fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir, args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Commit everything as `who` at `when` (RFC 3339); returns the full hash.
fn commit(dir: &Path, who: &str, when: &str, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    let out = git_cmd(
        dir,
        &[
            "-c",
            &format!("user.name={who}"),
            "-c",
            &format!("user.email={}@example.com", who.to_lowercase()),
            "commit",
            "-q",
            "-m",
            msg,
        ],
    )
    .env("GIT_AUTHOR_DATE", when)
    .env("GIT_COMMITTER_DATE", when)
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    git(dir, &["rev-parse", "HEAD"])
}

fn repo_with_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_site(tmp.path(), &base_files());
    git(tmp.path(), &["init", "-q"]);
    tmp
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn file_dates_authors_and_the_tier_timeline() {
    let tmp = repo_with_site();
    let d = tmp.path();
    let c1 = commit(d, "Alice", "2026-01-10T09:00:00Z", "Add Acme Steel");
    edit(
        d,
        &format!("{ACC}/account.toml"),
        "declared = \"A\"",
        "declared = \"B\"",
    );
    // 22:30 at UTC-5 is the next day in UTC: dates are UTC calendar dates.
    let c2 = commit(d, "Bob", "2026-02-15T22:30:00-05:00", "Acme to tier B");
    edit(
        d,
        &format!("{ACC}/account.toml"),
        "limit = 5000000",
        "limit = 6000000",
    );
    edit(
        d,
        &format!("{ACC}/account.toml"),
        "approved_on = 2026-06-30",
        "approved_on = 2026-03-01",
    );
    let c3 = commit(d, "Carol", "2026-03-01T08:00:00Z", "Raise the Acme limit");
    edit(
        d,
        &format!("{ACC}/account.toml"),
        "industry = \"Steel\"",
        "industry = \"Metals\"",
    );
    edit(
        d,
        &format!("{ACC}/plan.md"),
        "## Strategy",
        "## Strategy and goals",
    );
    let c4 = commit(d, "Dave", "2026-03-20T12:00:00Z", "Wording");

    let h = History::load(d);
    assert!(h.available && !h.shallow);
    assert_eq!(h.head.as_deref(), Some(c4.as_str()));

    let plan = h.file(&format!("{ACC}/plan.md")).unwrap();
    assert_eq!(plan.state, FileState::Committed);
    let (last, first) = (plan.last.as_ref().unwrap(), plan.first.as_ref().unwrap());
    assert_eq!(
        (last.author.as_str(), last.date, last.id.as_str()),
        ("Dave", date("2026-03-20"), c4.as_str())
    );
    assert_eq!(last.email, "dave@example.com");
    assert_eq!(last.subject, "Wording");
    assert!(c4.starts_with(&last.short));
    assert_eq!(
        (first.author.as_str(), first.date),
        ("Alice", date("2026-01-10"))
    );
    let review = h
        .file(&format!("{ACC}/reviews/2026-09-30-q3-review.md"))
        .unwrap();
    assert_eq!(review.last.as_ref().unwrap().id, c1);
    assert!(h.file("dossier.toml").is_none(), "only content/ is read");

    let acc = h.account("acme-steel").unwrap();
    assert!(!acc.uncommitted);
    assert_eq!(acc.last.as_ref().unwrap().id, c4);
    // Dave's commit changed no tier or credit fact: three points, not four.
    let got: Vec<_> = acc
        .changes
        .iter()
        .map(|p| {
            (
                p.commit.id.clone(),
                p.commit.author.clone(),
                p.commit.date.to_string(),
                p.declared_tier.clone().unwrap(),
                p.credit_limit.unwrap(),
            )
        })
        .collect();
    let m = |units: i64| Money(units * 100);
    assert_eq!(
        got,
        vec![
            (
                c1,
                "Alice".into(),
                "2026-01-10".into(),
                "A".into(),
                m(5_000_000)
            ),
            (
                c2.clone(),
                "Bob".into(),
                "2026-02-16".into(),
                "B".into(),
                m(5_000_000)
            ),
            (
                c3.clone(),
                "Carol".into(),
                "2026-03-01".into(),
                "B".into(),
                m(6_000_000)
            ),
        ]
    );
    let p = &acc.changes[0];
    assert_eq!(p.rating.as_deref(), Some("A"));
    assert_eq!(p.payment_terms_days, Some(60));
    assert_eq!(p.approved_by.as_deref(), Some("fin.zhang"));
    assert_eq!(p.approved_on, Some(date("2026-06-30")));
    assert_eq!(p.scores.len(), 4);
    assert_eq!(acc.changes[2].approved_on, Some(date("2026-03-01")));

    let recent: Vec<_> = h
        .recent(date("2026-02-16"))
        .into_iter()
        .map(|r| (r.date.to_string(), r.kind, r.detail, r.commit.id))
        .collect();
    assert_eq!(
        recent,
        vec![
            (
                "2026-03-01".into(),
                "limit",
                "5,000,000 → 6,000,000".into(),
                c3
            ),
            ("2026-02-16".into(), "tier", "A → B".into(), c2),
        ]
    );
    let all: Vec<_> = h
        .recent(date("2026-01-01"))
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(all, ["limit", "tier", "new-account", "new-review"]);
}

#[test]
fn a_renamed_account_folder_keeps_its_history() {
    let tmp = repo_with_site();
    let d = tmp.path();
    let c1 = commit(d, "Alice", "2026-01-10T09:00:00Z", "Add Acme Steel");
    git(d, &["mv", ACC, "content/accounts/acme-steel-group"]);
    let c2 = commit(d, "Bob", "2026-02-01T09:00:00Z", "Rename");
    let new = "content/accounts/acme-steel-group";
    edit(
        d,
        &format!("{new}/account.toml"),
        "limit = 5000000",
        "limit = 7000000",
    );
    let c3 = commit(d, "Carol", "2026-03-01T09:00:00Z", "Raise");

    let h = History::load(d);
    assert!(h.account("acme-steel").is_none());
    let acc = h.account("acme-steel-group").unwrap();
    let ids: Vec<_> = acc.changes.iter().map(|p| p.commit.id.clone()).collect();
    assert_eq!(ids, [c1.clone(), c3.clone()]);
    assert_eq!(acc.last.as_ref().unwrap().id, c3);
    let plan = h.file(&format!("{new}/plan.md")).unwrap();
    assert_eq!(plan.first.as_ref().unwrap().id, c1);
    assert_eq!(plan.last.as_ref().unwrap().id, c2);
    assert!(h.file(&format!("{ACC}/plan.md")).is_none());
    // the new account is not "new" again after the rename
    let kinds: Vec<_> = h
        .recent(date("2026-01-15"))
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, ["limit"]);
}

#[test]
fn a_site_in_a_subfolder_of_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("playbooks");
    write_site(&site, &base_files());
    git(tmp.path(), &["init", "-q"]);
    std::fs::write(tmp.path().join("README.md"), "x").unwrap();
    let c1 = commit(tmp.path(), "Alice", "2026-01-10T09:00:00Z", "Add");
    let h = History::load(&site);
    assert_eq!(
        h.file(&format!("{ACC}/account.toml"))
            .unwrap()
            .last
            .as_ref()
            .unwrap()
            .id,
        c1
    );
    assert_eq!(h.account("acme-steel").unwrap().changes.len(), 1);
}

#[test]
fn a_shallow_clone_is_reported() {
    let tmp = repo_with_site();
    let d = tmp.path();
    commit(d, "Alice", "2026-01-10T09:00:00Z", "one");
    edit(
        d,
        &format!("{ACC}/account.toml"),
        "declared = \"A\"",
        "declared = \"B\"",
    );
    commit(d, "Bob", "2026-02-10T09:00:00Z", "two");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", d.display());
    git(clone.path(), &["clone", "-q", "--depth", "1", &url, "c"]);
    let c = clone.path().join("c");
    let h = History::load(&c);
    assert!(h.available && h.shallow);
    // the only commit looks like the account's first version
    assert_eq!(h.account("acme-steel").unwrap().changes.len(), 1);
    let site = dossier::load::load(&c, None).unwrap();
    let err = since_rules(&c, "HEAD~1", &site).unwrap_err();
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0"),
        "{err}"
    );
    assert!(!History::load(d).shallow);
}

#[test]
fn no_repository_empty_repository_and_dirty_tree() {
    // not a repository: nothing, and no error
    let tmp = tempfile::tempdir().unwrap();
    write_site(tmp.path(), &base_files());
    let h = History::load(tmp.path());
    assert!(!h.available && h.head.is_none());
    assert!(h.file(&format!("{ACC}/account.toml")).is_none());
    assert!(h.account("acme-steel").is_none() && h.recent(date("2000-01-01")).is_empty());
    let site = dossier::load::load(tmp.path(), None).unwrap();
    assert!(since_rules(tmp.path(), "HEAD", &site)
        .unwrap_err()
        .contains("not in a git repository"));

    // an empty repository: every file untracked
    git(tmp.path(), &["init", "-q"]);
    let h = History::load(tmp.path());
    assert!(h.available && h.head.is_none());
    let f = h.file(&format!("{ACC}/account.toml")).unwrap();
    assert_eq!((f.state, f.last.is_none()), (FileState::Untracked, true));
    let acc = h.account("acme-steel").unwrap();
    assert!(acc.uncommitted && acc.changes.is_empty() && acc.last.is_none());
    assert!(since_rules(tmp.path(), "HEAD", &site)
        .unwrap_err()
        .contains("unknown revision"));

    // committed, then edited and a new note not yet added
    let c1 = commit(tmp.path(), "Alice", "2026-01-10T09:00:00Z", "Add");
    edit(
        tmp.path(),
        &format!("{ACC}/plan.md"),
        "## Strategy",
        "## Strategy (draft)",
    );
    let note = format!("{ACC}/reviews/2026-10-20-visit.md");
    std::fs::write(
        tmp.path().join(&note),
        REVIEW.replace("2026-09-30", "2026-10-20"),
    )
    .unwrap();
    let h = History::load(tmp.path());
    let plan = h.file(&format!("{ACC}/plan.md")).unwrap();
    assert_eq!(plan.state, FileState::Modified);
    assert_eq!(
        plan.last.as_ref().unwrap().id,
        c1,
        "the last commit is still known"
    );
    assert_eq!(h.file(&note).unwrap().state, FileState::Untracked);
    let acc = h.account("acme-steel").unwrap();
    assert!(acc.uncommitted);
    assert_eq!(
        h.file(&format!("{ACC}/account.toml")).unwrap().state,
        FileState::Committed
    );
    // uncommitted work never shows up as a dated change
    assert_eq!(h.recent(date("2026-01-11")).len(), 0);
}

#[test]
fn commit_links() {
    let h = "0123abc";
    let url = |repo, tpl| History::commit_url(repo, tpl, h);
    assert_eq!(
        url(Some("https://github.com/acme/playbooks"), None).as_deref(),
        Some("https://github.com/acme/playbooks/commit/0123abc")
    );
    assert_eq!(
        url(
            Some("https://gitlab.example.com/sales/playbooks.git/"),
            None
        )
        .as_deref(),
        Some("https://gitlab.example.com/sales/playbooks/-/commit/0123abc")
    );
    assert_eq!(
        url(Some("https://gitea.example.com/sales/playbooks"), None).as_deref(),
        Some("https://gitea.example.com/sales/playbooks/commit/0123abc")
    );
    assert_eq!(
        url(Some("git@github.com:acme/playbooks.git"), None).as_deref(),
        Some("https://github.com/acme/playbooks/commit/0123abc")
    );
    assert_eq!(
        url(
            Some("https://github.com/a/b"),
            Some("https://git.example/org/repo/commit/{hash}")
        )
        .as_deref(),
        Some("https://git.example/org/repo/commit/0123abc")
    );
    assert_eq!(url(None, None), None);
    assert_eq!(url(Some("javascript:alert(1)"), None), None);
    assert_eq!(url(None, Some("javascript:{hash}")), None);
    assert_eq!(
        History::commit_url(Some("https://github.com/a/b"), None, "x\"><"),
        None
    );
}

/// (code, file, line) of the `--since` findings, each line quoted for failure messages.
fn since(dir: &Path, rev: &str) -> Vec<(&'static str, String, String)> {
    let site = dossier::load::load(dir, None).unwrap();
    since_rules(dir, rev, &site)
        .unwrap()
        .iter()
        .map(|d| {
            let p = dossier::diag::place(d, &site.sources);
            let line = site
                .sources
                .get(&p.file)
                .unwrap()
                .line_text(p.line)
                .to_string();
            (p.code, p.file, line)
        })
        .collect()
}

#[test]
fn since_limit_raised_without_approval() {
    let tmp = repo_with_site();
    let d = tmp.path();
    commit(d, "Alice", "2026-01-10T09:00:00Z", "Add");
    let acct = format!("{ACC}/account.toml");
    edit(d, &acct, "limit = 5000000", "limit = 5500000");
    assert_eq!(
        since(d, "HEAD"),
        [(
            "since.limit-raised-without-approval",
            acct.clone(),
            "limit = 5500000".to_string()
        )]
    );
    // a lower limit needs no approval
    edit(d, &acct, "limit = 5500000", "limit = 4000000");
    assert!(since(d, "HEAD").is_empty());
    // a raise with a new approval date passes
    edit(d, &acct, "limit = 4000000", "limit = 5500000");
    edit(
        d,
        &acct,
        "approved_on = 2026-06-30",
        "approved_on = 2026-10-30",
    );
    assert!(since(d, "HEAD").is_empty());
}

#[test]
fn since_tier_changed_without_review_on_a_branch() {
    let tmp = repo_with_site();
    let d = tmp.path();
    commit(d, "Alice", "2026-01-10T09:00:00Z", "Add");
    git(d, &["checkout", "-q", "-b", "pr"]);
    // main moves a tier (properly, with a note) after the branch point: compared with
    // the merge base, that is not the branch's change
    git(d, &["checkout", "-q", "main"]);
    let acct = format!("{ACC}/account.toml");
    edit(d, &acct, "declared = \"A\"", "declared = \"B\"");
    let note = |date: &str, words: &str| {
        let rel = format!("{ACC}/reviews/{date}-{words}.md");
        std::fs::write(d.join(&rel), REVIEW.replace("2026-09-30", date)).unwrap();
    };
    note("2026-10-01", "tier-b");
    commit(d, "Carol", "2026-02-01T09:00:00Z", "Acme to B");
    git(d, &["checkout", "-q", "pr"]);
    edit(
        d,
        &format!("{ACC}/plan.md"),
        "## Strategy",
        "## Strategy (v2)",
    );
    commit(d, "Bob", "2026-02-10T09:00:00Z", "Plan wording");
    assert!(since(d, "main").is_empty());

    edit(d, &acct, "declared = \"A\"", "declared = \"C\"");
    assert_eq!(
        since(d, "main"),
        [(
            "since.tier-changed-without-review",
            acct.clone(),
            "declared = \"C\"".to_string()
        )]
    );
    // an untracked note counts as added
    note("2026-10-20", "tier-c");
    assert!(since(d, "main").is_empty());
    // and so does a committed one
    commit(d, "Bob", "2026-02-12T09:00:00Z", "Acme to C");
    assert!(since(d, "main").is_empty());
    assert!(since(d, "HEAD").is_empty());
}

#[test]
fn since_contact_removed_still_named() {
    let tmp = repo_with_site();
    let d = tmp.path();
    let plan = format!("{ACC}/plan.md");
    edit(d, &plan, "owner = \"chen.yu\"", "owner = \"li-na\"");
    commit(d, "Alice", "2026-01-10T09:00:00Z", "Add");
    let contacts = format!("{ACC}/contacts.toml");
    let text = std::fs::read_to_string(d.join(&contacts)).unwrap();
    // drop zhang-ming (a review attendee) and li-na (owner of an open plan action);
    // their reports keep pointing at wang-gang so only the new rule is in play
    let kept: Vec<&str> = text
        .split("[[contact]]")
        .filter(|c| !c.contains("\"zhang-ming\"\nname") && !c.contains("\"li-na\"\nname"))
        .collect();
    let text = kept
        .join("[[contact]]")
        .replace("reports_to = \"zhang-ming\"", "reports_to = \"wang-gang\"");
    let text = text.split("[[link]]").next().unwrap().to_string();
    std::fs::write(d.join(&contacts), text).unwrap();
    let review = format!("{ACC}/reviews/2026-09-30-q3-review.md");
    assert_eq!(
        since(d, "HEAD"),
        [
            (
                "since.contact-removed-still-named",
                plan.clone(),
                "owner = \"li-na\"".to_string()
            ),
            (
                "since.contact-removed-still-named",
                review,
                "attendees = [\"zhang-ming\"]".to_string()
            ),
        ]
    );
    // a finished action no longer counts
    edit(d, &plan, "status = \"open\"", "status = \"done\"");
    assert_eq!(since(d, "HEAD").len(), 1);
}

#[test]
fn a_thousand_accounts_three_commits_each() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    git(d, &["init", "-q"]);
    let (accounts, t0) = (1000, 1_767_225_600i64); // 2026-01-01T00:00:00Z
    let mut stream = String::new();
    let data = |s: &mut String, text: &str| s.push_str(&format!("data {}\n{text}\n", text.len()));
    for round in 0..3 {
        for a in 0..accounts {
            let ts = t0 + (round * accounts + a) * 60;
            let text = match round {
                0 => ACCOUNT.to_string(),
                1 => ACCOUNT.replace("declared = \"A\"", "declared = \"B\""),
                _ => ACCOUNT
                    .replace("declared = \"A\"", "declared = \"B\"")
                    .replace("limit = 5000000", "limit = 6000000"),
            };
            stream.push_str(&format!(
                "commit refs/heads/main\nauthor Gen <gen@example.com> {ts} +0000\ncommitter Gen <gen@example.com> {ts} +0000\n"
            ));
            data(&mut stream, &format!("round {round} account {a}"));
            let dir = format!("content/accounts/acct-{a:04}");
            stream.push_str(&format!("M 100644 inline {dir}/account.toml\n"));
            data(&mut stream, &text);
            if round == 0 {
                stream.push_str(&format!("M 100644 inline {dir}/contacts.toml\n"));
                data(&mut stream, CONTACTS);
            }
        }
    }
    let mut fi = git_cmd(d, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    fi.stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(fi.wait().unwrap().success());
    git(d, &["reset", "-q", "--hard", "main"]);

    let t = std::time::Instant::now();
    let h = History::load(d);
    let took = t.elapsed();
    println!(
        "History::load: {accounts} accounts × 3 commits (3,000 commits) in {:.3} s",
        took.as_secs_f64()
    );
    let acc = h.account("acct-0500").unwrap();
    assert_eq!(acc.changes.len(), 3);
    assert!(!acc.uncommitted);
    assert_eq!(h.recent(date("2026-01-01")).len(), 3 * accounts as usize);
}
