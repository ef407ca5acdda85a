//! Git history of the site: when and by whom each file last changed, each account's
//! tier and credit timeline, recent portfolio changes, and the `check --since REV` rules
//! that need a diff (for CI on pull requests).
//!
//! History is optional: outside a repository, without `git`, or in an empty repository
//! everything is simply empty. We run the `git` binary (no libgit2 dependency) a fixed
//! number of times per site, never once per file: one `rev-parse`, one `status`, one
//! `log --raw` over `content/` and one `cat-file --batch` for every account.toml version.
//! All dates come from commits, so the output does not depend on when it is built.

use crate::date::Date;
use crate::decimal::{Decimal, Money};
use crate::diag::Diagnostic;
use crate::load::{frontmatter, Loaded};
use crate::model::Sp;
use crate::rules::{Rule, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub static LIMIT_RAISED: Rule = Rule {
    code: "since.limit-raised-without-approval",
    severity: Severity::Error,
    summary: "`credit.limit` was raised since the base revision but `approved_by` and `approved_on` are unchanged.",
    fix: "A raise needs a new approval: record who approved the new limit (`approved_by`) and when (`approved_on`).",
};
pub static TIER_CHANGED: Rule = Rule {
    code: "since.tier-changed-without-review",
    severity: Severity::Error,
    summary: "`tier.declared` changed since the base revision but no review note was added for the account.",
    fix: "Add a review note under the account's reviews/ that records the tier decision.",
};
pub static CONTACT_REMOVED: Rule = Rule {
    code: "since.contact-removed-still-named",
    severity: Severity::Error,
    summary: "A contact was deleted from contacts.toml but a review still lists them as an attendee or an open action as its owner.",
    fix: "Keep the contact with `status = \"left\"` instead of deleting them, or reassign the open action.",
};
/// The rules `check --since` adds, for the rule catalogue and `[rules]` levels.
pub static SINCE_RULES: &[&Rule] = &[&LIMIT_RAISED, &TIER_CHANGED, &CONTACT_REMOVED];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    pub id: String,
    pub short: String,
    pub author: String,
    pub email: String,
    /// Author date as a UTC calendar date.
    pub date: Date,
    pub timestamp: i64,
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    Committed,
    /// Uncommitted edits (staged or not).
    Modified,
    Untracked,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileFacts {
    pub last: Option<Commit>,
    pub state: FileState,
    pub first: Option<Commit>,
}

/// One version of an account's tier and credit facts, as committed.
#[derive(Debug, Clone, Serialize)]
pub struct TierCreditPoint {
    pub commit: Commit,
    pub declared_tier: Option<String>,
    pub scores: Vec<(String, i64)>,
    pub credit_limit: Option<Money>,
    pub rating: Option<String>,
    pub payment_terms_days: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_on: Option<Date>,
}

impl TierCreditPoint {
    fn same_facts(&self, o: &TierCreditPoint) -> bool {
        (
            &self.declared_tier,
            &self.scores,
            self.credit_limit,
            &self.rating,
            self.payment_terms_days,
            &self.approved_by,
            self.approved_on,
        ) == (
            &o.declared_tier,
            &o.scores,
            o.credit_limit,
            &o.rating,
            o.payment_terms_days,
            &o.approved_by,
            o.approved_on,
        )
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountHistory {
    pub slug: String,
    /// Oldest first: the first version, then only versions where a tier or credit fact changed.
    pub changes: Vec<TierCreditPoint>,
    /// The newest commit touching any file of the account.
    pub last: Option<Commit>,
    /// Some file of the account has uncommitted edits or is untracked.
    pub uncommitted: bool,
}

/// One line of the dashboard's "recent changes".
#[derive(Debug, Clone, Serialize)]
pub struct RecentChange {
    pub date: Date,
    pub slug: String,
    /// "tier" | "limit" | "new-account" | "new-review"
    pub kind: &'static str,
    pub detail: String,
    pub commit: Commit,
}

#[derive(Debug, Clone, Default)]
pub struct History {
    /// False when the root is not in a git repository or git is missing: all empty.
    pub available: bool,
    /// A shallow clone: history is truncated, dates and "first" commits are wrong.
    pub shallow: bool,
    pub head: Option<String>,
    files: BTreeMap<String, FileFacts>,
    accounts: BTreeMap<String, AccountHistory>,
}

impl History {
    pub fn load(root: &Path) -> History {
        let Some(repo) = Repo::open(root) else {
            return History::default();
        };
        let t = std::time::Instant::now();
        let dirty = repo.status(root);
        crate::timing("git status", t);
        // Staged renames: the log knows the file under its old name.
        let mut alias: HashMap<String, Option<String>> = dirty
            .iter()
            .filter_map(|d| Some((d.orig.clone()?, Some(d.path.clone()))))
            .collect();
        let t = std::time::Instant::now();
        let (commits, entries) = if repo.head.is_some() {
            repo.log(root)
        } else {
            Default::default()
        };
        crate::timing("git log", t);

        // Walk newest first, mapping every path to the current path of its file: a
        // rename sends the older name to the newer one's target; an add or delete ends a
        // lineage, so older files that once had the same name are not mixed in.
        // current path → (newest, oldest) commit index
        let mut span_of: HashMap<String, (usize, usize)> = HashMap::new();
        let mut account_last: HashMap<String, usize> = HashMap::new();
        let mut versions: Vec<(String, usize, String)> = Vec::new(); // slug, commit, blob
        for e in &entries {
            let cur = alias
                .get(&e.path)
                .cloned()
                .unwrap_or_else(|| Some(e.path.clone()));
            match e.status {
                b'D' => {
                    alias.insert(e.path.clone(), None);
                    continue;
                }
                b'R' => {
                    alias.insert(e.old.clone().unwrap_or_default(), cur.clone());
                    alias.insert(e.path.clone(), None);
                }
                b'A' | b'C' => {
                    alias.insert(e.path.clone(), None);
                }
                _ => {}
            }
            let Some(cur) = cur else { continue };
            span_of
                .entry(cur.clone())
                .and_modify(|s| s.1 = e.commit)
                .or_insert((e.commit, e.commit));
            if let Some((slug, rest)) = account_path(&cur) {
                account_last.entry(slug.to_string()).or_insert(e.commit);
                if rest == "account.toml" {
                    versions.push((slug.to_string(), e.commit, e.blob.clone()));
                }
            }
        }

        let mut h = History {
            available: true,
            shallow: repo.shallow,
            head: repo.head.clone(),
            ..History::default()
        };
        for (path, (last, first)) in span_of {
            let facts = FileFacts {
                last: Some(commits[last].clone()),
                state: FileState::Committed,
                first: Some(commits[first].clone()),
            };
            h.files.insert(path, facts);
        }
        for d in &dirty {
            h.files
                .entry(d.path.clone())
                .or_insert(FileFacts {
                    last: None,
                    state: d.state,
                    first: None,
                })
                .state = d.state;
            if let Some((slug, _)) = account_path(&d.path) {
                h.account_mut(slug).uncommitted = true;
            }
        }
        for (slug, c) in account_last {
            h.account_mut(&slug).last = Some(commits[c].clone());
        }

        let ids: Vec<String> = versions.iter().map(|v| v.2.clone()).collect();
        let t = std::time::Instant::now();
        let blobs = cat_batch(root, &ids);
        crate::timing("git blobs", t);
        let t = std::time::Instant::now();
        let limits = crate::config::Config::default().limits;
        let mut points: Vec<(String, usize, TierCreditPoint)> = versions
            .into_par_iter()
            .zip(blobs)
            .filter_map(|((slug, c, _), blob)| {
                // An unparseable version says nothing about the facts: skip it.
                let f = fields(&text_of(blob?, &limits)?)?;
                let point = TierCreditPoint {
                    commit: commits[c].clone(),
                    declared_tier: f.tier.map(|t| t.v),
                    scores: f.scores,
                    credit_limit: f.limit.map(|l| l.v),
                    rating: f.rating,
                    payment_terms_days: f.terms,
                    approved_by: f.approved_by.map(|a| a.v),
                    approved_on: f.approved_on.map(|d| d.v),
                };
                Some((slug, c, point))
            })
            .collect();
        // Oldest first: log order is newest first, so larger commit indices are older.
        points.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        for (slug, _, p) in points {
            let acc = h.account_mut(&slug);
            if acc.changes.last().is_none_or(|prev| !prev.same_facts(&p)) {
                acc.changes.push(p);
            }
        }
        crate::timing("git facts", t);
        h
    }

    fn account_mut(&mut self, slug: &str) -> &mut AccountHistory {
        self.accounts
            .entry(slug.to_string())
            .or_insert_with(|| AccountHistory {
                slug: slug.to_string(),
                ..AccountHistory::default()
            })
    }

    /// Facts of a file; `rel` is relative to the site root with `/` separators.
    pub fn file(&self, rel: &str) -> Option<&FileFacts> {
        self.files.get(rel)
    }

    pub fn account(&self, slug: &str) -> Option<&AccountHistory> {
        self.accounts.get(slug)
    }

    /// Tier moves, limit changes, new accounts and new review notes committed on or
    /// after `since`, newest first.
    pub fn recent(&self, since: Date) -> Vec<RecentChange> {
        let mut out = Vec::new();
        let mut push = |c: &Commit, slug: &str, kind, detail: String| {
            out.push(RecentChange {
                date: c.date,
                slug: slug.to_string(),
                kind,
                detail,
                commit: c.clone(),
            })
        };
        for (slug, acc) in &self.accounts {
            for (i, p) in acc.changes.iter().enumerate() {
                if p.commit.date < since {
                    continue;
                }
                let Some(prev) = i.checked_sub(1).map(|j| &acc.changes[j]) else {
                    let detail = format!(
                        "tier {}, limit {}",
                        p.declared_tier.as_deref().unwrap_or("none"),
                        money(p.credit_limit)
                    );
                    push(&p.commit, slug, "new-account", detail);
                    continue;
                };
                if prev.declared_tier != p.declared_tier {
                    let detail = format!(
                        "{} → {}",
                        prev.declared_tier.as_deref().unwrap_or("none"),
                        p.declared_tier.as_deref().unwrap_or("none")
                    );
                    push(&p.commit, slug, "tier", detail);
                }
                if prev.credit_limit != p.credit_limit {
                    let detail =
                        format!("{} → {}", money(prev.credit_limit), money(p.credit_limit));
                    push(&p.commit, slug, "limit", detail);
                }
            }
        }
        for (path, f) in &self.files {
            let Some((slug, rest)) = account_path(path) else {
                continue;
            };
            let Some(stem) = rest
                .strip_prefix("reviews/")
                .and_then(|r| r.strip_suffix(".md"))
            else {
                continue;
            };
            if let Some(c) = f.first.as_ref().filter(|c| c.date >= since) {
                push(c, slug, "new-review", stem.to_string());
            }
        }
        out.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.commit.timestamp),
                &a.slug,
                a.kind,
                &a.detail,
            )
                .cmp(&(
                    std::cmp::Reverse(b.commit.timestamp),
                    &b.slug,
                    b.kind,
                    &b.detail,
                ))
        });
        out
    }

    /// A web link to a commit. `template` (`…/commit/{hash}`) wins; else it is derived
    /// from `repo_url`: `/-/commit/` on GitLab hosts, `/commit/` on GitHub, Gitea and
    /// others. Only http(s) links, and only for hex hashes, so nothing unsafe reaches a page.
    pub fn commit_url(
        repo_url: Option<&str>,
        template: Option<&str>,
        hash: &str,
    ) -> Option<String> {
        if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
        if let Some(t) = template
            .map(str::trim)
            .filter(|t| web(t) && t.contains("{hash}"))
        {
            return Some(t.replace("{hash}", hash));
        }
        let url = repo_url?.trim();
        // `git@host:org/repo.git` is the same repository as `https://host/org/repo`.
        let url = match url.strip_prefix("git@").and_then(|r| r.split_once(':')) {
            Some((host, path)) => format!("https://{host}/{path}"),
            None => url.to_string(),
        };
        let url = url.trim_end_matches('/');
        let url = url.strip_suffix(".git").unwrap_or(url);
        if !web(url) {
            return None;
        }
        let host = url
            .split("://")
            .nth(1)?
            .split('/')
            .next()?
            .to_ascii_lowercase();
        let sep = if host.contains("gitlab") {
            "/-/commit/"
        } else if host.contains("bitbucket") {
            "/commits/"
        } else {
            "/commit/"
        };
        Some(format!("{url}{sep}{hash}"))
    }
}

/// The diff rules of `check --since REV`: the working tree against `rev` (more exactly,
/// against the merge base of `rev` and HEAD, so changes that landed on `rev` after the
/// branch point are not blamed on the branch). Findings point into the current files.
pub fn since_rules(root: &Path, rev: &str, site: &Loaded) -> Result<Vec<Diagnostic>, String> {
    let repo = Repo::open(root).ok_or_else(|| {
        format!(
            "`--since` needs git history, but `{}` is not in a git repository (or git is not installed)",
            root.display()
        )
    })?;
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    let spec = format!("{rev}^{{commit}}");
    let Some(base) = git(root, &["rev-parse", "--verify", "-q", &spec]).and_then(line) else {
        let hint = if repo.shallow {
            "; this is a shallow clone: fetch the full history (`fetch-depth: 0` / `GIT_DEPTH: 0`)"
        } else {
            ""
        };
        return Err(format!("unknown revision `{rev}`{hint}"));
    };
    let base = git(root, &["merge-base", &base, "HEAD"])
        .and_then(line)
        .unwrap_or(base);

    // What changed between `base` and the working tree (tracked), plus untracked files.
    let diff = git(
        root,
        &[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--no-color",
            &base,
            "--",
            "content/",
        ],
    )
    .ok_or("`git diff` failed")?;
    let mut old_path: HashMap<String, String> = HashMap::new(); // current → at base
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut toks = nul_tokens(&diff).into_iter();
    while let Some(st) = toks.next() {
        let two = st.starts_with('R') || st.starts_with('C');
        let (Some(a), b) = (toks.next(), if two { toks.next() } else { None }) else {
            break;
        };
        let (Some(a), b) = (repo.rel(&a), b.as_deref().and_then(|b| repo.rel(b))) else {
            continue;
        };
        match (st.as_bytes()[0], b) {
            (b'R', Some(new)) => {
                old_path.insert(new, a);
            }
            (b'C', Some(new)) => {
                added.insert(new);
            }
            (b'A', _) => {
                added.insert(a);
            }
            // Modified, type change, deleted: the file existed at base under this name.
            _ => {
                old_path.insert(a.clone(), a);
            }
        }
    }
    let others = git(
        root,
        &[
            "ls-files",
            "--others",
            "--exclude-standard",
            "--full-name",
            "-z",
            "--",
            "content/",
        ],
    )
    .unwrap_or_default();
    added.extend(nul_tokens(&others).iter().filter_map(|p| repo.rel(p)));

    // The base versions of the changed account.toml and contacts.toml files, in one batch.
    let mut wanted: Vec<(usize, &str, String)> = Vec::new(); // account, file, path at base
    for (i, acc) in site.accounts.iter().enumerate() {
        for name in ["account.toml", "contacts.toml"] {
            // a newline would break cat-file's one-name-per-line protocol
            if let Some(old) = old_path.get(&acc.file(name)).filter(|p| !p.contains('\n')) {
                wanted.push((i, name, old.clone()));
            }
        }
    }
    let specs: Vec<String> = wanted
        .iter()
        .map(|(_, _, p)| format!("{base}:{}{p}", repo.prefix))
        .collect();
    let limits = &site.config.limits;
    let mut before: HashMap<(usize, &str), String> = HashMap::new();
    for ((i, name, _), blob) in wanted.iter().zip(cat_batch(root, &specs)) {
        if let Some(text) = blob.and_then(|b| text_of(b, limits)) {
            before.insert((*i, *name), text);
        }
    }

    let mut out = Vec::new();
    for (i, acc) in site.accounts.iter().enumerate() {
        let path = acc.file("account.toml");
        if let (Some(old), Some(new)) = (
            before.get(&(i, "account.toml")).and_then(|t| fields(t)),
            site.sources.get(&path).and_then(|s| fields(&s.text)),
        ) {
            if let (Some(o), Some(n)) = (&old.limit, &new.limit) {
                let same_approval = old.approved_by.as_ref().map(|a| &a.v)
                    == new.approved_by.as_ref().map(|a| &a.v)
                    && old.approved_on.as_ref().map(|d| d.v)
                        == new.approved_on.as_ref().map(|d| d.v);
                if n.v > o.v && same_approval {
                    out.push(
                        Diagnostic::new(
                            &LIMIT_RAISED,
                            &path,
                            Some(n.span.clone()),
                            format!(
                                "credit limit raised from {} to {} since `{rev}`, but `approved_by` and `approved_on` are unchanged",
                                o.v.grouped(),
                                n.v.grouped()
                            ),
                        )
                        .help("record the new approval: set `approved_by` to the approver of the raise and `approved_on` to its date"),
                    );
                }
            }
            if let (Some(o), Some(n)) = (&old.tier, &new.tier) {
                let reviews = format!("{}/reviews/", acc.dir);
                if o.v != n.v && !added.iter().any(|p| p.starts_with(&reviews)) {
                    out.push(
                        Diagnostic::new(
                            &TIER_CHANGED,
                            &path,
                            Some(n.span.clone()),
                            format!(
                                "declared tier changed from {} to {} since `{rev}`, but no review note was added",
                                o.v, n.v
                            ),
                        )
                        .help(format!(
                            "add a review note under {reviews} recording the tier decision"
                        )),
                    );
                }
            }
        }
        if let Some(old) = before.get(&(i, "contacts.toml")) {
            let now: BTreeSet<&str> = acc
                .contacts
                .iter()
                .flat_map(|c| &c.contacts)
                .map(|c| c.id.v.as_str())
                .collect();
            let removed: BTreeSet<String> = contact_ids(old)
                .into_iter()
                .filter(|id| !now.contains(id.as_str()))
                .collect();
            if !removed.is_empty() {
                removed_still_named(acc, site, &removed, rev, &mut out);
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.file, a.span.as_ref().map(|s| s.start))
            .cmp(&(&b.file, b.span.as_ref().map(|s| s.start)))
    });
    Ok(out)
}

fn removed_still_named(
    acc: &crate::model::Account,
    site: &Loaded,
    removed: &BTreeSet<String>,
    rev: &str,
    out: &mut Vec<Diagnostic>,
) {
    let diag = |file: &str, span, id: &str, what: &str| {
        Diagnostic::new(
            &CONTACT_REMOVED,
            file,
            Some(span),
            format!("contact `{id}` was removed from contacts.toml since `{rev}` but is still named {what}"),
        )
        .help(format!(
            "keep `{id}` in contacts.toml with `status = \"left\"` instead of deleting them, or correct this reference"
        ))
    };
    for r in &acc.reviews {
        for a in r.attendees.iter().filter(|a| removed.contains(&a.v)) {
            out.push(diag(&r.file, a.span.clone(), &a.v, "as an attendee"));
        }
    }
    let docs = acc
        .plan
        .iter()
        .map(|p| p.body.file.as_str())
        .chain(acc.reviews.iter().map(|r| r.file.as_str()));
    for file in docs {
        let Some(src) = site.sources.get(file) else {
            continue;
        };
        for owner in open_action_owners(&src.text) {
            if removed.contains(&owner.v) {
                out.push(diag(
                    file,
                    owner.span,
                    &owner.v,
                    "as the owner of an open action",
                ));
            }
        }
    }
}

/// The site root's place in its repository.
struct Repo {
    /// The root relative to the top of the work tree (`site/`), or empty.
    prefix: String,
    shallow: bool,
    head: Option<String>,
}

struct Dirty {
    path: String,
    state: FileState,
    /// The old name of a staged rename.
    orig: Option<String>,
}

/// One line of `git log --raw`: a file changed by a commit.
struct Entry {
    commit: usize,
    status: u8,
    old: Option<String>,
    path: String,
    blob: String,
}

impl Repo {
    fn open(root: &Path) -> Option<Repo> {
        // Exits 1 in an empty repository (no HEAD) but still prints the first two lines.
        let out = run(
            root,
            &[
                "rev-parse",
                "--is-shallow-repository",
                "--show-prefix",
                "--verify",
                "-q",
                "HEAD",
            ],
        )?
        .1;
        let text = String::from_utf8(out).ok()?;
        let mut lines = text.lines();
        let shallow = match lines.next()? {
            "true" => true,
            "false" => false,
            _ => return None,
        };
        let prefix = lines.next()?.to_string();
        let head = lines.next().filter(|h| is_hex(h)).map(String::from);
        Some(Repo {
            prefix,
            shallow,
            head,
        })
    }

    /// A path from git (relative to the top of the work tree) relative to the site root.
    fn rel(&self, p: &str) -> Option<String> {
        p.strip_prefix(&self.prefix).map(String::from)
    }

    fn status(&self, root: &Path) -> Vec<Dirty> {
        let out = git(
            root,
            &["status", "--porcelain", "-z", "-uall", "--", "content/"],
        )
        .unwrap_or_default();
        let mut toks = nul_tokens(&out).into_iter();
        let mut dirty = Vec::new();
        while let Some(t) = toks.next() {
            let (Some(xy), Some(path)) = (t.get(..2), t.get(3..)) else {
                continue;
            };
            let orig = if xy.contains(['R', 'C']) {
                toks.next().and_then(|o| self.rel(&o))
            } else {
                None
            };
            let state = if xy == "??" {
                FileState::Untracked
            } else {
                FileState::Modified
            };
            if let Some(path) = self.rel(path) {
                dirty.push(Dirty { path, state, orig });
            }
        }
        dirty
    }

    /// Every commit touching `content/`, newest first (children before parents), and
    /// the files each one changed with their new blob ids.
    fn log(&self, root: &Path) -> (Vec<Commit>, Vec<Entry>) {
        let out = git(
            root,
            &[
                "log",
                "-z",
                "--raw",
                "--no-abbrev",
                "-M",
                "--date-order",
                "--no-color",
                "--no-show-signature",
                "--format=%x01%H%x1f%h%x1f%an%x1f%ae%x1f%at%x1f%s",
                "--",
                "content/",
            ],
        )
        .unwrap_or_default();
        let (mut commits, mut entries) = (Vec::new(), Vec::new());
        let mut toks = nul_tokens(&out).into_iter();
        while let Some(t) = toks.next() {
            let t = t.strip_prefix('\n').unwrap_or(&t);
            if let Some(header) = t.strip_prefix('\x01') {
                commits.extend(commit(header));
            } else if let Some(meta) = t.strip_prefix(':') {
                // `:100644 100644 <old blob> <new blob> R090`, then one or two paths
                let f: Vec<&str> = meta.split(' ').collect();
                let status = f.get(4).and_then(|s| s.bytes().next()).unwrap_or(b'M');
                let first = toks.next().unwrap_or_default();
                let (old, path) = if matches!(status, b'R' | b'C') {
                    (Some(first), toks.next().unwrap_or_default())
                } else {
                    (None, first)
                };
                let (Some(path), Some(n)) = (self.rel(&path), commits.len().checked_sub(1)) else {
                    continue;
                };
                entries.push(Entry {
                    commit: n,
                    status,
                    old: old.and_then(|o| self.rel(&o)),
                    path,
                    blob: f.get(3).unwrap_or(&"").to_string(),
                });
            }
        }
        (commits, entries)
    }
}

fn commit(header: &str) -> Option<Commit> {
    let f: Vec<&str> = header.splitn(6, '\x1f').collect();
    let [id, short, author, email, at, subject] = f[..] else {
        return None;
    };
    let timestamp: i64 = at.parse().ok()?;
    Some(Commit {
        id: id.into(),
        short: short.into(),
        author: author.into(),
        email: email.into(),
        date: Date::from_days(timestamp.div_euclid(86400)),
        timestamp,
        subject: subject.into(),
    })
}

/// `content/accounts/<slug>/<rest>` → (slug, rest).
fn account_path(p: &str) -> Option<(&str, &str)> {
    p.strip_prefix("content/accounts/")?.split_once('/')
}

fn money(m: Option<Money>) -> String {
    m.map_or_else(|| "none".into(), Money::grouped)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir).args(args);
    // Read-only: never take the index lock (status would refresh the index otherwise),
    // so a build cannot collide with the user's own git commands.
    c.env("GIT_OPTIONAL_LOCKS", "0").stdin(Stdio::null());
    c
}

/// Exit success and stdout; None when git cannot be run at all.
fn run(dir: &Path, args: &[&str]) -> Option<(bool, Vec<u8>)> {
    let out = git_cmd(dir, args).stderr(Stdio::null()).output().ok()?;
    Some((out.status.success(), out.stdout))
}

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    run(dir, args).filter(|r| r.0).map(|r| r.1)
}

fn line(out: Vec<u8>) -> Option<String> {
    let s = String::from_utf8(out).ok()?;
    Some(s.trim().to_string()).filter(|s| is_hex(s))
}

fn nul_tokens(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0)
        .filter(|t| !t.is_empty())
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect()
}

/// Object contents for many names (blob ids or `rev:path`) from ONE `git cat-file
/// --batch`; None for missing objects. Writing happens on a thread so that neither side
/// blocks on a full pipe.
fn cat_batch(root: &Path, names: &[String]) -> Vec<Option<Vec<u8>>> {
    let mut res = Vec::with_capacity(names.len());
    let child = (!names.is_empty())
        .then(|| {
            git_cmd(root, &["cat-file", "--batch"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .ok()
        })
        .flatten();
    if let Some(mut child) = child {
        let input: String = names.iter().map(|n| format!("{n}\n")).collect();
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut header = String::new();
        for _ in names {
            header.clear();
            if out.read_line(&mut header).unwrap_or(0) == 0 {
                break;
            }
            // `<oid> <type> <size>` or `<name> missing`
            let size = header
                .trim_end()
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse::<usize>().ok());
            let Some(size) = size else {
                res.push(None);
                continue;
            };
            let mut buf = vec![0; size + 1]; // content and a newline
            if out.read_exact(&mut buf).is_err() {
                break;
            }
            buf.pop();
            res.push(Some(buf));
        }
        drop(out); // unblocks git (and so the writer) if we stopped early
        let _ = writer.join();
        let _ = child.wait();
    }
    res.resize(names.len(), None);
    res
}

/// A blob as text the way the loader reads files: without a byte-order mark, within
/// the size and nesting limits (history is input too).
fn text_of(mut b: Vec<u8>, limits: &crate::config::Limits) -> Option<String> {
    if b.len() as u64 > limits.max_file_bytes {
        return None;
    }
    if b.starts_with(b"\xEF\xBB\xBF") {
        b.drain(..3);
    }
    let s = String::from_utf8(b).ok()?;
    (crate::load::files::toml_nesting(&s, limits.max_nesting).0 <= limits.max_nesting).then_some(s)
}

/// The tier and credit facts of one account.toml text, with spans.
struct Fields {
    tier: Option<Sp<String>>,
    scores: Vec<(String, i64)>,
    limit: Option<Sp<Money>>,
    rating: Option<String>,
    terms: Option<i64>,
    approved_by: Option<Sp<String>>,
    approved_on: Option<Sp<Date>>,
}

type Val<'i> = Spanned<DeValue<'i>>;

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Val<'i>> {
    t.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

fn sub<'a, 'i>(t: Option<&'a DeTable<'i>>, key: &str) -> Option<&'a DeTable<'i>> {
    match get(t?, key)?.get_ref() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

fn string(t: Option<&DeTable>, key: &str) -> Option<Sp<String>> {
    let v = get(t?, key)?;
    match v.get_ref() {
        DeValue::String(s) => Some(Sp::new(s.to_string(), v.span())),
        _ => None,
    }
}

fn int(t: Option<&DeTable>, key: &str) -> Option<i64> {
    match get(t?, key)?.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

fn money_of(t: Option<&DeTable>, key: &str) -> Option<Sp<Money>> {
    let v = get(t?, key)?;
    let text = match v.get_ref() {
        DeValue::Integer(i) if i.radix() == 10 => i.as_str(),
        DeValue::Float(f) => f.as_str(),
        _ => return None,
    };
    let m = Money::from_decimal(Decimal::parse(text)?)?;
    Some(Sp::new(m, v.span()))
}

fn date(t: Option<&DeTable>, key: &str) -> Option<Sp<Date>> {
    let v = get(t?, key)?;
    match v.get_ref() {
        DeValue::Datetime(dt) => {
            let d = dt.date?;
            Some(Sp::new(Date::new(d.year.into(), d.month, d.day)?, v.span()))
        }
        _ => None,
    }
}

fn fields(text: &str) -> Option<Fields> {
    let doc = DeTable::parse(text).ok()?;
    let doc = Some(doc.get_ref());
    let (tier, credit) = (sub(doc, "tier"), sub(doc, "credit"));
    let scores = sub(tier, "scores")
        .map(|s| {
            s.iter()
                .filter_map(|(k, _)| Some((k.get_ref().to_string(), int(Some(s), k.get_ref())?)))
                .collect()
        })
        .unwrap_or_default();
    Some(Fields {
        tier: string(tier, "declared"),
        scores,
        limit: money_of(credit, "limit"),
        rating: string(credit, "rating").map(|s| s.v),
        terms: int(credit, "payment_terms_days"),
        approved_by: string(credit, "approved_by"),
        approved_on: date(credit, "approved_on"),
    })
}

/// Contact ids of a contacts.toml text.
fn contact_ids(text: &str) -> Vec<String> {
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    match get(doc.get_ref(), "contact").map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => items
            .iter()
            .filter_map(|c| match c.get_ref() {
                DeValue::Table(t) => string(Some(t), "id").map(|s| s.v),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Owners of open `[[actions]]` in a plan or review's front matter, with spans into the file.
fn open_action_owners(text: &str) -> Vec<Sp<String>> {
    let frontmatter::FrontMatter::Some(fm) = frontmatter::split(text) else {
        return Vec::new();
    };
    let Ok(doc) = DeTable::parse(fm.toml) else {
        return Vec::new();
    };
    let Some(DeValue::Array(items)) = get(doc.get_ref(), "actions").map(|v| v.get_ref()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|a| match a.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        })
        .filter(|t| string(Some(t), "status").is_none_or(|s| s.v == "open"))
        .filter_map(|t| string(Some(t), "owner"))
        .map(|o| {
            let s = o.span.start + fm.toml_offset..o.span.end + fm.toml_offset;
            Sp::new(o.v, s)
        })
        .collect()
}
