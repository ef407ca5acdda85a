//! Portfolio: one customer, one account; caps on the top tier and per owner.

use crate::derive::Signals;
use crate::diag::Diagnostic;
use crate::load::Loaded;
use crate::rules;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// NFKC, case-folded, letters and digits only: "ACME Steel Co., Ltd." = "acme steel co ltd".
pub fn normalize_legal_name(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

pub fn check(site: &Loaded, signals: &[Signals], out: &mut Vec<Diagnostic>) {
    let mut by_tax: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, a) in site.accounts.iter().enumerate() {
        let Some(p) = &a.profile else { continue };
        if let Some(t) = p.tax_id.as_ref().filter(|t| !t.v.trim().is_empty()) {
            by_tax.entry(t.v.as_str()).or_default().push(i);
        }
        if let Some(n) = &p.legal_name {
            let key = normalize_legal_name(&n.v);
            if !key.is_empty() {
                by_name.entry(key).or_default().push(i);
            }
        }
    }
    let dup = |out: &mut Vec<Diagnostic>,
               group: &[usize],
               what: &str,
               span_of: &dyn Fn(usize) -> Option<crate::source::Span>| {
        if group.len() < 2 {
            return;
        }
        for &i in group {
            let a = &site.accounts[i];
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| site.accounts[j].slug.as_str())
                .collect();
            out.push(
                Diagnostic::new(
                    &rules::DUPLICATE_CUSTOMER,
                    a.file("account.toml"),
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
    let acc = |i: usize| site.accounts[i].profile.as_ref();
    for group in by_tax.values() {
        dup(out, group, "tax_id", &|i| {
            acc(i)?.tax_id.as_ref().map(|t| t.span.clone())
        });
    }
    for group in by_name.values() {
        // already reported under the same tax id? then the legal name adds nothing new
        let tax_dup = group.iter().all(|&i| {
            acc(i)
                .and_then(|p| p.tax_id.as_ref())
                .is_some_and(|t| by_tax.get(t.v.as_str()).is_some_and(|g| g.len() > 1))
        });
        if !tax_dup {
            dup(out, group, "legal name", &|i| {
                acc(i)?.legal_name.as_ref().map(|t| t.span.clone())
            });
        }
    }
    let cfg = &site.config;
    let active = |i: usize| acc(i).is_some_and(|p| p.status.v != "churned");
    if let (Some(cap), Some(top)) = (cfg.portfolio.max_top_tier_accounts, cfg.tiers.first()) {
        let n = (0..site.accounts.len())
            .filter(|&i| active(i) && signals[i].declared_tier == top.name)
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
        for (i, a) in site.accounts.iter().enumerate() {
            if let (Some(p), true) = (&a.profile, active(i)) {
                *per.entry(p.owner.v.as_str()).or_default() += 1;
            }
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
    }
}
