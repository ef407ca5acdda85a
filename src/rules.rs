//! The rule catalogue: every finding `dossier check` can report has a stable code here,
//! a default severity and a one-line fix. `docs/rules.md` is generated from this table
//! (`dossier rules --markdown`) and a test keeps the two in step.

use serde::Serialize;

/// How serious a finding is. `Off` only appears as a configured level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One rule: its code, default severity, what it means and how to fix it.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub fix: &'static str,
}

use Severity::{Error as E, Warning as W};

macro_rules! rules {
    ($($id:ident = $code:literal, $sev:ident, $summary:literal, $fix:literal;)*) => {
        $(pub static $id: Rule = Rule { code: $code, severity: $sev, summary: $summary, fix: $fix };)*
        /// Every rule, in documentation order.
        pub static ALL: &[&Rule] = &[$(&$id),*];
    };
}

rules! {
    // files and the site layout
    INVALID_UTF8 = "file.invalid-utf8", E, "A file is not valid UTF-8.", "Re-save the file as UTF-8 (most editors: File → Save with encoding → UTF-8).";
    TOML_SYNTAX = "file.toml-syntax", E, "A TOML file or front matter block does not parse.", "Fix the syntax at the position shown; strings need quotes, tables need `[name]` headers.";
    MISSING_ACCOUNT = "file.missing-account", E, "An account folder has no `account.toml`.", "Add `account.toml` (run `dossier new <slug>` for a skeleton) or remove the folder.";
    FRONT_MATTER_MISSING = "file.front-matter-missing", E, "A review note does not start with a `+++` front matter block.", "Start the file with `+++`, the TOML fields (date, kind, …), and a closing `+++`.";
    FRONT_MATTER_UNCLOSED = "file.front-matter-unclosed", E, "A front matter block is opened with `+++` but never closed.", "Add a line `+++` after the last front matter field.";
    STRAY_FILE = "file.stray", W, "A file or folder the tool does not understand.", "Move it into `assets/` if it belongs to the account, or delete it.";
    SYMLINK = "file.symlink", W, "A symbolic link was skipped: links are never followed, so nothing outside the site root is read.", "Replace the link with a copy of the file.";
    TOO_LARGE = "file.too-large", E, "A file exceeds the configured size limit (`[limits] max_file_bytes`).", "Split the file, or raise the limit in dossier.toml.";
    UNREADABLE = "file.unreadable", E, "A file or folder could not be read (permissions, or a folder where a file is expected).", "Fix the permissions or replace it with a regular file.";
    SLUG = "file.slug", E, "An account folder name is not a valid slug (`a-z`, `0-9`, single `-`, at most 64 characters).", "Rename the folder, e.g. `acme-steel`; the slug is the account's URL.";
    REVIEW_FILE_NAME = "file.review-name", E, "A review note is not named `YYYY-MM-DD-<words>.md` with a real date and slug-shaped words.", "Rename it, e.g. `2026-09-30-q3-review.md`.";
    GUIDE_FILE_NAME = "file.guide-name", E, "A guide is not named `<slug>.md`.", "Rename it with lowercase letters, digits and single dashes, e.g. `credit-policy.md`.";
    ACTIVE_ASSET = "file.active-asset", E, "An asset could run script in reviewers' browsers (HTML, JavaScript, or an SVG with script or event handlers); it is not published.", "Export the picture as PNG, or remove the script from the SVG.";
    TOO_DEEP = "file.too-deep", E, "TOML nesting or an array exceeds the configured limits (`[limits]`).", "Flatten the data; dossier files never need deep nesting.";
    // schema: keys, types, values
    UNKNOWN_KEY = "schema.unknown-key", E, "A key the format does not define (often a typo).", "Use the suggested key, or remove it.";
    MISSING_KEY = "schema.missing-key", E, "A required key is missing.", "Add the key with a value.";
    WRONG_TYPE = "schema.type", E, "A value has the wrong type (e.g. a number in quotes).", "Write the value as the type shown: numbers and booleans without quotes, dates as `2026-09-30`.";
    BAD_ENUM = "schema.enum", E, "A value is not one of the allowed choices.", "Use one of the listed values (they are case-sensitive).";
    OUT_OF_RANGE = "schema.range", E, "A number is outside its allowed range (scores 1–5, percentages 0–100, money ≥ 0, …).", "Correct the value to the range shown.";
    EMPTY = "schema.empty", E, "A required text is empty.", "Fill it in.";
    FUTURE_DATE = "schema.future-date", E, "A date that records something that happened lies after today.", "Correct the date; only due dates and `next_review` may be in the future.";
    REVIEW_DATE_MISMATCH = "review.date-mismatch", E, "A review's `date` differs from the date in its file name.", "Make the two dates equal (rename the file or fix `date`).";
    // tiering
    UNKNOWN_TIER = "tier.unknown", E, "The declared tier is not one of the configured tiers.", "Use a tier name from dossier.toml `[[tiers]]`.";
    TIER_MISMATCH = "tier.mismatch", E, "The declared tier differs from the tier computed from the scores, with no `override_reason`.", "Declare the computed tier, or keep yours and explain why in `override_reason`.";
    MIN_CONTACTS = "tier.min-contacts", E, "Fewer active contacts than the tier requires.", "Add contacts (status \"active\") to contacts.toml, or review the tier.";
    MIN_DEPARTMENTS = "tier.min-departments", E, "Active contacts span fewer departments than the tier requires (single-threaded).", "Build relationships in more departments and record them.";
    DECISION_MAKER = "tier.decision-maker", E, "The tier requires a decision maker but no active contact is a `decision_maker` or `economic_buyer`.", "Identify the decision maker and give them that role.";
    PLAN_MISSING = "tier.plan-missing", E, "The tier requires an account plan but `plan.md` is missing.", "Add plan.md (see `dossier new` for the sections).";
    // credit
    CREDIT_MISSING = "credit.missing", E, "An active or at-risk account has no `[credit]` block.", "Add the `[credit]` block with limit, rating, terms and approval.";
    UNKNOWN_CURRENCY = "credit.currency", E, "A currency not in `[credit] currencies`.", "Use a configured ISO currency code (e.g. CNY, not RMB).";
    UNKNOWN_RATING = "credit.rating", E, "A credit rating not in `[credit] ratings`.", "Use one of the configured ratings.";
    OVER_LIMIT = "credit.over-limit", E, "Outstanding exceeds the credit limit (above `max_utilization_pct`).", "Collect, raise the limit with a new approval, or put the account on hold.";
    HIGH_UTILIZATION = "credit.high-utilization", W, "Utilisation is at or above `warn_utilization_pct`.", "Watch the exposure; plan collection or a limit review.";
    OVERDUE_EXCEEDS = "credit.overdue-exceeds-outstanding", E, "`overdue` is larger than `outstanding`.", "Overdue is part of outstanding: correct one of the two.";
    OLDEST_OVERDUE = "credit.oldest-overdue", E, "`oldest_overdue_days` must be > 0 exactly when `overdue` > 0.", "Set oldest_overdue_days to the age of the oldest unpaid invoice, or 0 when nothing is overdue.";
    OVERDUE_TOO_OLD = "credit.overdue-too-old", E, "Overdue invoices are older than `max_overdue_days`.", "Escalate collection; consider a hold.";
    AGING_SUM = "credit.aging-sum", E, "Aging buckets do not add up to `outstanding`.", "Make current + d1_30 + d31_60 + d61_90 + d90_plus equal outstanding.";
    AGING_OVERDUE = "credit.aging-overdue", E, "Past-due aging buckets do not add up to `overdue`.", "Make d1_30 + d31_60 + d61_90 + d90_plus equal overdue.";
    AGING_BUCKET = "credit.aging-bucket", E, "The bucket holding `oldest_overdue_days` is empty, or an older bucket is not.", "Put the oldest overdue amount in its bucket; older buckets must be 0.";
    TERMS_TOO_LONG = "credit.terms-too-long", E, "Payment terms exceed the maximum for the rating (`max_terms_days`).", "Shorten the terms or record a better rating.";
    CREDIT_REVIEW_STALE = "credit.review-stale", W, "The credit review is older than the tier's `credit_review_every_days`.", "Review the limit with credit control and update `last_review`.";
    APPROVER_IS_OWNER = "credit.approver-is-owner", E, "The credit limit was approved by the account owner (no four-eyes).", "Have someone other than the owner approve the limit.";
    APPROVER_NOT_LISTED = "credit.approver-not-listed", E, "`approved_by` is not in `[credit] approvers`.", "Have a listed approver approve the limit, or add them to dossier.toml.";
    HOLD_WITHOUT_REASON = "credit.hold-reason", E, "A credit hold without a `hold_reason`.", "Say why the account is on hold.";
    // the contact map
    DUPLICATE_CONTACT = "contact.duplicate-id", E, "Two contacts share an id.", "Give each contact a unique id.";
    REPORTS_TO_UNKNOWN = "contact.reports-to-unknown", E, "`reports_to` names a contact id that does not exist.", "Use the id of an existing contact, or remove reports_to.";
    REPORTS_TO_CYCLE = "contact.reports-to-cycle", E, "Reporting lines form a cycle.", "Break the cycle: someone must be at the top.";
    LINK_UNKNOWN = "contact.link-unknown", E, "A `[[link]]` names a contact id that does not exist.", "Use existing contact ids in `from` and `to`.";
    // the account's other facts
    PRIMARY_INTERFACE_MISSING = "account.primary-interface-missing", E, "Several sales units sell to the customer but no `primary_interface` is named.", "Name the unit that leads the relationship in `primary_interface`.";
    PRIMARY_INTERFACE_UNKNOWN = "account.primary-interface-unknown", E, "`primary_interface` is not one of `sales_units`.", "Use one of the listed sales units.";
    COMPLAINT_RESOLUTION = "complaint.resolution-missing", E, "A closed complaint has no `resolution`.", "Record how the complaint was resolved.";
    COMPLAINT_ORDER = "complaint.closed-before-opened", E, "A complaint is closed before it was opened.", "Correct `opened` or `closed`.";
    // cadence: reviews and actions
    REVIEW_STALE = "review.stale", W, "The newest review note is older than the tier's `review_every_days`.", "Hold the review and add its note under reviews/.";
    REVIEW_MISSING = "review.missing", W, "An active or at-risk account has no review notes.", "Add a review note (`dossier new review <slug>`).";
    ATTENDEE_UNKNOWN = "review.attendee-unknown", E, "A review attendee is not a contact id in contacts.toml.", "Use the contact's id, or add the contact.";
    NEXT_REVIEW_PAST = "review.next-overdue", W, "The newest review's `next_review` date has passed.", "Hold the next review, or move next_review.";
    ACTION_OVERDUE = "action.overdue", W, "An open action is past its due date.", "Mark it done or dropped, or set a new due date.";
    OBJECTIVE_OVERDUE = "objective.overdue", W, "An objective that is not done is past its due date.", "Update its status or due date.";
    // the portfolio
    DUPLICATE_CUSTOMER = "portfolio.duplicate-customer", E, "The same customer is filed twice (same `tax_id`, or same normalised `legal_name`).", "Merge the two accounts: one customer, one accountable owner.";
    TOP_TIER_CAP = "portfolio.top-tier-cap", W, "More accounts in the top tier than `max_top_tier_accounts`.", "Few accounts can be truly strategic: review the top tier.";
    OWNER_CAP = "portfolio.owner-cap", W, "An owner holds more accounts than `max_accounts_per_owner`.", "Rebalance the portfolio between owners.";
    // Markdown
    BROKEN_LINK = "link.broken", E, "A relative link or image points to a page or file that does not exist.", "Fix the path (relative to the file), e.g. `reviews/2026-09-30-q3-review.md`.";
    LINK_OUTSIDE = "link.outside-root", E, "A link uses an absolute path or leaves the site with `..`.", "Use a path relative to the file, inside the site.";
    RAW_HTML = "markdown.raw-html", W, "Raw HTML in Markdown was removed (contributor content may not carry HTML).", "Use Markdown instead of HTML.";
    UNSAFE_URL = "markdown.unsafe-url", E, "A `javascript:`, `data:` or similar link was removed.", "Link to an http(s) page or a file in the site.";
    // dossier.toml
    CONFIG_WEIGHTS = "config.weights", E, "Scoring weights must be non-negative, have at most 3 decimals and sum to exactly 1.", "Correct `[scoring] weights`.";
    CONFIG_TIERS = "config.tiers", E, "The tier list is empty, has duplicate names, or is not ordered best first.", "List tiers best first with decreasing `min_score`.";
    CONFIG_CREDIT = "config.credit", E, "The credit policy is inconsistent (e.g. `max_terms_days` names an unknown rating).", "Make `[credit]` consistent.";
    CONFIG_RULE = "config.rules", E, "`[rules]` names an unknown rule or an unknown level.", "Use a code from docs/rules.md and one of error / warning / off.";
}

/// Every rule: the catalogue above plus the diff rules of `check --since` (git.rs).
pub fn all() -> impl Iterator<Item = &'static Rule> {
    ALL.iter().chain(crate::git::SINCE_RULES.iter()).copied()
}

/// Look a rule up by code.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    all().find(|r| r.code == code)
}

/// The rule table as Markdown (docs/rules.md).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated by `dossier rules --markdown`; do not edit by hand.\n\
         Set any rule's level per repo in dossier.toml: `[rules] \"credit.high-utilization\" = \"error\"` (or `\"warning\"`, `\"off\"`).\n\n\
         | code | default | what it means | how to fix |\n|---|---|---|---|\n",
    );
    for r in all() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.code,
            r.severity.as_str(),
            r.summary,
            r.fix
        ));
    }
    out
}
