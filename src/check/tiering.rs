//! Tiering: declared vs computed tier, and the obligations of the tier that applies.

use super::Ctx;
use crate::diag::Diagnostic;
use crate::rules;

pub fn check(cx: &mut Ctx) {
    let Some(p) = &cx.account.profile else { return };
    let cfg = cx.config;
    let s = cx.signals;
    let file = cx.account.file("account.toml");
    let declared = &p.tier.declared;
    if !declared.v.is_empty() && cfg.tier(&declared.v).is_none() {
        let names: Vec<&str> = cfg.tiers.iter().map(|t| t.name.as_str()).collect();
        let hint = crate::diag::did_you_mean(&declared.v, names.iter().copied())
            .map(|m| format!("did you mean `{m}`? "))
            .unwrap_or_default();
        cx.push(
            Diagnostic::new(
                &rules::UNKNOWN_TIER,
                &file,
                Some(declared.span.clone()),
                format!("tier `{}` is not configured", declared.v),
            )
            .help(format!("{hint}configured tiers: {}", names.join(", "))),
        );
    }
    if s.tier_differs && !s.override_justified {
        let computed = s.computed_tier.as_deref().unwrap_or("?");
        let score = s.score.map(|d| d.to_string()).unwrap_or_default();
        cx.push(
            Diagnostic::new(
                &rules::TIER_MISMATCH,
                &file,
                Some(declared.span.clone()),
                format!(
                    "declared tier `{}` but the scores compute tier `{computed}` (score {score})",
                    declared.v
                ),
            )
            .help(format!(
                "declare `{computed}`, or keep `{}` and explain why in `override_reason`",
                declared.v
            )),
        );
    }
    let Some(req) = &s.requirements else { return };
    let tiers = s.governing_tiers.join("/");
    let cfile = cx.account.file("contacts.toml");
    // A contacts.toml that failed to parse already has its finding; do not pile on.
    let contacts_known = cx.account.contacts.is_some() || !cx.account.read.contains(&cfile);
    if contacts_known {
        let (cf, at) = if cx.account.contacts.is_some() {
            (cfile.clone(), Some(0..0))
        } else {
            (file.clone(), Some(declared.span.clone()))
        };
        if (s.active_contacts as i64) < req.min_contacts {
            cx.push(Diagnostic::new(
                &rules::MIN_CONTACTS,
                &cf,
                at.clone(),
                format!(
                    "tier {tiers} requires {} active contacts, found {}",
                    req.min_contacts, s.active_contacts
                ),
            ));
        }
        if (s.departments as i64) < req.min_departments {
            cx.push(Diagnostic::new(
                &rules::MIN_DEPARTMENTS,
                &cf,
                at.clone(),
                format!(
                    "tier {tiers} requires active contacts in {} departments, found {} (departments compare ignoring case and spaces)",
                    req.min_departments, s.departments
                ),
            ));
        }
        if req.requires_decision_maker && !s.has_decision_maker {
            cx.push(Diagnostic::new(
                &rules::DECISION_MAKER,
                &cf,
                at,
                format!("tier {tiers} requires an active contact with role `decision_maker` or `economic_buyer`"),
            ));
        }
    }
    if req.requires_plan && cx.account.plan.is_none() {
        cx.push(Diagnostic::new(
            &rules::PLAN_MISSING,
            cx.account.file("plan.md"),
            None,
            format!("tier {tiers} requires an account plan, but plan.md is missing"),
        ));
    }
}
