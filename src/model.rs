//! The typed account model, as loaded. Values keep their source spans (`Sp`) so that
//! rules can point at them. Loading never fails: a missing or invalid value is reported
//! and left as its default, so every rule can still run and report everything at once.

use crate::date::Date;
use crate::decimal::{Decimal, Money};
pub use crate::load::reader::Sp;
use serde::Serialize;

pub const STATUSES: &[&str] = &["active", "prospect", "at_risk", "churned"];
pub const CRITERIA_FIT: &[&str] = &["us_only", "both", "competitor_only", "unknown"];
pub const LEVELS: &[&str] = &["executive", "management", "operational"];
pub const ROLES: &[&str] = &[
    "decision_maker",
    "economic_buyer",
    "technical_buyer",
    "user_buyer",
    "champion",
    "coach",
    "influencer",
    "gatekeeper",
    "procurement",
    "finance_approver",
    "executive_sponsor",
];
/// Either role meets a tier's decision-maker requirement.
pub const DECISION_ROLES: &[&str] = &["decision_maker", "economic_buyer"];
pub const STANCES: &[&str] = &["champion", "supporter", "neutral", "skeptic", "blocker"];
pub const INFLUENCE: &[&str] = &["high", "medium", "low"];
pub const CONTACT_STATUS: &[&str] = &["active", "left", "inactive"];
pub const LINK_KINDS: &[&str] = &["influence", "conflict", "informal"];
pub const REVIEW_KINDS: &[&str] = &[
    "quarterly",
    "annual_summit",
    "credit",
    "win_loss",
    "escalation",
    "visit",
];
pub const HEALTH: &[&str] = &["green", "amber", "red"];
pub const ACTION_STATUS: &[&str] = &["open", "done", "dropped"];
pub const OBJECTIVE_STATUS: &[&str] = &["not_started", "in_progress", "done", "dropped"];
pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
pub const TEAM_KEYS: &[&str] = &["solution", "delivery", "exec_sponsor"];
pub const AGING_KEYS: &[&str] = &["current", "d1_30", "d31_60", "d61_90", "d90_plus"];

pub type Text = Option<Sp<String>>;

/// One key account: the folder `content/accounts/<slug>/`.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub slug: String,
    /// `content/accounts/<slug>` relative to the site root.
    pub dir: String,
    pub profile: Option<Profile>,
    pub contacts: Option<ContactMap>,
    pub plan: Option<Plan>,
    pub reviews: Vec<Review>,
    /// Files under `assets/`, relative to the account folder (`assets/org.svg`).
    pub assets: Vec<String>,
    /// The account's files that were read (relative to the site root), whether or not
    /// they parsed: "present but broken" differs from "absent" for some rules.
    pub read: Vec<String>,
}

impl Account {
    pub fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.dir)
    }

    /// Drop what only the account's own pages are made from (profile, contacts, plan,
    /// reviews), keeping its slug, folder and file lists: a build does this once the
    /// pages are rendered, as the rest of the site is made from summaries.
    pub fn release_content(&mut self) {
        self.profile = None;
        self.contacts = None;
        self.plan = None;
        self.reviews = Vec::new();
    }
}

/// account.toml
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: Sp<String>,
    pub legal_name: Text,
    pub tax_id: Text,
    pub industry: Text,
    pub region: Text,
    /// Defaults to `active` when absent.
    pub status: Sp<String>,
    pub owner: Sp<String>,
    pub team: Vec<(String, Sp<String>)>,
    pub sales_units: Vec<Sp<String>>,
    pub sales_units_span: Option<crate::source::Span>,
    pub primary_interface: Text,
    pub customer_since: Option<Sp<Date>>,
    pub tags: Vec<String>,
    pub language: Text,
    pub tier: TierDecl,
    pub relationship: Option<Relationship>,
    pub criteria: Vec<Criterion>,
    pub credit: Option<Credit>,
    pub credit_span: Option<crate::source::Span>,
    pub revenue: Option<Revenue>,
    pub complaints: Vec<Complaint>,
    /// Where findings about the whole file point (its start).
    pub at: crate::source::Span,
}

#[derive(Debug, Clone, Default)]
pub struct TierDecl {
    pub declared: Sp<String>,
    pub override_reason: Text,
    /// Dimension → score, only those read as integers.
    pub scores: Vec<(String, Sp<i64>)>,
    /// All configured dimensions were present as integers 1..=5.
    pub scores_complete: bool,
    pub at: crate::source::Span,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Relationship {
    pub level: Option<Sp<i64>>,
    pub competitors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub name: Sp<String>,
    pub fit: Sp<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Credit {
    pub currency: Sp<String>,
    pub limit: Option<Sp<Money>>,
    pub rating: Sp<String>,
    pub payment_terms_days: Option<Sp<i64>>,
    pub prepayment_pct: Option<Sp<Decimal>>,
    pub outstanding: Option<Sp<Money>>,
    pub overdue: Option<Sp<Money>>,
    pub oldest_overdue_days: Option<Sp<i64>>,
    pub dso_days: Option<Sp<Decimal>>,
    pub last_review: Option<Sp<Date>>,
    pub approved_by: Sp<String>,
    pub approved_on: Option<Sp<Date>>,
    pub hold: bool,
    pub hold_span: Option<crate::source::Span>,
    pub hold_reason: Text,
    pub aging: Option<Aging>,
    pub at: crate::source::Span,
}

impl Credit {
    pub fn overdue(&self) -> Money {
        self.overdue.as_ref().map_or(Money(0), |m| m.v)
    }
    pub fn oldest_overdue_days(&self) -> i64 {
        self.oldest_overdue_days.as_ref().map_or(0, |d| d.v)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Aging {
    /// current, d1_30, d31_60, d61_90, d90_plus (0 where missing or invalid).
    pub buckets: [Money; 5],
    pub complete: bool,
    pub at: crate::source::Span,
}

#[derive(Debug, Clone, Default)]
pub struct Revenue {
    pub currency: Text,
    pub last_fy: Option<Sp<Money>>,
    pub target_fy: Option<Sp<Money>>,
    pub share_of_wallet_pct: Option<Sp<Decimal>>,
}

#[derive(Debug, Clone)]
pub struct Complaint {
    pub id: Sp<String>,
    pub opened: Option<Sp<Date>>,
    pub closed: Option<Sp<Date>>,
    pub severity: Sp<String>,
    pub summary: String,
    pub resolution: Text,
}

/// contacts.toml
#[derive(Debug, Clone, Default)]
pub struct ContactMap {
    pub contacts: Vec<Contact>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub title: String,
    pub department: String,
    pub level: String,
    pub roles: Vec<Sp<String>>,
    pub stance: String,
    pub influence: String,
    pub strength: Option<Sp<i64>>,
    pub status: String,
    pub reports_to: Text,
    pub our_contact: String,
    pub last_contact: Option<Sp<Date>>,
    pub email: String,
    pub phone: String,
    pub notes: String,
    /// Only published with `include_private = true`.
    pub private: Vec<(String, String)>,
    pub at: crate::source::Span,
}

impl Contact {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
    pub fn has_role(&self, roles: &[&str]) -> bool {
        self.roles.iter().any(|r| roles.contains(&r.v.as_str()))
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub from: Sp<String>,
    pub to: Sp<String>,
    pub kind: Sp<String>,
}

/// An action item (plan or review).
#[derive(Debug, Clone)]
pub struct Action {
    pub what: Sp<String>,
    pub owner: String,
    pub due: Option<Sp<Date>>,
    pub status: Sp<String>,
}

#[derive(Debug, Clone)]
pub struct Objective {
    pub text: Sp<String>,
    pub owner: String,
    pub due: Option<Sp<Date>>,
    pub status: Sp<String>,
    pub metric: String,
    pub target: Option<Decimal>,
}

/// A Markdown document: body text and where it starts in its file.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub file: String,
    /// The whole file's text, shared with its `SourceFile` (not a copy: bodies are
    /// most of a site's bytes).
    source: std::sync::Arc<String>,
    /// Byte offset of the body in the file (after the front matter).
    pub offset: usize,
}

impl Body {
    /// The body of `source` from byte `offset` (a char boundary) to the end.
    pub fn new(file: String, source: std::sync::Arc<String>, offset: usize) -> Body {
        debug_assert!(source.is_char_boundary(offset));
        Body {
            file,
            source,
            offset,
        }
    }

    pub fn text(&self) -> &str {
        &self.source[self.offset..]
    }
}

/// plan.md
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub period: String,
    pub updated: Option<Sp<Date>>,
    pub objectives: Vec<Objective>,
    pub actions: Vec<Action>,
    pub body: Body,
}

/// reviews/YYYY-MM-DD-<words>.md
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// File name without `.md`: the URL segment.
    pub stem: String,
    pub file: String,
    /// The date in the file name, when the name is valid.
    pub file_date: Option<Date>,
    pub date: Option<Sp<Date>>,
    pub kind: String,
    pub reviewers: Vec<String>,
    pub attendees: Vec<Sp<String>>,
    pub health: String,
    pub summary: String,
    pub next_review: Option<Sp<Date>>,
    pub decisions: Vec<String>,
    pub actions: Vec<Action>,
    pub body: Body,
    /// The front matter parsed (false: the file could not be read as a review).
    pub valid: bool,
}

impl Review {
    /// The date the review counts for: the front matter date, else the file-name date.
    pub fn effective_date(&self) -> Option<Date> {
        self.date.as_ref().map(|d| d.v).or(self.file_date)
    }
}

/// `_index.md` or a guide.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub stem: String,
    pub file: String,
    pub title: String,
    pub weight: i64,
    pub body: Body,
}
