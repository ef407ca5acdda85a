//! View models: what templates see. Built from the typed model and the derived
//! signals; contributor text is plain strings (escaped by the template engine), and
//! only sanitised HTML (`*_html` fields) is marked safe in templates.

use super::i18n::value_label;
use crate::config::Config;
use crate::date::Date;
use crate::decimal::Money;
use crate::derive::{Band, Signals};
use crate::diag::Placed;
use crate::model::{Account, Action, Contact, Review};
use serde::Serialize;

#[derive(Serialize, Clone)]
pub struct AccountRow {
    pub slug: String,
    pub url: String,
    pub name: String,
    pub language: String,
    pub tier: String,
    pub tier_label: String,
    pub computed_tier: String,
    pub tier_differs: bool,
    pub override_justified: bool,
    pub score: Option<f64>,
    pub score_text: String,
    pub status: String,
    pub status_label: String,
    pub owner: String,
    /// `owners/<owner>/`, or None when the owner id cannot be a URL segment.
    pub owner_url: Option<String>,
    pub region: String,
    pub industry: String,
    pub currency: String,
    pub limit: Option<Money>,
    pub outstanding: Option<Money>,
    pub overdue: Option<Money>,
    pub utilization: Option<f64>,
    pub utilization_text: String,
    pub utilization_band: Band,
    pub last_review: Option<Date>,
    pub days_since_review: Option<i64>,
    pub review_every_days: Option<i64>,
    pub review_overdue: bool,
    pub credit_review_overdue: bool,
    pub churn_risk: String,
    pub churn_label: String,
    pub overdue_actions: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// The owner page's URL: staff ids like `li.wei` are used as they are; anything that
/// is not safe as one URL segment gets no page (and no link).
pub fn owner_url(owner: &str) -> Option<String> {
    let ok = !owner.is_empty()
        && !owner.starts_with('.')
        && owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    ok.then(|| format!("owners/{owner}/"))
}

pub fn pct_text(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:.1}%"))
}

pub fn row(
    a: &Account,
    s: &Signals,
    cfg: &Config,
    lang: &str,
    findings: &[Placed],
    redact: bool,
) -> AccountRow {
    let p = a.profile.as_ref();
    let credit = if redact {
        None
    } else {
        p.and_then(|p| p.credit.as_ref())
    };
    let tier = s.declared_tier.clone();
    // labels in the account's own language: a Chinese account reads Chinese throughout
    let lang = p
        .and_then(|p| p.language.as_ref())
        .map_or(lang, |l| l.v.as_str());
    AccountRow {
        slug: a.slug.clone(),
        url: format!("accounts/{}/", a.slug),
        name: p.map_or_else(|| a.slug.clone(), |p| p.name.v.clone()),
        language: p
            .and_then(|p| p.language.as_ref())
            .map_or_else(|| cfg.language.clone(), |l| l.v.clone()),
        tier_label: cfg.tier(&tier).map(|t| t.label.clone()).unwrap_or_default(),
        tier,
        computed_tier: s.computed_tier.clone().unwrap_or_default(),
        tier_differs: s.tier_differs,
        override_justified: s.override_justified,
        score: s.score.map(|d| d.to_f64()),
        score_text: s
            .score
            .map(|d| format!("{:.2}", d.to_f64()))
            .unwrap_or_default(),
        status: p.map(|p| p.status.v.clone()).unwrap_or_default(),
        status_label: value_label(lang, p.map_or("", |p| p.status.v.as_str())),
        owner: p.map(|p| p.owner.v.clone()).unwrap_or_default(),
        owner_url: p.and_then(|p| owner_url(&p.owner.v)),
        region: p
            .and_then(|p| p.region.as_ref())
            .map(|r| r.v.clone())
            .unwrap_or_default(),
        industry: p
            .and_then(|p| p.industry.as_ref())
            .map(|r| r.v.clone())
            .unwrap_or_default(),
        currency: credit.map(|c| c.currency.v.clone()).unwrap_or_default(),
        limit: credit.and_then(|c| c.limit.as_ref().map(|m| m.v)),
        outstanding: credit.and_then(|c| c.outstanding.as_ref().map(|m| m.v)),
        overdue: credit.map(|c| c.overdue()),
        utilization: if redact { None } else { s.utilization_pct },
        utilization_text: if redact {
            "—".into()
        } else {
            pct_text(s.utilization_pct)
        },
        utilization_band: if redact {
            Band::None
        } else {
            s.utilization_band
        },
        last_review: s.newest_review,
        days_since_review: s.days_since_review,
        review_every_days: s.requirements.as_ref().map(|r| r.review_every_days),
        review_overdue: s.review_overdue,
        credit_review_overdue: !redact && s.credit_review_overdue,
        churn_risk: s.churn_risk.to_string(),
        churn_label: value_label(lang, s.churn_risk),
        overdue_actions: s.overdue_actions,
        errors: findings
            .iter()
            .filter(|f| f.severity == crate::rules::Severity::Error)
            .count(),
        warnings: findings
            .iter()
            .filter(|f| f.severity == crate::rules::Severity::Warning)
            .count(),
    }
}

#[derive(Serialize)]
pub struct ScoreLine {
    pub dimension: String,
    pub score: i64,
    pub weight_pct: String,
    pub inverted: bool,
    pub contribution: String,
    pub bar_pct: i64,
}

pub fn scorecard(a: &Account, cfg: &Config) -> Vec<ScoreLine> {
    let Some(p) = &a.profile else {
        return Vec::new();
    };
    cfg.scoring
        .weights
        .iter()
        .filter_map(|(dim, w)| {
            let v = p.tier.scores.iter().find(|(d, _)| d == dim)?.1.v;
            let inverted = cfg.scoring.inverted.contains(dim);
            let eff = if inverted { 6 - v } else { v };
            Some(ScoreLine {
                dimension: dim.clone(),
                score: v,
                weight_pct: format!("{}%", *w as f64 / 10.0),
                inverted,
                contribution: format!("{:.2}", (*w * eff) as f64 / 1000.0),
                bar_pct: eff.clamp(0, 5) * 20,
            })
        })
        .collect()
}

#[derive(Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub amount: String,
    pub pct: f64,
}

#[derive(Serialize)]
pub struct CreditView {
    pub currency: String,
    pub limit: String,
    pub outstanding: String,
    pub overdue: String,
    pub utilization: String,
    pub utilization_bar: f64,
    pub band: Band,
    pub warn_pct: f64,
    pub cash: bool,
    pub aging: Vec<Bucket>,
    pub terms: Option<i64>,
    pub rating: String,
    pub prepayment: String,
    pub dso: String,
    pub oldest_overdue_days: i64,
    pub last_review: Option<Date>,
    pub next_due: Option<Date>,
    pub review_overdue: bool,
    pub approved_by: String,
    pub approved_on: Option<Date>,
    pub hold: bool,
    pub hold_reason: String,
}

pub fn credit(a: &Account, s: &Signals, cfg: &Config) -> Option<CreditView> {
    let c = a.profile.as_ref()?.credit.as_ref()?;
    let money = |m: Option<Money>| m.map_or_else(|| "—".into(), |m| m.grouped());
    let outstanding = c.outstanding.as_ref().map(|m| m.v);
    let aging = c.aging.as_ref().map(|ag| {
        let total: i64 = ag.buckets.iter().map(|m| m.0).sum::<i64>().max(1);
        ["current", "1–30", "31–60", "61–90", "91+"]
            .iter()
            .zip(ag.buckets)
            .map(|(label, m)| Bucket {
                label,
                amount: m.grouped(),
                pct: (m.0 as f64 * 1000.0 / total as f64).round() / 10.0,
            })
            .collect()
    });
    Some(CreditView {
        currency: c.currency.v.clone(),
        limit: money(c.limit.as_ref().map(|m| m.v)),
        outstanding: money(outstanding),
        overdue: c.overdue().grouped(),
        utilization: pct_text(s.utilization_pct),
        utilization_bar: s.utilization_pct.unwrap_or(0.0).clamp(0.0, 100.0),
        band: s.utilization_band,
        warn_pct: cfg.credit.warn_utilization_pct.to_f64(),
        cash: c.limit.as_ref().is_some_and(|l| l.v.0 == 0),
        aging: aging.unwrap_or_default(),
        terms: c.payment_terms_days.as_ref().map(|t| t.v),
        rating: c.rating.v.clone(),
        prepayment: c
            .prepayment_pct
            .as_ref()
            .map(|p| format!("{}%", p.v))
            .unwrap_or_default(),
        dso: c
            .dso_days
            .as_ref()
            .map(|d| d.v.to_string())
            .unwrap_or_default(),
        oldest_overdue_days: c.oldest_overdue_days(),
        last_review: c.last_review.as_ref().map(|d| d.v),
        next_due: s.credit_review_due,
        review_overdue: s.credit_review_overdue,
        approved_by: c.approved_by.v.clone(),
        approved_on: c.approved_on.as_ref().map(|d| d.v),
        hold: c.hold,
        hold_reason: c
            .hold_reason
            .as_ref()
            .map(|r| r.v.clone())
            .unwrap_or_default(),
    })
}

#[derive(Serialize)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub level: String,
    pub roles: Vec<String>,
    pub stance: String,
    pub influence: String,
    pub strength: Option<i64>,
    pub status: String,
    pub reports_to: String,
    pub our_contact: String,
    pub last_contact: Option<Date>,
    pub email: String,
    pub phone: String,
    pub notes: String,
    /// Empty unless `include_private = true`.
    pub private: Vec<(String, String)>,
}

pub fn contact(c: &Contact, include_private: bool) -> ContactView {
    ContactView {
        id: c.id.v.clone(),
        name: c.name.v.clone(),
        title: c.title.clone(),
        department: c.department.trim().to_string(),
        level: c.level.clone(),
        roles: c.roles.iter().map(|r| r.v.replace('_', " ")).collect(),
        stance: c.stance.clone(),
        influence: c.influence.clone(),
        strength: c.strength.as_ref().map(|s| s.v),
        status: c.status.clone(),
        reports_to: c
            .reports_to
            .as_ref()
            .map(|r| r.v.clone())
            .unwrap_or_default(),
        our_contact: c.our_contact.clone(),
        last_contact: c.last_contact.as_ref().map(|d| d.v),
        email: c.email.clone(),
        phone: c.phone.clone(),
        notes: c.notes.clone(),
        private: if include_private {
            c.private.clone()
        } else {
            Vec::new()
        },
    }
}

#[derive(Serialize)]
pub struct DeptGroup {
    pub department: String,
    pub contacts: Vec<ContactView>,
}

/// Contacts grouped by department (trimmed, case-folded for grouping), groups sorted.
pub fn contact_groups(a: &Account, include_private: bool) -> Vec<DeptGroup> {
    let Some(map) = &a.contacts else {
        return Vec::new();
    };
    let mut groups: std::collections::BTreeMap<String, DeptGroup> =
        std::collections::BTreeMap::new();
    for c in &map.contacts {
        let key = crate::derive::normalize_department(&c.department);
        groups
            .entry(key)
            .or_insert_with(|| DeptGroup {
                department: c.department.trim().to_string(),
                contacts: Vec::new(),
            })
            .contacts
            .push(contact(c, include_private));
    }
    groups.into_values().collect()
}

#[derive(Serialize)]
pub struct ActionView {
    pub what: String,
    pub owner: String,
    pub due: Option<Date>,
    pub status: String,
    pub status_label: String,
    pub overdue: bool,
}

pub fn actions(list: &[Action], today: Date, lang: &str) -> Vec<ActionView> {
    list.iter()
        .map(|a| ActionView {
            what: a.what.v.clone(),
            owner: a.owner.clone(),
            due: a.due.as_ref().map(|d| d.v),
            status: a.status.v.clone(),
            status_label: value_label(lang, &a.status.v),
            overdue: a.status.v == "open" && a.due.as_ref().is_some_and(|d| d.v < today),
        })
        .collect()
}

#[derive(Serialize, Clone)]
pub struct ReviewSummary {
    pub url: String,
    pub stem: String,
    pub date: Option<Date>,
    pub kind: String,
    pub kind_label: String,
    pub health: String,
    pub health_label: String,
    pub summary: String,
    pub account: String,
    pub account_url: String,
}

pub fn review_summary(a: &Account, r: &Review, lang: &str) -> ReviewSummary {
    ReviewSummary {
        url: format!("accounts/{}/reviews/{}/", a.slug, r.stem),
        stem: r.stem.clone(),
        date: r.effective_date(),
        kind: r.kind.clone(),
        kind_label: value_label(lang, &r.kind),
        health: r.health.clone(),
        health_label: value_label(lang, &r.health),
        summary: r.summary.clone(),
        account: a
            .profile
            .as_ref()
            .map_or_else(|| a.slug.clone(), |p| p.name.v.clone()),
        account_url: format!("accounts/{}/", a.slug),
    }
}
