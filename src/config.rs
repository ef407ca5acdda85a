//! `dossier.toml`: site settings and the tiering and credit policy, with the built-in
//! defaults of the content format. Every key is optional.

use crate::date::Date;
use crate::decimal::Decimal;
use crate::diag::{did_you_mean, Diagnostic, RuleLevels};
use crate::load::reader::{self, Sink, Table, OPT};
use crate::rules::{self, Severity};
use serde::Serialize;

pub const LANGUAGES: &[&str] = &["en", "zh"];

#[derive(Debug, Clone, Serialize)]
pub struct TierPolicy {
    pub name: String,
    pub label: String,
    pub min_score: Decimal,
    pub review_every_days: i64,
    pub credit_review_every_days: i64,
    pub min_contacts: i64,
    pub min_departments: i64,
    pub requires_plan: bool,
    pub requires_decision_maker: bool,
}

#[derive(Debug, Clone)]
pub struct Scoring {
    /// Dimension name and weight in thousandths, in the order written.
    pub weights: Vec<(String, i64)>,
    pub inverted: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CreditPolicy {
    pub currencies: Vec<String>,
    pub approvers: Vec<String>,
    pub ratings: Vec<String>,
    pub warn_utilization_pct: Decimal,
    pub max_utilization_pct: Decimal,
    pub max_overdue_days: i64,
    pub max_terms_days: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct Portfolio {
    pub max_top_tier_accounts: Option<i64>,
    pub max_accounts_per_owner: Option<i64>,
}

/// Input limits: beyond them a file is reported, not processed.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_nesting: usize,
    pub max_array_len: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub base_url: String,
    pub language: String,
    pub today: Option<Date>,
    pub include_private: bool,
    pub scoring: Scoring,
    pub tiers: Vec<TierPolicy>,
    pub portfolio: Portfolio,
    pub credit: CreditPolicy,
    pub rules: RuleLevels,
    pub limits: Limits,
    /// `themes/<name>/` overriding the built-in theme.
    pub theme: Option<String>,
    /// Links to commits on the account pages (git history).
    pub repo_url: Option<String>,
    pub commit_url_template: Option<String>,
}

#[allow(clippy::too_many_arguments)] // a table of the built-in tiers reads best as one call per row
fn tier(
    name: &str,
    label: &str,
    min: i64,
    review: i64,
    credit: i64,
    contacts: i64,
    depts: i64,
    strict: bool,
) -> TierPolicy {
    TierPolicy {
        name: name.into(),
        label: label.into(),
        min_score: Decimal {
            mantissa: min.into(),
            scale: 1,
        },
        review_every_days: review,
        credit_review_every_days: credit,
        min_contacts: contacts,
        min_departments: depts,
        requires_plan: strict,
        requires_decision_maker: strict,
    }
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

impl Default for Config {
    /// The policy of the content format's example dossier.toml.
    fn default() -> Self {
        Config {
            title: "Key account playbooks".into(),
            base_url: "/".into(),
            language: "en".into(),
            today: None,
            include_private: false,
            scoring: Scoring {
                weights: vec![
                    ("value".into(), 350),
                    ("loyalty".into(), 250),
                    ("growth".into(), 250),
                    ("risk".into(), 150),
                ],
                inverted: vec!["risk".into()],
            },
            tiers: vec![
                tier("A", "Strategic", 40, 90, 180, 4, 2, true),
                tier("B", "Key", 32, 180, 365, 2, 2, true),
                tier("C", "Growth", 24, 365, 365, 1, 1, false),
                tier("D", "Maintain", 0, 730, 730, 0, 0, false),
            ],
            portfolio: Portfolio {
                max_top_tier_accounts: Some(35),
                max_accounts_per_owner: Some(15),
            },
            credit: CreditPolicy {
                currencies: strings(&["CNY", "USD", "EUR"]),
                approvers: vec![],
                ratings: strings(&["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "D"]),
                warn_utilization_pct: Decimal::from_int(85),
                max_utilization_pct: Decimal::from_int(100),
                max_overdue_days: 90,
                max_terms_days: [
                    ("AAA", 120),
                    ("AA", 90),
                    ("A", 90),
                    ("BBB", 60),
                    ("BB", 45),
                    ("B", 30),
                    ("CCC", 0),
                    ("D", 0),
                ]
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            },
            rules: RuleLevels::default(),
            limits: Limits {
                max_file_bytes: 8 * 1024 * 1024,
                max_nesting: 16,
                max_array_len: 10_000,
            },
            theme: None,
            repo_url: None,
            commit_url_template: None,
        }
    }
}

impl Config {
    pub fn tier(&self, name: &str) -> Option<&TierPolicy> {
        self.tiers.iter().find(|t| t.name == name)
    }

    pub fn tier_index(&self, name: &str) -> Option<usize> {
        self.tiers.iter().position(|t| t.name == name)
    }

    pub fn max_terms(&self, rating: &str) -> Option<i64> {
        self.credit
            .max_terms_days
            .iter()
            .find(|(r, _)| r == rating)
            .map(|(_, d)| *d)
    }

    /// The weighted score in thousandths: Σ weight × dimension, inverted dimensions as 6 − v.
    /// Exact integer arithmetic (weights are thousandths, scores integers).
    pub fn score_milli(&self, score_of: impl Fn(&str) -> Option<i64>) -> Option<i64> {
        let mut total = 0i64;
        for (dim, w) in &self.scoring.weights {
            let v = score_of(dim)?;
            let v = if self.scoring.inverted.contains(dim) {
                6 - v
            } else {
                v
            };
            total += w * v;
        }
        Some(total)
    }

    /// The first tier (best first) whose `min_score` the score meets; a score equal to the
    /// threshold meets it.
    pub fn tier_for(&self, score_milli: i64) -> Option<&TierPolicy> {
        let score = Decimal {
            mantissa: score_milli.into(),
            scale: 3,
        };
        self.tiers
            .iter()
            .find(|t| score >= t.min_score)
            .or(self.tiers.last())
    }

    /// Read dossier.toml text. Returns the config (defaults where keys are absent or
    /// invalid) and the findings.
    pub fn parse(text: &str) -> (Config, Vec<Diagnostic>) {
        let sink = Sink::new("dossier.toml", 0, Date::new(9999, 12, 31).unwrap());
        let mut cfg = Config::default();
        if let Some(doc) = reader::parse(&sink, text, Config::default().limits.max_nesting) {
            let t = Table::new(&sink, &doc, 0..0);
            cfg.read(&t, &sink);
            t.finish();
        }
        (cfg, sink.into_diags())
    }

    fn read(&mut self, t: &Table, sink: &Sink) {
        if let Some(s) = t.str("title", OPT) {
            self.title = s.v;
        }
        if let Some(s) = t.str("base_url", OPT) {
            self.base_url = s.v;
        }
        if let Some(s) = t.enumeration("language", LANGUAGES, OPT) {
            self.language = s.v;
        }
        if let Some(d) = t.date("today", OPT) {
            self.today = Some(d.v);
        }
        if let Some(b) = t.bool("include_private", OPT) {
            self.include_private = b.v;
        }
        if let Some(s) = t.str("theme", OPT) {
            self.theme = Some(s.v);
        }
        if let Some(s) = t.str("repo_url", OPT) {
            self.repo_url = Some(s.v);
        }
        if let Some(s) = t.str("commit_url_template", OPT) {
            self.commit_url_template = Some(s.v);
        }
        if let Some(sc) = t.table("scoring", OPT) {
            self.read_scoring(&sc, sink);
            sc.finish();
        }
        let tiers = t.tables("tiers");
        if !tiers.is_empty() {
            self.read_tiers(tiers, sink);
        } else if let Some((_, span)) = t.keys().find(|(k, _)| *k == "tiers") {
            sink.report(
                &rules::CONFIG_TIERS,
                Some(span),
                "`tiers` is empty: at least one tier is needed",
                None,
            );
        }
        if let Some(p) = t.table("portfolio", OPT) {
            if let Some(n) = p.int_in("max_top_tier_accounts", OPT, 0, i64::MAX) {
                self.portfolio.max_top_tier_accounts = Some(n.v);
            }
            if let Some(n) = p.int_in("max_accounts_per_owner", OPT, 0, i64::MAX) {
                self.portfolio.max_accounts_per_owner = Some(n.v);
            }
            p.finish();
        }
        if let Some(c) = t.table("credit", OPT) {
            self.read_credit(&c, sink);
            c.finish();
        }
        if let Some(l) = t.table("limits", OPT) {
            if let Some(n) = l.int_in("max_file_bytes", OPT, 1024, i64::MAX) {
                self.limits.max_file_bytes = n.v as u64;
            }
            if let Some(n) = l.int_in("max_nesting", OPT, 2, 1000) {
                self.limits.max_nesting = n.v as usize;
            }
            if let Some(n) = l.int_in("max_array_len", OPT, 1, 10_000_000) {
                self.limits.max_array_len = n.v as usize;
            }
            l.finish();
        }
        if let Some(r) = t.table("rules", OPT) {
            let keys: Vec<_> = r.keys().collect();
            for (code, span) in keys {
                let level = r.str(code, OPT);
                if rules::by_code(code).is_none() {
                    let help = did_you_mean(code, rules::all().map(|r| r.code))
                        .map(|m| format!("did you mean `{m}`?"))
                        .unwrap_or_else(|| "see docs/rules.md for the rule codes".into());
                    sink.report(
                        &rules::CONFIG_RULE,
                        Some(span),
                        format!("unknown rule `{code}`"),
                        Some(help),
                    );
                    continue;
                }
                let Some(level) = level else { continue };
                let sev = match level.v.as_str() {
                    "error" => Some(Severity::Error),
                    "warning" => Some(Severity::Warning),
                    "off" => None,
                    other => {
                        sink.report(
                            &rules::CONFIG_RULE,
                            Some(level.span.clone()),
                            format!("unknown level `{other}` for rule `{code}`"),
                            Some("use \"error\", \"warning\" or \"off\"".into()),
                        );
                        continue;
                    }
                };
                self.rules.0.insert(code.to_string(), sev);
            }
        }
    }

    fn read_scoring(&mut self, sc: &Table, sink: &Sink) {
        if let Some(w) = sc.table("weights", OPT) {
            let keys: Vec<_> = w.keys().collect();
            let mut weights = Vec::new();
            let mut total = 0i64;
            let mut ok = true;
            for (k, _) in keys {
                let Some(d) = w.decimal(k, OPT) else {
                    ok = false;
                    continue;
                };
                if d.v.is_negative() || !d.v.fits_scale(3) {
                    sink.report(
                        &rules::CONFIG_WEIGHTS,
                        Some(d.span.clone()),
                        format!(
                            "weight `{k}` is {}: weights must be ≥ 0 with at most 3 decimals",
                            d.v
                        ),
                        None,
                    );
                    ok = false;
                    continue;
                }
                let milli = d.v.to_scaled(3).unwrap_or(0) as i64;
                total += milli;
                weights.push((k.to_string(), milli));
            }
            if ok && total != 1000 {
                sink.report(
                    &rules::CONFIG_WEIGHTS,
                    Some(w.at()),
                    format!(
                        "weights sum to {}, not 1",
                        Decimal {
                            mantissa: total.into(),
                            scale: 3
                        }
                    ),
                    Some("adjust the weights so they add up to exactly 1".into()),
                );
            }
            if weights.is_empty() {
                sink.report(
                    &rules::CONFIG_WEIGHTS,
                    Some(w.at()),
                    "no scoring weights",
                    None,
                );
            } else {
                self.scoring.weights = weights;
            }
            w.finish();
        }
        if let Some(inv) = sc.str_list("inverted", OPT) {
            self.scoring.inverted = inv.v.iter().map(|s| s.v.clone()).collect();
            for s in &inv.v {
                if !self.scoring.weights.iter().any(|(d, _)| d == &s.v) {
                    sink.report(
                        &rules::CONFIG_WEIGHTS,
                        Some(s.span.clone()),
                        format!("`inverted` names `{}`, which has no weight", s.v),
                        None,
                    );
                }
            }
        }
    }

    fn read_tiers(&mut self, tiers: Vec<Table>, sink: &Sink) {
        let mut out: Vec<TierPolicy> = Vec::new();
        for t in tiers {
            let name = t.text("name", reader::REQ);
            let policy = TierPolicy {
                name: name.as_ref().map(|s| s.v.clone()).unwrap_or_default(),
                label: t.str("label", OPT).map(|s| s.v).unwrap_or_default(),
                min_score: t
                    .decimal("min_score", reader::REQ)
                    .map(|d| d.v)
                    .unwrap_or(Decimal::ZERO),
                review_every_days: t
                    .int_in("review_every_days", reader::REQ, 1, i64::MAX)
                    .map_or(365, |n| n.v),
                credit_review_every_days: t
                    .int_in("credit_review_every_days", reader::REQ, 1, i64::MAX)
                    .map_or(365, |n| n.v),
                min_contacts: t
                    .int_in("min_contacts", reader::REQ, 0, i64::MAX)
                    .map_or(0, |n| n.v),
                min_departments: t
                    .int_in("min_departments", reader::REQ, 0, i64::MAX)
                    .map_or(0, |n| n.v),
                requires_plan: t.bool("requires_plan", reader::REQ).is_some_and(|b| b.v),
                requires_decision_maker: t
                    .bool("requires_decision_maker", reader::REQ)
                    .is_some_and(|b| b.v),
            };
            if let Some(prev) = out.last() {
                if policy.min_score >= prev.min_score {
                    sink.report(
                        &rules::CONFIG_TIERS,
                        Some(t.at()),
                        format!(
                            "tier `{}` has min_score {} ≥ the tier before it ({})",
                            policy.name, policy.min_score, prev.min_score
                        ),
                        Some("list tiers best first, each with a lower min_score".into()),
                    );
                }
            }
            if let Some(n) = &name {
                if out.iter().any(|p| p.name == n.v) {
                    sink.report(
                        &rules::CONFIG_TIERS,
                        Some(n.span.clone()),
                        format!("tier `{}` is listed twice", n.v),
                        None,
                    );
                }
            }
            t.finish();
            out.push(policy);
        }
        self.tiers = out;
    }

    fn read_credit(&mut self, c: &Table, sink: &Sink) {
        let list = |k: &'static str| {
            c.str_list(k, OPT)
                .map(|l| l.v.iter().map(|s| s.v.clone()).collect::<Vec<_>>())
        };
        if let Some(v) = list("currencies") {
            self.credit.currencies = v;
        }
        if let Some(v) = list("approvers") {
            self.credit.approvers = v;
        }
        if let Some(v) = list("ratings") {
            self.credit.ratings = v;
        }
        if let Some(d) = c.pct("warn_utilization_pct", OPT) {
            self.credit.warn_utilization_pct = d.v;
        }
        if let Some(d) = c.decimal("max_utilization_pct", OPT) {
            self.credit.max_utilization_pct = d.v;
        }
        if let Some(n) = c.int_in("max_overdue_days", OPT, 0, i64::MAX) {
            self.credit.max_overdue_days = n.v;
        }
        if let Some(m) = c.table("max_terms_days", OPT) {
            let keys: Vec<_> = m.keys().collect();
            let mut terms = Vec::new();
            for (k, span) in keys {
                if let Some(n) = m.int_in(k, OPT, 0, i64::MAX) {
                    terms.push((k.to_string(), n.v));
                }
                if !self.credit.ratings.iter().any(|r| r == k) {
                    sink.report(
                        &rules::CONFIG_CREDIT,
                        Some(span),
                        format!("max_terms_days names `{k}`, which is not in `ratings`"),
                        None,
                    );
                }
            }
            m.finish();
            self.credit.max_terms_days = terms;
        }
    }
}
