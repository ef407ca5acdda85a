//! Stage 2, check: the semantic rules over the loaded model, one file per rule family.
//! Schema rules already ran while loading; here run the rules that need more than one
//! value or file.
//!
//! Two phases, so that `check` can reuse an unchanged account's results (see `cache`):
//! [`account`] runs an account's own rules and returns its [`AccountFacts`] — findings
//! plus the little the cross-account rules need; [`finish`] runs the cross-account rules
//! (links between files, duplicate customers, portfolio caps) over all facts.

mod cadence;
mod contacts;
mod credit;
pub mod links;
mod portfolio;
mod tiering;

pub use links::LinkRef;
pub use portfolio::PortfolioFacts;

use crate::config::Config;
use crate::date::Date;
use crate::derive::{self, Signals};
use crate::diag::Diagnostic;
use crate::links::{LinkIndex, Targets};
use crate::load::Loaded;
use crate::model::{Account, Page};
use crate::source::SourceMap;
use rayon::prelude::*;

/// What the rules see of one account.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub today: Date,
    pub account: &'a Account,
    /// The account's files (at least), to turn offsets into line numbers in messages.
    pub sources: &'a SourceMap,
    pub signals: &'a Signals,
    pub out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// One account's results: everything later rules need, nothing else.
#[derive(Debug, Clone)]
pub struct AccountFacts {
    pub slug: String,
    /// Files of the account that were read.
    pub files: usize,
    /// The account's own findings (before `[rules]` levels).
    pub findings: Vec<Diagnostic>,
    /// Relative links in its Markdown, resolved in [`finish`].
    pub links: Vec<LinkRef>,
    /// What other files may link to in it.
    pub targets: Targets,
    pub portfolio: PortfolioFacts,
}

/// Run one account's own rules. `loader` are its findings from loading (kept with its
/// facts so a cached account replays them).
pub fn account(
    config: &Config,
    today: Date,
    a: &Account,
    sources: &SourceMap,
    loader: Vec<Diagnostic>,
) -> (Signals, AccountFacts) {
    let signals = derive::signals(a, config, today);
    let mut ctx = Ctx {
        config,
        today,
        account: a,
        sources,
        signals: &signals,
        out: loader,
    };
    tiering::check(&mut ctx);
    credit::check(&mut ctx);
    contacts::check(&mut ctx);
    cadence::check(&mut ctx);
    let mut links = Vec::new();
    for body in a
        .plan
        .iter()
        .map(|p| &p.body)
        .chain(a.reviews.iter().map(|r| &r.body))
    {
        links::scan_body(body, &mut ctx.out, &mut links);
    }
    let facts = AccountFacts {
        slug: a.slug.clone(),
        files: a.read.len(),
        findings: ctx.out,
        links,
        targets: Targets::of(a),
        portfolio: PortfolioFacts::of(a, &signals),
    };
    (signals, facts)
}

/// The cross-account rules. `findings` are the site's other findings (loader findings
/// outside accounts); the result has `[rules]` levels applied and is sorted.
pub fn finish(
    config: &Config,
    home: Option<&Page>,
    guides: &[Page],
    mut findings: Vec<Diagnostic>,
    accounts: &[&AccountFacts],
) -> Vec<Diagnostic> {
    let t = std::time::Instant::now();
    let targets: Vec<(&str, &Targets)> = accounts
        .iter()
        .map(|f| (f.slug.as_str(), &f.targets))
        .collect();
    let index = LinkIndex::from_parts(home.is_some(), guides, &targets);
    // Each account's findings and resolved links, in parallel (a single-threaded
    // second at 100,000 accounts); the order is kept, and `apply` sorts them anyway.
    let per_account: Vec<Vec<Diagnostic>> = accounts
        .par_iter()
        .map(|f| {
            let mut out = f.findings.clone();
            links::resolve(&f.links, &index, &mut out);
            out
        })
        .collect();
    findings.extend(per_account.into_iter().flatten());
    crate::timing("check: links", t);
    let t = std::time::Instant::now();
    for p in home.into_iter().chain(guides) {
        let mut refs = Vec::new();
        links::scan_body(&p.body, &mut findings, &mut refs);
        links::resolve(&refs, &index, &mut findings);
    }
    portfolio::check(config, accounts, &mut findings);
    crate::timing("check: portfolio", t);
    let t = std::time::Instant::now();
    let out = config.rules.apply(findings);
    crate::timing("check: sort", t);
    out
}

/// Run every rule over a loaded site. Returns each account's signals (same order as
/// `site.accounts`) and all findings (including the loader's), levels applied, sorted.
pub fn run(site: &Loaded) -> (Vec<Signals>, Vec<Diagnostic>) {
    let t = std::time::Instant::now();
    let results: Vec<(Signals, AccountFacts)> = site
        .accounts
        .par_iter()
        .map(|a| account(&site.config, site.today, a, &site.sources, Vec::new()))
        .collect();
    let (signals, facts): (Vec<Signals>, Vec<AccountFacts>) = results.into_iter().unzip();
    crate::timing("check: accounts", t);
    let refs: Vec<&AccountFacts> = facts.iter().collect();
    let diags = finish(
        &site.config,
        site.home.as_ref(),
        &site.guides,
        site.diagnostics.clone(),
        &refs,
    );
    (signals, diags)
}
