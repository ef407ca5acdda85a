//! JSON Schemas (draft-07, what taplo / Even Better TOML validate best) for the content
//! files, so editors complete keys, show what each means and flag typos while typing.
//!
//! Generated from the constants the loader checks against (`model::STATUSES`, `ROLES`, …)
//! so the schemas cannot drift from the format. `dossier check` stays the authority: a
//! schema cannot express cross-field rules, and TOML dates reach it as strings
//! (`format: date`). Tier names, currencies and ratings are repo-specific policy
//! (dossier.toml), so they are plain strings here.

use crate::config::{Config, LANGUAGES};
use crate::model::*;
use serde_json::{json, Map, Value};
use std::path::Path;

pub const ACCOUNT: &str = "dossier-account.schema.json";
pub const CONTACTS: &str = "dossier-contacts.schema.json";
pub const PLAN: &str = "dossier-plan.schema.json";
pub const REVIEW: &str = "dossier-review.schema.json";

/// Every schema as (file name, pretty-printed JSON ending in a newline). Deterministic:
/// serde_json's map is ordered by key.
pub fn schemas() -> Vec<(&'static str, String)> {
    let doc = |title: &str, desc: &str, props: Vec<(&str, Value)>, req: &[&str]| {
        let mut o = object(desc, props, req);
        o["$schema"] = json!("http://json-schema.org/draft-07/schema#");
        o["title"] = json!(title);
        let mut text = serde_json::to_string_pretty(&o).expect("a JSON value serialises");
        text.push('\n');
        text
    };
    vec![
        (
            ACCOUNT,
            doc(
                "dossier account.toml",
                "A key account: profile, tier scores, credit terms and team (content/accounts/<slug>/account.toml).",
                account(),
                &["name", "owner", "tier"],
            ),
        ),
        (
            CONTACTS,
            doc(
                "dossier contacts.toml",
                "The contact map of a key account: people, reporting lines and influence links.",
                vec![
                    ("contact", array("The people at the customer, one `[[contact]]` each.", contact())),
                    ("link", array(
                        "Influence, conflict or informal ties between contacts, beyond reporting lines.",
                        object("One tie between two contacts.", vec![
                            ("from", text("Contact id the tie starts from.")),
                            ("to", text("Contact id the tie goes to.")),
                            ("kind", enumeration(LINK_KINDS, "influence: `from` sways `to`; conflict: they pull apart; informal: a private connection.")),
                        ], &["from", "to", "kind"]),
                    )),
                ],
                &[],
            ),
        ),
        (
            PLAN,
            doc(
                "dossier plan.md front matter",
                "The `+++` front matter of an account plan (plan.md); the Markdown below it holds the prose.",
                vec![
                    ("period", string("The period the plan covers, e.g. \"FY2027\".")),
                    ("updated", date("When the plan was last revised (not after today).")),
                    ("objectives", array("Measurable goals for the period.", object("One objective.", vec![
                        ("text", text("What is to be achieved.")),
                        ("owner", string("Who is accountable (a user name such as \"li.wei\").")),
                        ("due", date("When it is due; past due and unfinished is a warning.")),
                        ("status", enumeration(OBJECTIVE_STATUS, "Progress (default \"not_started\").")),
                        ("metric", string("What is measured, e.g. \"share_of_wallet_pct\".")),
                        ("target", number(None, "The target value of the metric.")),
                    ], &["text"]))),
                    ("actions", actions()),
                ],
                &[],
            ),
        ),
        (
            REVIEW,
            doc(
                "dossier review note front matter",
                "The `+++` front matter of a review note (reviews/YYYY-MM-DD-<words>.md).",
                vec![
                    ("date", date("The day of the review; must equal the date in the file name and not be after today.")),
                    ("kind", enumeration(REVIEW_KINDS, "What kind of review this was.")),
                    ("reviewers", strings("Our people who ran the review (user names).")),
                    ("attendees", strings("Customer contacts present: ids from contacts.toml.")),
                    ("health", enumeration(HEALTH, "The account's health as judged in this review.")),
                    ("summary", string("One or two sentences for the timeline and the feed.")),
                    ("next_review", date("When the next review is planned (may be in the future).")),
                    ("decisions", array("What was decided.", object("One decision.", vec![
                        ("text", text("The decision, in one sentence.")),
                    ], &["text"]))),
                    ("actions", actions()),
                ],
                &["date"],
            ),
        ),
    ]
}

/// Write every schema into `dir` (created if needed), replacing older versions: they are
/// generated files. Returns the paths written.
pub fn write(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    schemas()
        .into_iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text)?;
            Ok(p)
        })
        .collect()
}

fn account() -> Vec<(&'static str, Value)> {
    let team = TEAM_KEYS
        .iter()
        .map(|k| {
            let d = match *k {
                "solution" => "Our solution or application engineer for this customer.",
                "delivery" => "Our delivery / customer service lead.",
                "exec_sponsor" => "Our executive sponsor.",
                _ => "A member of our account team.",
            };
            (*k, string(d))
        })
        .collect();
    let aging = AGING_KEYS
        .iter()
        .map(|k| {
            let d = match *k {
                "current" => "Invoiced, not yet due.",
                "d1_30" => "1–30 days past due.",
                "d31_60" => "31–60 days past due.",
                "d61_90" => "61–90 days past due.",
                _ => "91 days and more past due.",
            };
            (*k, money(d))
        })
        .collect::<Vec<_>>();
    // Scoring dimensions are configured per repo: list the built-in ones, and allow others.
    let cfg = Config::default();
    let dims = cfg
        .scoring
        .weights
        .iter()
        .map(|(d, w)| {
            let inv = if cfg.scoring.inverted.contains(d) {
                " Inverted: 5 = worst, counts as 6 − score."
            } else {
                ""
            };
            let what = match d.as_str() {
                "value" => "Revenue and margin potential",
                "loyalty" => "Relationship depth and loyalty",
                "growth" => "Growth potential",
                "risk" => "Financial and delivery risk",
                _ => "Score",
            };
            let desc = format!("{what}, 1–5 (built-in weight {}).{inv}", weight_text(*w));
            (d.clone(), int(1, Some(5), &desc))
        })
        .collect();
    let mut scores = object(
        "Each dimension of dossier.toml `[scoring] weights`, scored 1–5; every configured dimension is required.",
        dims,
        &[],
    );
    scores["additionalProperties"] = int(
        1,
        Some(5),
        "A scoring dimension configured in dossier.toml `[scoring] weights`, 1–5.",
    );
    vec![
        ("name", text("The customer's name as the team calls it; the page title.")),
        ("legal_name", string("The registered legal name; duplicates across accounts are found after normalising.")),
        ("tax_id", string("Tax / company registration id; the same id in two accounts is a duplicate customer.")),
        ("industry", string("The customer's industry.")),
        ("region", string("Where the customer is served from, e.g. \"East China\".")),
        ("status", enumeration(STATUSES, "Relationship status (default \"active\"); active and at_risk owe reviews and a credit block.")),
        ("owner", text("The accountable account owner (a user name such as \"li.wei\").")),
        ("team", object("Our account team besides the owner.", team, &[])),
        ("sales_units", strings("Our sales units selling to this customer; with several, name `primary_interface`.")),
        ("primary_interface", string("The sales unit that leads the relationship; one of `sales_units`.")),
        ("customer_since", date("First order or contract date (not after today).")),
        ("tags", strings("Free-form tags for filtering.")),
        ("language", enumeration(LANGUAGES, "Language of this account's pages (overrides the site's).")),
        ("tier", object("The declared tier and the scores it is computed from.", vec![
            ("declared", text("The tier name from dossier.toml `[[tiers]]`, e.g. \"A\"; must match the computed tier unless `override_reason` says why.")),
            ("override_reason", string("Why the declared tier differs from the computed one; empty means no override.")),
            ("scores", scores),
        ], &["declared", "scores"])),
        ("relationship", object("How deep the relationship goes.", vec![
            ("level", int(1, Some(3), "Relationship level: 1 transactional, 2 cooperative, 3 strategic partnership.")),
            ("competitors", strings("Competitors present at this customer.")),
        ], &[])),
        ("criteria", array("The customer's purchase criteria and who meets them; the worst fit sets the churn risk.", object("One purchase criterion.", vec![
            ("name", text("The criterion, e.g. \"Lead time under 4 weeks\".")),
            ("fit", enumeration(CRITERIA_FIT, "Who meets it: only us, both, only the competitor, or unknown.")),
        ], &["name", "fit"]))),
        ("credit", object("Credit terms; required for active and at-risk accounts, checked against dossier.toml `[credit]`.", vec![
            ("currency", string("ISO currency code from dossier.toml `[credit] currencies`, e.g. \"CNY\".")),
            ("limit", money("The approved credit limit; 0 = cash customer (outstanding must be 0).")),
            ("rating", string("Credit rating from dossier.toml `[credit] ratings`, e.g. \"A\"; it caps the payment terms.")),
            ("payment_terms_days", int(0, None, "Agreed payment terms in days; at most the rating's `max_terms_days`.")),
            ("prepayment_pct", pct("Share of each order paid in advance, 0–100.")),
            ("outstanding", money("Open receivables today; above the limit is an error.")),
            ("overdue", money("The part of `outstanding` past its due date.")),
            ("oldest_overdue_days", int(0, None, "Days past due of the oldest unpaid invoice; > 0 exactly when something is overdue.")),
            ("dso_days", number(Some(0), "Days sales outstanding.")),
            ("last_review", date("When credit control last reviewed the limit (not after today).")),
            ("approved_by", text("Who approved the limit: never the owner; one of `[credit] approvers` when listed.")),
            ("approved_on", date("When the limit was approved (not after today).")),
            ("hold", boolean("The account is on credit hold (no new orders ship).")),
            ("hold_reason", string("Why the account is on hold; required when `hold = true`.")),
            ("aging", object("Outstanding split by days past due; the buckets add up to `outstanding`, the past-due ones to `overdue`.", aging, AGING_KEYS)),
        ], &["currency", "limit", "rating", "payment_terms_days", "outstanding", "last_review", "approved_by", "approved_on"])),
        ("revenue", object("Revenue with this customer.", vec![
            ("currency", string("ISO currency code of the amounts.")),
            ("last_fy", money("Revenue in the last fiscal year.")),
            ("target_fy", money("Target revenue for this fiscal year.")),
            ("share_of_wallet_pct", pct("Our share of the customer's spend in our categories, 0–100.")),
        ], &[])),
        ("complaints", array("Customer complaints and how they were resolved.", object("One complaint.", vec![
            ("id", text("Complaint id, e.g. \"C-2026-12\".")),
            ("opened", date("When it was raised (not after today).")),
            ("closed", date("When it was closed (not before `opened`); needs a `resolution`.")),
            ("severity", enumeration(SEVERITIES, "How serious it is.")),
            ("summary", string("What went wrong.")),
            ("resolution", string("How it was resolved.")),
        ], &["id", "opened", "severity"]))),
    ]
}

fn contact() -> Value {
    // The one open table: free-form keys, string values.
    let private = json!({
        "type": "object",
        "description": "Free-form private notes (birthday, interests): published only with `include_private = true`.",
        "additionalProperties": { "type": "string" },
    });
    object(
        "One person at the customer.",
        vec![
            ("id", text("Unique id within this file, e.g. \"wang-gang\"; used by reports_to, links and review attendees.")),
            ("name", text("Full name.")),
            ("title", string("Job title.")),
            ("department", string("Department; tiers count distinct departments of active contacts.")),
            ("level", enumeration(LEVELS, "Hierarchy level.")),
            ("roles", json!({
                "type": "array",
                "description": "Buying-centre roles; decision_maker or economic_buyer meets a tier's decision-maker requirement.",
                "items": enumeration(ROLES, "A buying-centre role."),
                "uniqueItems": true,
            })),
            ("stance", enumeration(STANCES, "Attitude towards us.")),
            ("influence", enumeration(INFLUENCE, "Influence on buying decisions.")),
            ("strength", int(1, Some(5), "Strength of our relationship with this person, 1–5 (our own rating).")),
            ("status", enumeration(CONTACT_STATUS, "Only active contacts (the default) count for tier requirements.")),
            ("reports_to", string("The id of this person's manager in this file.")),
            ("our_contact", string("Who on our side owns this relationship (a user name).")),
            ("last_contact", date("When we last spoke (not after today).")),
            ("email", string("Business e-mail address.")),
            ("phone", string("Business phone number.")),
            ("notes", string("What matters to this person; published on the site.")),
            ("private", private),
        ],
        &["id", "name"],
    )
}

fn actions() -> Value {
    array(
        "Action items with an owner and a due date.",
        object(
            "One action item.",
            vec![
                ("what", text("What is to be done.")),
                ("owner", string("Who does it (a user name).")),
                (
                    "due",
                    date("When it is due; open and past due is a warning."),
                ),
                (
                    "status",
                    enumeration(ACTION_STATUS, "Progress (default \"open\")."),
                ),
            ],
            &["what"],
        ),
    )
}

/// A closed object: unknown keys are typos (the loader reports them too).
fn object<K: Into<String>>(desc: &str, props: Vec<(K, Value)>, required: &[&str]) -> Value {
    let props: Map<String, Value> = props.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let mut o = json!({
        "type": "object",
        "description": desc,
        "properties": props,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

fn array(desc: &str, items: Value) -> Value {
    json!({ "type": "array", "description": desc, "items": items })
}

fn string(desc: &str) -> Value {
    json!({ "type": "string", "description": desc })
}

/// A string the loader requires to be non-blank.
fn text(desc: &str) -> Value {
    json!({ "type": "string", "description": desc, "minLength": 1, "pattern": "\\S" })
}

fn strings(desc: &str) -> Value {
    json!({ "type": "array", "description": desc, "items": { "type": "string" } })
}

fn enumeration(values: &[&str], desc: &str) -> Value {
    json!({ "type": "string", "description": desc, "enum": values })
}

fn boolean(desc: &str) -> Value {
    json!({ "type": "boolean", "description": desc })
}

/// TOML local dates reach JSON Schema validators as strings (taplo checks `format`).
fn date(desc: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": format!("{desc} A TOML date without quotes: 2026-09-30.") })
}

fn int(min: i64, max: Option<i64>, desc: &str) -> Value {
    let mut v = json!({ "type": "integer", "description": desc, "minimum": min });
    if let Some(max) = max {
        v["maximum"] = json!(max);
    }
    v
}

fn number(min: Option<i64>, desc: &str) -> Value {
    let mut v = json!({ "type": "number", "description": desc });
    if let Some(min) = min {
        v["minimum"] = json!(min);
    }
    v
}

fn money(desc: &str) -> Value {
    number(
        Some(0),
        &format!("{desc} An amount ≥ 0, exact to the cent."),
    )
}

fn pct(desc: &str) -> Value {
    let mut v = number(Some(0), desc);
    v["maximum"] = json!(100);
    v
}

/// Thousandths as a short decimal: 350 → "0.35".
pub(crate) fn weight_text(milli: i64) -> String {
    let s = format!("{}.{:03}", milli / 1000, milli % 1000);
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}
