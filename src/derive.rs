//! Signals computed once per account from the typed model: computed tier, the tier
//! whose obligations apply, utilisation, churn risk, due dates. The checker's rules,
//! the pages and the data export all read these, so they can never disagree.

use crate::config::{Config, TierPolicy};
use crate::date::Date;
use crate::decimal::{Decimal, Money};
use crate::model::{Account, Profile, DECISION_ROLES};
use serde::Serialize;

/// The strictest combination of the requirements of the tiers that apply.
#[derive(Debug, Clone, Serialize)]
pub struct Requirements {
    pub review_every_days: i64,
    pub credit_review_every_days: i64,
    pub min_contacts: i64,
    pub min_departments: i64,
    pub requires_plan: bool,
    pub requires_decision_maker: bool,
}

impl Requirements {
    fn of(tiers: &[&TierPolicy]) -> Option<Requirements> {
        let first = tiers.first()?;
        let mut r = Requirements {
            review_every_days: first.review_every_days,
            credit_review_every_days: first.credit_review_every_days,
            min_contacts: first.min_contacts,
            min_departments: first.min_departments,
            requires_plan: first.requires_plan,
            requires_decision_maker: first.requires_decision_maker,
        };
        for t in &tiers[1..] {
            r.review_every_days = r.review_every_days.min(t.review_every_days);
            r.credit_review_every_days = r.credit_review_every_days.min(t.credit_review_every_days);
            r.min_contacts = r.min_contacts.max(t.min_contacts);
            r.min_departments = r.min_departments.max(t.min_departments);
            r.requires_plan |= t.requires_plan;
            r.requires_decision_maker |= t.requires_decision_maker;
        }
        Some(r)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// No credit block, or limit 0 (utilisation undefined).
    None,
    Ok,
    Warn,
    Over,
}

#[derive(Debug, Clone, Serialize)]
pub struct Signals {
    /// Weighted score, e.g. 3.85 (exact, from thousandths).
    pub score: Option<Decimal>,
    pub computed_tier: Option<String>,
    pub declared_tier: String,
    /// declared ≠ computed, with or without a reason.
    pub tier_differs: bool,
    pub override_justified: bool,
    /// Tiers whose requirements apply (declared after a justified override; both when
    /// the mismatch is unjustified).
    pub governing_tiers: Vec<String>,
    /// The tier the account is managed in for the portfolio.
    pub effective_tier: Option<String>,
    pub requirements: Option<Requirements>,
    pub utilization_pct: Option<f64>,
    pub utilization_band: Band,
    /// high | medium | low | unknown, from the purchase criteria (worst fit wins).
    pub churn_risk: &'static str,
    pub active_contacts: usize,
    pub departments: usize,
    pub has_decision_maker: bool,
    pub newest_review: Option<Date>,
    pub newest_review_file: Option<String>,
    pub days_since_review: Option<i64>,
    /// Next review due (newest review + cadence), when cadence applies.
    pub review_due: Option<Date>,
    pub review_overdue: bool,
    pub credit_review_due: Option<Date>,
    pub credit_review_overdue: bool,
    pub open_actions: usize,
    pub overdue_actions: usize,
}

/// Active and at-risk accounts owe review and credit cadence.
pub fn cadence_applies(status: &str) -> bool {
    matches!(status, "active" | "at_risk")
}

/// Utilisation in percent as an exact comparison helper: outstanding × 100 vs pct × limit.
pub fn utilization_cmp(outstanding: Money, limit: Money, pct: Decimal) -> std::cmp::Ordering {
    let lhs = Decimal {
        mantissa: i128::from(outstanding.0) * 100,
        scale: 0,
    };
    let rhs_m = pct.mantissa * i128::from(limit.0);
    lhs.partial_cmp(&Decimal {
        mantissa: rhs_m,
        scale: pct.scale,
    })
    .unwrap_or(std::cmp::Ordering::Equal)
}

pub fn normalize_department(d: &str) -> String {
    d.trim().to_lowercase()
}

pub fn signals(a: &Account, cfg: &Config, today: Date) -> Signals {
    let p = a.profile.as_ref();
    let mut s = Signals {
        score: None,
        computed_tier: None,
        declared_tier: p.map(|p| p.tier.declared.v.clone()).unwrap_or_default(),
        tier_differs: false,
        override_justified: false,
        governing_tiers: Vec::new(),
        effective_tier: None,
        requirements: None,
        utilization_pct: None,
        utilization_band: Band::None,
        churn_risk: "unknown",
        active_contacts: 0,
        departments: 0,
        has_decision_maker: false,
        newest_review: None,
        newest_review_file: None,
        days_since_review: None,
        review_due: None,
        review_overdue: false,
        credit_review_due: None,
        credit_review_overdue: false,
        open_actions: 0,
        overdue_actions: 0,
    };
    if let Some(p) = p {
        tiering(&mut s, p, cfg);
        credit(&mut s, p, cfg, today);
        s.churn_risk = churn_risk(p);
    }
    if let Some(c) = &a.contacts {
        let active: Vec<_> = c.contacts.iter().filter(|c| c.is_active()).collect();
        s.active_contacts = active.len();
        let mut depts: Vec<String> = active
            .iter()
            .map(|c| normalize_department(&c.department))
            .filter(|d| !d.is_empty())
            .collect();
        depts.sort();
        depts.dedup();
        s.departments = depts.len();
        s.has_decision_maker = active.iter().any(|c| c.has_role(DECISION_ROLES));
    }
    // Newest review by its date (a mismatched file-name date counts as the earlier one).
    for r in &a.reviews {
        let d = match (r.date.as_ref().map(|d| d.v), r.file_date) {
            (Some(x), Some(y)) => x.min(y),
            (x, y) => match x.or(y) {
                Some(d) => d,
                None => continue,
            },
        };
        if s.newest_review.is_none_or(|n| d > n) {
            s.newest_review = Some(d);
            s.newest_review_file = Some(r.file.clone());
        }
    }
    s.days_since_review = s.newest_review.map(|d| d.days_until(today));
    let status = p.map_or("active", |p| p.status.v.as_str());
    if let (Some(req), true) = (&s.requirements, cadence_applies(status)) {
        s.review_due = s.newest_review.map(|d| d.add_days(req.review_every_days));
        s.review_overdue = s.review_due.is_none_or(|due| due < today);
    }
    let plan_actions = a.plan.iter().flat_map(|p| p.actions.iter());
    for act in plan_actions.chain(a.reviews.iter().flat_map(|r| r.actions.iter())) {
        if act.status.v == "open" {
            s.open_actions += 1;
            if act.due.as_ref().is_some_and(|d| d.v < today) {
                s.overdue_actions += 1;
            }
        }
    }
    s
}

fn tiering(s: &mut Signals, p: &Profile, cfg: &Config) {
    let declared = p.tier.declared.v.as_str();
    let reason_given = p
        .tier
        .override_reason
        .as_ref()
        .is_some_and(|r| !r.v.trim().is_empty());
    if p.tier.scores_complete {
        let milli = cfg.score_milli(|dim| {
            p.tier
                .scores
                .iter()
                .find(|(d, _)| d == dim)
                .map(|(_, v)| v.v)
        });
        if let Some(milli) = milli {
            s.score = Some(Decimal {
                mantissa: milli.into(),
                scale: 3,
            });
            s.computed_tier = cfg.tier_for(milli).map(|t| t.name.clone());
        }
    }
    let declared_known = cfg.tier(declared).is_some();
    match (&s.computed_tier, declared_known) {
        (Some(c), true) => {
            s.tier_differs = c != declared;
            s.override_justified = s.tier_differs && reason_given;
            s.governing_tiers = if !s.tier_differs || reason_given {
                vec![declared.to_string()]
            } else {
                vec![declared.to_string(), c.clone()]
            };
            s.effective_tier = Some(if !s.tier_differs || reason_given {
                declared.to_string()
            } else {
                c.clone()
            });
        }
        (None, true) => {
            s.governing_tiers = vec![declared.to_string()];
            s.effective_tier = Some(declared.to_string());
        }
        (Some(c), false) => {
            s.governing_tiers = vec![c.clone()];
            s.effective_tier = Some(c.clone());
        }
        (None, false) => {}
    }
    let tiers: Vec<&TierPolicy> = s
        .governing_tiers
        .iter()
        .filter_map(|n| cfg.tier(n))
        .collect();
    s.requirements = Requirements::of(&tiers);
}

fn credit(s: &mut Signals, p: &Profile, cfg: &Config, today: Date) {
    let Some(c) = &p.credit else { return };
    if let (Some(limit), Some(out)) = (&c.limit, &c.outstanding) {
        if limit.v.0 > 0 {
            s.utilization_pct = Some(out.v.0 as f64 * 100.0 / limit.v.0 as f64);
            s.utilization_band =
                if utilization_cmp(out.v, limit.v, cfg.credit.max_utilization_pct).is_gt() {
                    Band::Over
                } else if utilization_cmp(out.v, limit.v, cfg.credit.warn_utilization_pct).is_ge() {
                    Band::Warn
                } else {
                    Band::Ok
                };
        } else if out.v.0 > 0 {
            s.utilization_band = Band::Over;
        }
    }
    if let (Some(lr), Some(req)) = (&c.last_review, &s.requirements) {
        if cadence_applies(&p.status.v) {
            let due = lr.v.add_days(req.credit_review_every_days);
            s.credit_review_due = Some(due);
            s.credit_review_overdue = due < today;
        }
    }
}

/// Worst fit wins: a criterion only the competitor meets is high risk.
pub fn churn_risk(p: &Profile) -> &'static str {
    let rank = |fit: &str| match fit {
        "competitor_only" => 3,
        "both" | "unknown" => 2,
        "us_only" => 1,
        _ => 0,
    };
    match p.criteria.iter().map(|c| rank(&c.fit.v)).max() {
        Some(3) => "high",
        Some(2) => "medium",
        Some(1) => "low",
        _ => "unknown",
    }
}
