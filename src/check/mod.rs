//! Stage 2, check: the semantic rules over the loaded model, one file per rule family.
//! Schema rules already ran while loading; here run the rules that need more than one
//! value, file or account. Per-account work runs in parallel.

mod cadence;
mod contacts;
mod credit;
mod links;
mod portfolio;
mod tiering;

use crate::derive::{self, Signals};
use crate::diag::Diagnostic;
use crate::links::LinkIndex;
use crate::load::Loaded;
use crate::model::Account;
use rayon::prelude::*;

/// What the rules see of one account.
pub struct Ctx<'a> {
    pub site: &'a Loaded,
    pub account: &'a Account,
    pub signals: &'a Signals,
    pub out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// Run every rule. Returns each account's signals (same order as `site.accounts`) and
/// all findings (including the loader's), with `[rules]` levels applied and sorted.
pub fn run(site: &Loaded) -> (Vec<Signals>, Vec<Diagnostic>) {
    let index = LinkIndex::new(site);
    let results: Vec<(Signals, Vec<Diagnostic>)> = site
        .accounts
        .par_iter()
        .map(|a| {
            let signals = derive::signals(a, &site.config, site.today);
            let mut ctx = Ctx {
                site,
                account: a,
                signals: &signals,
                out: Vec::new(),
            };
            tiering::check(&mut ctx);
            credit::check(&mut ctx);
            contacts::check(&mut ctx);
            cadence::check(&mut ctx);
            links::check_account(&mut ctx, &index);
            let out = ctx.out;
            (signals, out)
        })
        .collect();
    let mut diags = site.diagnostics.clone();
    let mut signals = Vec::with_capacity(results.len());
    for (s, d) in results {
        signals.push(s);
        diags.extend(d);
    }
    links::check_pages(site, &index, &mut diags);
    portfolio::check(site, &signals, &mut diags);
    let diags = site.config.rules.apply(diags);
    (signals, diags)
}
