//! Portfolio: one customer, one account; caps on the top tier and per owner.

use super::AccountFacts;
use crate::config::Config;
use crate::derive::Signals;
use crate::diag::Diagnostic;
use crate::model::Account;
use crate::rules;
use crate::source::Span;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// NFKC, case-folded, letters and digits only: "ACME Steel Co., Ltd." = "acme steel co ltd".
pub fn normalize_legal_name(s: &str) -> String {
    if s.is_ascii() {
        // NFKC leaves ASCII as it is: skip its tables (most names are ASCII)
        return s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
    }
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What the portfolio rules need of one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PortfolioFacts {
    /// account.toml was loaded (without it the account takes no part).
    pub profile: bool,
    /// Non-blank tax id, with its span in account.toml.
    pub tax_id: Option<(String, Span)>,
    /// Legal name as written, with its span.
    pub legal_name: Option<(String, Span)>,
    pub churned: bool,
    pub owner: String,
    pub declared_tier: String,
}

impl PortfolioFacts {
    pub fn of(a: &Account, signals: &Signals) -> PortfolioFacts {
        let Some(p) = &a.profile else {
            return PortfolioFacts::default();
        };
        PortfolioFacts {
            profile: true,
            tax_id: p
                .tax_id
                .as_ref()
                .filter(|t| !t.v.trim().is_empty())
                .map(|t| (t.v.clone(), t.span.clone())),
            legal_name: p.legal_name.as_ref().map(|n| (n.v.clone(), n.span.clone())),
            churned: p.status.v == "churned",
            owner: p.owner.v.clone(),
            declared_tier: signals.declared_tier.clone(),
        }
    }
}

pub fn check(cfg: &Config, accounts: &[&AccountFacts], out: &mut Vec<Diagnostic>) {
    // NFKC is most of these rules' time, and they run after the accounts: the names are
    // normalised on every core
    let names: Vec<Option<String>> = accounts
        .par_iter()
        .map(|a| {
            let (n, _) = a.portfolio.legal_name.as_ref()?;
            Some(normalize_legal_name(n)).filter(|key| !key.is_empty())
        })
        .collect();
    let mut by_tax: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (a, name)) in accounts.iter().zip(names).enumerate() {
        if let Some((t, _)) = &a.portfolio.tax_id {
            by_tax.entry(t.as_str()).or_default().push(i);
        }
        if let Some(key) = name {
            by_name.entry(key).or_default().push(i);
        }
    }
    let dup = |out: &mut Vec<Diagnostic>,
               group: &[usize],
               what: &str,
               span_of: &dyn Fn(usize) -> Option<Span>| {
        if group.len() < 2 {
            return;
        }
        for &i in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| accounts[j].slug.as_str())
                .collect();
            out.push(
                Diagnostic::new(
                    &rules::DUPLICATE_CUSTOMER,
                    format!("content/accounts/{}/account.toml", accounts[i].slug),
                    span_of(i),
                    format!(
                        "same {what} as account `{}`: the customer is filed twice",
                        others.join("`, `")
                    ),
                )
                .help("merge the accounts into one folder with one accountable owner"),
            );
        }
    };
    let facts = |i: usize| &accounts[i].portfolio;
    for group in by_tax.values() {
        dup(out, group, "tax_id", &|i| {
            facts(i).tax_id.as_ref().map(|t| t.1.clone())
        });
    }
    for group in by_name.values() {
        // already reported under the same tax id? then the legal name adds nothing new
        let tax_dup = group.iter().all(|&i| {
            facts(i)
                .tax_id
                .as_ref()
                .is_some_and(|(t, _)| by_tax.get(t.as_str()).is_some_and(|g| g.len() > 1))
        });
        if !tax_dup {
            dup(out, group, "legal name", &|i| {
                facts(i).legal_name.as_ref().map(|t| t.1.clone())
            });
        }
    }
    let active = |i: usize| facts(i).profile && !facts(i).churned;
    if let (Some(cap), Some(top)) = (cfg.portfolio.max_top_tier_accounts, cfg.tiers.first()) {
        let n = (0..accounts.len())
            .filter(|&i| active(i) && facts(i).declared_tier == top.name)
            .count();
        if n as i64 > cap {
            out.push(Diagnostic::new(
                &rules::TOP_TIER_CAP,
                "dossier.toml",
                None,
                format!(
                    "{n} accounts are in tier {} (not churned); the cap is {cap}",
                    top.name
                ),
            ));
        }
    }
    if let Some(cap) = cfg.portfolio.max_accounts_per_owner {
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for i in (0..accounts.len()).filter(|&i| active(i)) {
            *per.entry(facts(i).owner.as_str()).or_default() += 1;
        }
        for (owner, n) in per {
            if n as i64 > cap && !owner.is_empty() {
                out.push(Diagnostic::new(
                    &rules::OWNER_CAP,
                    "dossier.toml",
                    None,
                    format!("owner `{owner}` holds {n} accounts (not churned); the cap is {cap}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn legal_names_compare_normalised() {
        use super::normalize_legal_name as n;
        assert_eq!(n("ACME Steel Co., Ltd."), n("acme steel co ltd"));
        assert_eq!(n("华东精密（集团）有限公司"), n("华东精密(集团)有限公司"));
        assert_ne!(n("Acme A"), n("Acme B"));
        // the ASCII shortcut agrees with the full path
        assert_eq!(n("ACME Steel Co., Ltd."), n("ACME Steel Co., Ltd.\u{00A0}"));
        assert_eq!(n("ＡＣＭＥ Steel Co., Ltd."), n("ACME Steel Co., Ltd."));
    }
}
