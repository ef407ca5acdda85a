//! Scaffolding: `dossier init` (a new account repo), `dossier new <slug>` (an account
//! folder) and `dossier new review <slug>` (a review note).
//!
//! Everything written passes `dossier check` with no findings on the day it is written:
//! dates are relative to `today`, scores are searched so that the computed tier is the
//! declared one, and placeholder contacts and credit terms meet the repo's own policy.
//! Placeholders say `TODO` so a team can find what is still to fill in. Nothing is ever
//! overwritten: if one target exists, nothing is written at all.

use crate::config::{Config, TierPolicy};
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::load::is_slug;
use crate::model::REVIEW_KINDS;
use crate::schema::weight_text;
use std::fmt::Write as _;
use std::path::Path;

/// `dossier new <slug>` options; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub slug: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub tier: Option<String>,
}

pub const EXAMPLE_SLUG: &str = "example-customer";
const DEFAULT_OWNER: &str = "owner.name";
const DEFAULT_APPROVER: &str = "finance.approver";
/// 5^8 score combinations at most: a policy with more dimensions is searched no further.
const MAX_DIMENSIONS: usize = 8;

/// Read the repo's dossier.toml (built-in defaults without one). Errors in it are
/// refused: a scaffold made for a policy that does not parse would not pass the check.
pub fn load_config(root: &Path) -> Result<Config, String> {
    let path = root.join("dossier.toml");
    if path.symlink_metadata().is_err() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (cfg, diags) = Config::parse(text.trim_start_matches('\u{feff}'));
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == crate::rules::Severity::Error)
        .map(|d| format!("  {}: {}", d.rule.code, d.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{} has errors; fix them first (`dossier check` shows where):\n{}",
            path.display(),
            errors.join("\n")
        ));
    }
    Ok(cfg)
}

/// The date to scaffold for: `--today`, else dossier.toml's pinned `today`, else the local
/// date, as `dossier check` decides it (so a repo that pins its date gets notes on that
/// date, not ones the check would call future).
pub fn site_today(root: &Path, flag: Option<Date>) -> Date {
    flag.or_else(|| load_config(root).ok()?.today)
        .unwrap_or_else(Date::today_local)
}

/// Create a new account repo in `dir` (created if missing): settings with the default
/// policy, a home page, a guide, one complete example account, editor schemas and CI
/// examples. Returns the files written (relative, sorted).
pub fn init(dir: &Path, today: Date) -> Result<Vec<String>, String> {
    let cfg = Config::default();
    let mut files: Vec<(String, String)> = vec![
        ("dossier.toml".into(), dossier_toml(&cfg)),
        (".gitignore".into(), "/public\n".into()),
        (".taplo.toml".into(), TAPLO.into()),
        ("content/_index.md".into(), INDEX_MD.into()),
        ("content/guides/getting-started.md".into(), guide(&cfg)),
        ("ci/github-actions.yml".into(), GITHUB_ACTIONS.into()),
        ("ci/gitlab-ci.yml".into(), GITLAB_CI.into()),
    ];
    for (name, text) in crate::schema::schemas() {
        files.push((format!("schemas/{name}"), text));
    }
    files.extend(example_account(&cfg, today));
    write_new(dir, files)
}

/// Scaffold `content/accounts/<slug>/` for the chosen tier (default: the last, loosest
/// one) so that it passes the repo's policy as written.
pub fn new_account(
    root: &Path,
    cfg: &Config,
    a: &NewAccount,
    today: Date,
) -> Result<Vec<String>, String> {
    if !root.join("content").is_dir() {
        return Err(format!(
            "`{}` is not a dossier site (it has no content/ folder): run `dossier init` first",
            root.display()
        ));
    }
    let slug = a.slug.as_str();
    if !is_slug(slug) || slug.len() > 64 {
        return Err(format!(
            "`{slug}` is not a valid account slug: use lowercase letters and digits in groups joined by single dashes, at most 64 characters, e.g. `{}`",
            suggest_slug(slug)
        ));
    }
    let accounts = root.join("content/accounts");
    if accounts.join(slug).symlink_metadata().is_ok() {
        let free = (2..)
            .map(|n| {
                format!(
                    "{}-{n}",
                    slug.get(..60).unwrap_or(slug).trim_end_matches('-')
                )
            })
            .find(|s| accounts.join(s).symlink_metadata().is_err())
            .unwrap_or_default();
        return Err(format!(
            "account `{slug}` already exists (content/accounts/{slug}/); choose another slug, e.g. `{free}`"
        ));
    }
    let tier = match &a.tier {
        Some(t) => cfg.tier(t).ok_or_else(|| {
            let names: Vec<&str> = cfg.tiers.iter().map(|t| t.name.as_str()).collect();
            format!(
                "tier `{t}` is not configured; configured tiers: {}",
                names.join(", ")
            )
        })?,
        None => cfg.tiers.last().ok_or("dossier.toml configures no tiers")?,
    };
    let name = a.name.clone().unwrap_or_else(|| title_case(slug));
    let owner = a.owner.clone().unwrap_or_else(|| DEFAULT_OWNER.into());
    for (what, v) in [("name", &name), ("owner", &owner)] {
        if v.trim().is_empty() {
            return Err(format!("the account {what} must not be empty"));
        }
    }
    if approver(cfg, &owner) == owner {
        return Err(format!(
            "`{owner}` is the only credit approver in dossier.toml, and the owner may not approve their own account's limit: choose another owner or add an approver"
        ));
    }
    let lang = Lang(cfg.language == "zh");
    let dir = format!("content/accounts/{slug}");
    let scores = scores_for(cfg, tier)?;
    let kickoff = format!("reviews/{today}-kickoff.md");
    let files = vec![
        (
            format!("{dir}/account.toml"),
            account_toml(cfg, tier, &scores, &name, &owner, today),
        ),
        (
            format!("{dir}/contacts.toml"),
            contacts_toml(tier, &owner, lang),
        ),
        (
            format!("{dir}/plan.md"),
            plan_md(lang, &owner, today, &kickoff, None),
        ),
        (
            format!("{dir}/{kickoff}"),
            review_md(
                lang,
                "visit",
                Some(&owner),
                today,
                today.add_days(tier.review_every_days.min(90)),
                None,
            ),
        ),
    ];
    write_new(root, files)
}

/// Add `content/accounts/<slug>/reviews/<today>-<kind>-review.md` (then `-2`, `-3`, … on
/// the same day). Returns its path relative to `root`.
pub fn new_review(root: &Path, slug: &str, kind: &str, today: Date) -> Result<String, String> {
    // Accept `win-loss` for `win_loss`: the file name uses dashes, so people type them.
    let kind_key = kind.replace('-', "_");
    if !REVIEW_KINDS.contains(&kind_key.as_str()) {
        let hint = did_you_mean(&kind_key, REVIEW_KINDS.iter().copied())
            .map(|m| format!("did you mean `{m}`? "))
            .unwrap_or_default();
        return Err(format!(
            "unknown review kind `{kind}`: {hint}kinds: {}",
            REVIEW_KINDS.join(", ")
        ));
    }
    let accounts = root.join("content/accounts");
    let account_toml = accounts.join(slug).join("account.toml");
    if !is_slug(slug) || !account_toml.is_file() {
        let slugs: Vec<String> = std::fs::read_dir(&accounts)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().join("account.toml").is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let hint = did_you_mean(slug, slugs.iter().map(String::as_str))
            .map(|m| format!("; did you mean `{m}`?"))
            .unwrap_or_else(|| "; `dossier new <slug>` creates an account".into());
        return Err(format!(
            "no account `{slug}` (content/accounts/{slug}/account.toml){hint}"
        ));
    }
    // The owner reviews by default; the account's language (else the site's) picks the
    // headings. Unreadable files just mean fewer defaults: `check` reports them anyway.
    let account: Option<toml::Value> = std::fs::read_to_string(&account_toml)
        .ok()
        .and_then(|t| toml::from_str(t.trim_start_matches('\u{feff}')).ok());
    let field = |k: &str| {
        account
            .as_ref()
            .and_then(|a| a.get(k)?.as_str().map(str::to_string))
            .filter(|s| !s.trim().is_empty())
    };
    let site_lang = load_config(root).map(|c| c.language).unwrap_or_default();
    let lang = Lang(field("language").unwrap_or(site_lang) == "zh");
    let reviews = format!("content/accounts/{slug}/reviews");
    let base = format!("{today}-{}-review", kind_key.replace('_', "-"));
    let rel = (1..)
        .map(|n| match n {
            1 => format!("{reviews}/{base}.md"),
            n => format!("{reviews}/{base}-{n}.md"),
        })
        .find(|p| root.join(p).symlink_metadata().is_err())
        .expect("some suffix is free");
    let text = review_md(
        lang,
        &kind_key,
        field("owner").as_deref(),
        today,
        today.add_days(90),
        None,
    );
    write_new(root, vec![(rel.clone(), text)])?;
    Ok(rel)
}

/// Write all files or none: every target is checked first (an existing file, or a file
/// where a folder must go, refuses the whole set); a failed write removes what was written.
fn write_new(root: &Path, mut files: Vec<(String, String)>) -> Result<Vec<String>, String> {
    files.sort();
    for (rel, _) in &files {
        let path = root.join(rel);
        if path.symlink_metadata().is_ok() {
            return Err(format!(
                "{} already exists; nothing was written (dossier never overwrites files)",
                path.display()
            ));
        }
        for anc in path.ancestors().skip(1) {
            if anc.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
                return Err(format!(
                    "{} is in the way: it is not a folder; nothing was written",
                    anc.display()
                ));
            }
        }
    }
    let mut written = Vec::new();
    for (rel, text) in &files {
        let path = root.join(rel);
        let res = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| {
                // create_new: never clobber a file that appeared since the check above.
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)?
                    .write_all(text.as_bytes())
            });
        if let Err(e) = res {
            for w in &written {
                let _ = std::fs::remove_file(root.join(w));
            }
            return Err(format!("cannot write {}: {e}", path.display()));
        }
        written.push(rel.clone());
    }
    Ok(written)
}

/// English or Chinese (`language = "zh"`) headings and prompts.
#[derive(Clone, Copy)]
struct Lang(bool);

impl Lang {
    fn t<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        if self.0 {
            zh
        } else {
            en
        }
    }
}

/// A TOML basic string.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(xs: &[String]) -> String {
    let items: Vec<String> = xs.iter().map(|x| q(x)).collect();
    format!("[{}]", items.join(", "))
}

fn title_case(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A valid slug close to `s`: lowercase ASCII letters and digits, runs of anything else
/// become one dash, at most 64 characters.
fn suggest_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.chars().take(64).collect();
    match out.trim_end_matches('-') {
        "" => "acme-steel".into(),
        s => s.into(),
    }
}

/// Scores (1–5 per dimension, in the policy's order) that compute exactly `tier`. Of all
/// combinations that do, the one nearest the middle of the tier's band with the most even
/// scores: a plausible starting point rather than an edge case.
fn scores_for(cfg: &Config, tier: &TierPolicy) -> Result<Vec<(String, i64)>, String> {
    let dims: Vec<&str> = cfg
        .scoring
        .weights
        .iter()
        .map(|(d, _)| d.as_str())
        .collect();
    if dims.len() > MAX_DIMENSIONS {
        return Err(format!(
            "the policy has {} scoring dimensions; `dossier new` searches scores for at most {MAX_DIMENSIONS}",
            dims.len()
        ));
    }
    let combos = || {
        (0..5usize.pow(dims.len() as u32)).map(|mut i| {
            let mut v = Vec::with_capacity(dims.len());
            for _ in &dims {
                v.push((i % 5) as i64 + 1);
                i /= 5;
            }
            v
        })
    };
    let score = |v: &[i64]| {
        cfg.score_milli(|d| dims.iter().position(|x| *x == d).map(|i| v[i]))
            .filter(|&m| cfg.tier_for(m).is_some_and(|t| t.name == tier.name))
    };
    let (lo, hi) = combos()
        .filter_map(|v| score(&v))
        .fold(None, |acc: Option<(i64, i64)>, m| {
            Some(acc.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m))))
        })
        .ok_or_else(|| {
            format!(
                "no scores from 1 to 5 compute tier `{}` under this policy (min_score {}); create the account in another tier, or declare `{}` with an `override_reason`",
                tier.name, tier.min_score, tier.name
            )
        })?;
    let best = combos()
        .filter_map(|v| score(&v).map(|m| (v, m)))
        .min_by_key(|(v, m)| {
            let spread = v.iter().max().unwrap_or(&0) - v.iter().min().unwrap_or(&0);
            ((2 * m - lo - hi).abs(), spread, v.clone())
        })
        .map(|(v, _)| v)
        .expect("a combination exists");
    Ok(dims.iter().map(|d| d.to_string()).zip(best).collect())
}

/// An approver who is not the owner, preferring the configured list.
fn approver(cfg: &Config, owner: &str) -> String {
    let fallback = [DEFAULT_APPROVER.to_string(), format!("{DEFAULT_APPROVER}2")];
    let candidates = if cfg.credit.approvers.is_empty() {
        &fallback[..]
    } else {
        &cfg.credit.approvers[..]
    };
    candidates
        .iter()
        .find(|a| *a != owner)
        .unwrap_or(&candidates[0])
        .clone()
}

fn account_toml(
    cfg: &Config,
    tier: &TierPolicy,
    scores: &[(String, i64)],
    name: &str,
    owner: &str,
    today: Date,
) -> String {
    let currency = q(cfg.credit.currencies.first().map_or("EUR", String::as_str));
    // A middle rating; the cash terms below are within every rating's maximum anyway.
    let rating = cfg
        .credit
        .ratings
        .get(cfg.credit.ratings.len().saturating_sub(1) / 2)
        .map_or("BBB", String::as_str);
    let mut s = String::from(
        "# The facts of this account; the format is explained in dossier's docs/format.md.\n\
         # Placeholders say TODO: replace them, then run `dossier check`.\n",
    );
    kv(&mut s, &format!("name = {}", q(name)), "");
    kv(
        &mut s,
        "# legal_name = \"TODO\"",
        "registered name: finds a customer filed twice",
    );
    kv(
        &mut s,
        "# tax_id = \"TODO\"",
        "company registration id: finds duplicates too",
    );
    kv(&mut s, "# industry = \"TODO\"", "");
    kv(&mut s, "# region = \"TODO\"", "");
    kv(
        &mut s,
        "status = \"active\"",
        "active | prospect | at_risk | churned",
    );
    kv(
        &mut s,
        &format!("owner = {}", q(owner)),
        "the accountable account owner",
    );
    kv(
        &mut s,
        "# team = { solution = \"TODO\", delivery = \"TODO\", exec_sponsor = \"TODO\" }",
        "",
    );
    kv(
        &mut s,
        "# sales_units = [\"TODO\"]",
        "with several units, also set primary_interface",
    );
    kv(
        &mut s,
        &format!("customer_since = {}", today.add_days(-730)),
        "TODO: the first order or contract",
    );
    kv(&mut s, "tags = []", "");
    s.push_str("\n[tier]\n");
    kv(
        &mut s,
        &format!("declared = {}", q(&tier.name)),
        "must equal the tier the scores compute",
    );
    kv(
        &mut s,
        "override_reason = \"\"",
        "or keep another tier and say why here",
    );
    kv(
        &mut s,
        "[tier.scores]",
        &format!(
            "1–5 each. TODO: placeholders that compute tier {}",
            tier.name
        ),
    );
    for (dim, v) in scores {
        let key = if is_bare_key(dim) {
            dim.clone()
        } else {
            q(dim)
        };
        let inv = cfg.scoring.inverted.contains(dim);
        kv(
            &mut s,
            &format!("{key} = {v}"),
            if inv { "inverted: 5 = worst" } else { "" },
        );
    }
    s.push('\n');
    kv(&mut s, "# [relationship]", "");
    kv(
        &mut s,
        "# level = 2",
        "1 transactional, 2 cooperative, 3 strategic partnership",
    );
    kv(&mut s, "# competitors = [\"TODO\"]", "");
    s.push('\n');
    kv(
        &mut s,
        "# [[criteria]]",
        "purchase criteria; the worst fit sets the churn risk",
    );
    kv(
        &mut s,
        "# name = \"TODO: e.g. lead time under 4 weeks\"",
        "",
    );
    kv(
        &mut s,
        "# fit = \"unknown\"",
        "us_only | both | competitor_only | unknown",
    );
    s.push('\n');
    kv(
        &mut s,
        "[credit]",
        "required while the status is active or at_risk",
    );
    kv(&mut s, &format!("currency = {currency}"), "");
    kv(
        &mut s,
        "limit = 0",
        "0 = cash customer. TODO: the limit finance approves",
    );
    kv(
        &mut s,
        &format!("rating = {}", q(rating)),
        "TODO: finance's rating; it caps payment_terms_days",
    );
    kv(&mut s, "payment_terms_days = 0", "");
    kv(&mut s, "prepayment_pct = 100", "");
    kv(&mut s, "outstanding = 0", "");
    kv(&mut s, "overdue = 0", "");
    kv(&mut s, "oldest_overdue_days = 0", "");
    kv(&mut s, &format!("last_review = {today}"), "");
    kv(
        &mut s,
        &format!("approved_by = {}", q(&approver(cfg, owner))),
        "never the owner",
    );
    kv(&mut s, &format!("approved_on = {today}"), "");
    kv(&mut s, "hold = false", "");
    s.push('\n');
    kv(&mut s, "# [revenue]", "");
    kv(&mut s, &format!("# currency = {currency}"), "");
    kv(&mut s, "# last_fy = 0", "");
    kv(&mut s, "# target_fy = 0", "");
    kv(&mut s, "# share_of_wallet_pct = 0", "");
    s
}

/// One line, its comment aligned at column 35 so generated files read like hand-written ones.
fn kv(s: &mut String, line: &str, comment: &str) {
    let _ = if comment.is_empty() {
        writeln!(s, "{line}")
    } else {
        writeln!(s, "{line:<33} # {comment}")
    };
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Placeholder people: enough active contacts, in enough departments, with a decision
/// maker, for the tier's requirements. Each has its own department, so the department
/// count is the contact count.
fn contacts_toml(tier: &TierPolicy, owner: &str, lang: Lang) -> String {
    const PEOPLE: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
        (
            "general-manager",
            "General Manager",
            "总经理",
            "Management",
            "总经办",
            "executive",
            "decision_maker",
        ),
        (
            "head-of-engineering",
            "Head of Engineering",
            "技术总监",
            "Engineering",
            "研发部",
            "management",
            "technical_buyer",
        ),
        (
            "purchasing-manager",
            "Purchasing Manager",
            "采购经理",
            "Procurement",
            "采购部",
            "management",
            "procurement",
        ),
        (
            "operations-manager",
            "Operations Manager",
            "生产经理",
            "Operations",
            "生产部",
            "management",
            "user_buyer",
        ),
        (
            "finance-manager",
            "Finance Manager",
            "财务经理",
            "Finance",
            "财务部",
            "management",
            "finance_approver",
        ),
        (
            "quality-manager",
            "Quality Manager",
            "质量经理",
            "Quality",
            "质量部",
            "management",
            "influencer",
        ),
    ];
    let n = tier.min_contacts.max(tier.min_departments).max(1) as usize;
    let mut s = String::from(
        "# The people at the customer. Placeholders say TODO: replace them with real contacts.\n\
         # Tier requirements count active contacts, their departments and a decision maker.\n",
    );
    for i in 0..n {
        let (id, title, dept, level, role) = match PEOPLE.get(i) {
            Some(&(id, en, zh, den, dzh, level, role)) => (
                id.to_string(),
                lang.t(en, zh).to_string(),
                lang.t(den, dzh).to_string(),
                level,
                role,
            ),
            None => (
                format!("contact-{}", i + 1),
                "TODO".into(),
                format!("TODO department {}", i + 1),
                "operational",
                "influencer",
            ),
        };
        let _ = write!(
            s,
            "\n[[contact]]\nid = {}\nname = {}\ntitle = {}\ndepartment = {}\nlevel = {}\nroles = [{}]\nstance = \"neutral\"\ninfluence = \"{}\"\nstatus = \"active\"\n",
            q(&id),
            q(&format!("TODO {title}")),
            q(&title),
            q(&dept),
            q(level),
            q(role),
            if i == 0 { "high" } else { "medium" },
        );
        if i > 0 {
            let _ = writeln!(s, "reports_to = \"{}\"", PEOPLE[0].0);
        }
        let _ = writeln!(s, "our_contact = {}", q(owner));
    }
    s
}

/// Example prose: the six section bodies, an objective and an action (else TODO prompts).
type PlanText<'a> = ([&'a str; 6], &'a str, &'a str);

fn plan_md(lang: Lang, owner: &str, today: Date, kickoff: &str, text: Option<PlanText>) -> String {
    let sections: [(&str, &str, &str, &str); 6] = [
        (
            "Situation",
            "现状",
            "Who the customer is, what they buy from us and from whom else, and how the last year went: revenue, share of wallet, delivery, quality.",
            "客户是谁、向我们和其他供应商采购什么，过去一年的情况：销售额、钱包份额、交付、质量。",
        ),
        (
            "Customer priorities",
            "客户优先事项",
            "What the customer must achieve this year, in their words, and what it means for us.",
            "客户今年必须实现的目标（用客户自己的话），以及这对我们意味着什么。",
        ),
        (
            "Competition",
            "竞争",
            "Who else sells here, their strengths and weaknesses, and where they stand with the customer.",
            "还有谁在这里销售，他们的优势和劣势，以及在客户处的位置。",
        ),
        (
            "Objectives",
            "目标",
            "What we want to achieve in this period, measurable; the objectives in the front matter are tracked on the site.",
            "本期要实现的可衡量目标；前置信息中的 objectives 会在网站上跟踪。",
        ),
        (
            "Relationship strategy",
            "关系策略",
            "Which relationships to build or repair, who on our side owns each, and how often we meet.",
            "要建立或修复哪些关系，我方由谁负责，多久见一次面。",
        ),
        (
            "Risks",
            "风险",
            "What could lose us business or money, and what we do about it.",
            "哪些因素可能让我们失去业务或造成损失，以及应对措施。",
        ),
    ];
    let mut s = String::from("+++\n");
    kv(
        &mut s,
        &format!("period = \"FY{}\"", today.year),
        "the period this plan covers",
    );
    kv(&mut s, &format!("updated = {today}"), "");
    s.push_str("\n[[objectives]]\n");
    let objective = text.map_or_else(
        || {
            lang.t(
                "TODO: a measurable objective for this period",
                "TODO：本期可衡量的目标",
            )
        },
        |t| t.1,
    );
    kv(&mut s, &format!("text = {}", q(objective)), "");
    kv(&mut s, &format!("owner = {}", q(owner)), "");
    kv(&mut s, &format!("due = {}", today.add_days(365)), "");
    kv(
        &mut s,
        "status = \"not_started\"",
        "not_started | in_progress | done | dropped",
    );
    kv(
        &mut s,
        "# metric = \"share_of_wallet_pct\"",
        "what is measured",
    );
    kv(&mut s, "# target = 40", "");
    s.push_str("\n[[actions]]\n");
    let action = text.map_or_else(
        || lang.t("TODO: the first step towards it", "TODO：实现目标的第一步"),
        |t| t.2,
    );
    kv(&mut s, &format!("what = {}", q(action)), "");
    kv(&mut s, &format!("owner = {}", q(owner)), "");
    kv(&mut s, &format!("due = {}", today.add_days(30)), "");
    kv(&mut s, "status = \"open\"", "open | done | dropped");
    s.push_str("+++\n");
    for (i, (en, zh, pen, pzh)) in sections.iter().enumerate() {
        let sep = if i == 0 { "" } else { "\n" };
        let body = match text {
            Some(t) => t.0[i].to_string(),
            None => format!("TODO: {}", lang.t(pen, pzh)),
        };
        let _ = write!(s, "{sep}## {}\n\n{body}\n", lang.t(en, zh));
    }
    let _ = write!(
        s,
        "\n{} [{}]({kickoff}).\n",
        lang.t("See the", "见"),
        lang.t("kickoff note", "启动会议记录")
    );
    s
}

/// Example content of a review note: attendees, summary, the decisions and actions
/// (TOML), the three section bodies.
type ReviewText<'a> = (&'a [&'a str], &'a str, &'a str, [&'a str; 3]);

/// A review note; without `text`, placeholders.
fn review_md(
    lang: Lang,
    kind: &str,
    reviewer: Option<&str>,
    today: Date,
    next: Date,
    text: Option<ReviewText>,
) -> String {
    let reviewers: Vec<String> = reviewer.map(str::to_string).into_iter().collect();
    let (attendees, summary) = text.map_or(
        (
            &[][..],
            lang.t(
                "TODO: one or two sentences for the timeline",
                "TODO：一两句话的摘要",
            ),
        ),
        |t| (t.0, t.1),
    );
    let attendees: Vec<String> = attendees.iter().map(|a| a.to_string()).collect();
    let mut s = String::from("+++\n");
    kv(
        &mut s,
        &format!("date = {today}"),
        "must equal the date in the file name",
    );
    kv(
        &mut s,
        &format!("kind = {}", q(kind)),
        &REVIEW_KINDS.join(" | "),
    );
    kv(
        &mut s,
        &format!("reviewers = {}", list(&reviewers)),
        "our people",
    );
    kv(
        &mut s,
        &format!("attendees = {}", list(&attendees)),
        "the customer's people: contact ids from contacts.toml",
    );
    kv(&mut s, "health = \"green\"", "green | amber | red");
    kv(&mut s, &format!("summary = {}", q(summary)), "");
    kv(&mut s, &format!("next_review = {next}"), "");
    match text {
        Some(t) => {
            let _ = write!(s, "\n{}+++\n", t.2);
        }
        None => {
            let _ = write!(
                s,
                "\n# [[decisions]]\n# text = \"What was decided, in one sentence.\"\n\n\
                 # [[actions]]\n# what = \"What is to be done\"\n# owner = \"who.does.it\"\n\
                 # due = {}\n# status = \"open\"\n+++\n",
                today.add_days(14)
            );
        }
    }
    let sections = [
        (
            lang.t("Discussion", "讨论"),
            lang.t(
                "what was discussed, with the numbers that matter.",
                "讨论了什么，以及关键数据。",
            ),
        ),
        (
            lang.t("Decisions", "决定"),
            lang.t(
                "what was decided (also list them as [[decisions]] above).",
                "做出了哪些决定（同时写在上方的 [[decisions]] 中）。",
            ),
        ),
        (
            lang.t("Next steps", "下一步"),
            lang.t(
                "who does what by when (track them as [[actions]] above).",
                "谁在什么时间前做什么（用上方的 [[actions]] 跟踪）。",
            ),
        ),
    ];
    for (i, (h, p)) in sections.iter().enumerate() {
        let sep = if i == 0 { "" } else { "\n" };
        let body = match text {
            Some(t) => t.3[i].to_string(),
            None => format!("TODO: {p}"),
        };
        let _ = write!(s, "{sep}## {h}\n\n{body}\n");
    }
    s
}

/// dossier.toml with every key of the built-in policy written out and explained, so a
/// team sees what it can change. Generated from `Config::default()` so it cannot drift.
fn dossier_toml(cfg: &Config) -> String {
    let mut s = String::from(
        "# Settings and account-management policy of this playbook site. Every key is optional:\n\
         # one left out takes the built-in default, which is what is written here. `dossier check`\n\
         # validates this file too (unknown keys are errors).\n\n",
    );
    kv(
        &mut s,
        &format!("title = {}", q(&cfg.title)),
        "the site title",
    );
    kv(
        &mut s,
        &format!("base_url = {}", q(&cfg.base_url)),
        "where the site is served (may include a sub-path); for the sitemap and feed",
    );
    kv(
        &mut s,
        &format!("language = {}", q(&cfg.language)),
        "\"en\" | \"zh\": the UI labels; an account may set its own",
    );
    kv(
        &mut s,
        "# today = 2026-01-31",
        "pins \"today\" for reproducible runs (demos, tests).",
    );
    kv(
        &mut s,
        "#",
        "Leave it unset here, so reviews and credit reviews fall",
    );
    kv(
        &mut s,
        "#",
        "due on the real date; `--today YYYY-MM-DD` pins one run.",
    );
    kv(
        &mut s,
        &format!("include_private = {}", cfg.include_private),
        "true publishes [contact.private] (birthdays, interests)",
    );
    kv(
        &mut s,
        "# theme = \"ours\"",
        "use overrides from themes/<name>/templates and static/",
    );
    kv(
        &mut s,
        "# repo_url = \"https://git.example.com/sales/playbooks\"",
        "links to commits on the account pages",
    );
    kv(
        &mut s,
        "# commit_url_template = \"\"",
        "the commit link, for hosts whose URLs differ",
    );
    let weights: Vec<String> = cfg
        .scoring
        .weights
        .iter()
        .map(|(d, w)| format!("{d} = {}", weight_text(*w)))
        .collect();
    let _ = write!(
        s,
        "\n[scoring]\n\
         # Each account scores every dimension 1–5 in [tier.scores] of its account.toml. The score\n\
         # is the sum of weight × score; an inverted dimension (risk: 5 = highest risk) counts as\n\
         # 6 − score. Weights have at most 3 decimals and add up to exactly 1.\n\
         weights = {{ {} }}\n\
         inverted = {}\n\n\
         # Tiers, best first: an account's computed tier is the first whose min_score its score\n\
         # reaches (equal meets it). The declared tier must match unless override_reason says why.\n",
        weights.join(", "),
        list(&cfg.scoring.inverted)
    );
    for t in &cfg.tiers {
        s.push_str("[[tiers]]\n");
        kv(&mut s, &format!("name = {}", q(&t.name)), "");
        kv(
            &mut s,
            &format!("label = {}", q(&t.label)),
            "shown on the site",
        );
        kv(&mut s, &format!("min_score = {}", t.min_score), "");
        kv(
            &mut s,
            &format!("review_every_days = {}", t.review_every_days),
            "active/at-risk accounts: a review note this often",
        );
        kv(
            &mut s,
            &format!("credit_review_every_days = {}", t.credit_review_every_days),
            "... and a credit review (credit.last_review)",
        );
        kv(
            &mut s,
            &format!("min_contacts = {}", t.min_contacts),
            "active contacts in contacts.toml",
        );
        kv(
            &mut s,
            &format!("min_departments = {}", t.min_departments),
            "... in this many departments (multi-threading)",
        );
        kv(
            &mut s,
            &format!("requires_plan = {}", t.requires_plan),
            "plan.md must exist",
        );
        kv(
            &mut s,
            &format!("requires_decision_maker = {}", t.requires_decision_maker),
            "an active decision_maker or economic_buyer",
        );
        s.push('\n');
    }
    // An absent cap is no cap: write it commented out.
    let cap = |key: &str, n: Option<i64>| match n {
        Some(n) => format!("{key} = {n}"),
        None => format!("# {key} = 10"),
    };
    kv(
        &mut s,
        "[portfolio]",
        "caps, reported as warnings; churned accounts do not count",
    );
    kv(
        &mut s,
        &cap("max_top_tier_accounts", cfg.portfolio.max_top_tier_accounts),
        "accounts declared in the first tier",
    );
    kv(
        &mut s,
        &cap(
            "max_accounts_per_owner",
            cfg.portfolio.max_accounts_per_owner,
        ),
        "accounts per owner",
    );
    let c = &cfg.credit;
    let terms: Vec<String> = c
        .max_terms_days
        .iter()
        .map(|(r, d)| format!("{r} = {d}"))
        .collect();
    s.push_str("\n[credit]\n");
    kv(
        &mut s,
        &format!("currencies = {}", list(&c.currencies)),
        "ISO codes accounts may use",
    );
    kv(
        &mut s,
        &format!("approvers = {}", list(&c.approvers)),
        "who may approve limits (credit.approved_by), e.g.",
    );
    kv(
        &mut s,
        "#",
        "[\"fin.zhang\"]; empty: anyone but the account owner",
    );
    kv(
        &mut s,
        &format!("ratings = {}", list(&c.ratings)),
        "best first",
    );
    kv(
        &mut s,
        &format!("warn_utilization_pct = {}", c.warn_utilization_pct),
        "outstanding / limit at or above this: a warning",
    );
    kv(
        &mut s,
        &format!("max_utilization_pct = {}", c.max_utilization_pct),
        "above this: over the limit (an error)",
    );
    kv(
        &mut s,
        &format!("max_overdue_days = {}", c.max_overdue_days),
        "the oldest unpaid invoice, days past due",
    );
    kv(
        &mut s,
        "# The longest payment terms per rating, in days:",
        "",
    );
    kv(
        &mut s,
        &format!("max_terms_days = {{ {} }}", terms.join(", ")),
        "",
    );
    s.push('\n');
    kv(
        &mut s,
        "[limits]",
        "inputs beyond these are findings, not crashes",
    );
    kv(
        &mut s,
        &format!("max_file_bytes = {}", cfg.limits.max_file_bytes),
        "per file",
    );
    kv(
        &mut s,
        &format!("max_nesting = {}", cfg.limits.max_nesting),
        "TOML nesting depth",
    );
    kv(
        &mut s,
        &format!("max_array_len = {}", cfg.limits.max_array_len),
        "items in one array",
    );
    s.push_str(
        "\n[rules]\n\
         # Change the level of any rule: \"error\", \"warning\" or \"off\" (`dossier rules` lists them).\n\
         # \"credit.high-utilization\" = \"error\"\n\
         # \"action.overdue\" = \"off\"\n",
    );
    s
}

/// The complete example account of `dossier init`: realistic values for the built-in
/// policy's top tier (4 active contacts in 4 departments, a decision maker, a plan, a
/// review today), so a new team sees every part of the format filled in.
fn example_account(cfg: &Config, today: Date) -> Vec<(String, String)> {
    let dir = format!("content/accounts/{EXAMPLE_SLUG}");
    let top = &cfg.tiers[0];
    let kickoff = format!("reviews/{today}-kickoff.md");
    let account = format!(
        r#"# An example account: every part of the format filled in. Copy its shape for real
# accounts (`dossier new <slug>` makes a skeleton), then delete this folder.
name = "Example Customer"
legal_name = "Example Customer Manufacturing Ltd."
tax_id = "EX-0000001"
industry = "Industrial machinery"
region = "North"
status = "active"                 # active | prospect | at_risk | churned
owner = "alex.morgan"             # the accountable account owner
team = {{ solution = "sam.lee", delivery = "kim.park", exec_sponsor = "jordan.blake" }}
sales_units = ["north-region", "machinery-kam"]
primary_interface = "machinery-kam"
customer_since = {since}
tags = ["machinery", "example"]

[tier]
declared = {tier}                 # must equal the tier the scores compute
override_reason = ""
[tier.scores]                     # 1–5; the weights are in dossier.toml
value = 5
loyalty = 4
growth = 4
risk = 2                          # inverted: 5 = highest risk

[relationship]
level = 2                         # 1 transactional, 2 cooperative, 3 strategic partnership
competitors = ["Rival Components"]

[[criteria]]                      # the customer's purchase criteria; the worst fit sets churn risk
name = "Lead time under 4 weeks"
fit = "us_only"                   # us_only | both | competitor_only | unknown

[[criteria]]
name = "Annual price reduction of 3%"
fit = "both"

[credit]
currency = "EUR"
limit = 500000
rating = "A"                      # caps payment terms (dossier.toml max_terms_days)
payment_terms_days = 60
prepayment_pct = 0
outstanding = 120000
overdue = 20000
oldest_overdue_days = 12
dso_days = 48
last_review = {today}
approved_by = "finance.approver"  # never the owner
approved_on = {today}
hold = false
[credit.aging]                    # adds up to outstanding; past-due buckets to overdue
current = 100000
d1_30 = 20000
d31_60 = 0
d61_90 = 0
d90_plus = 0

[revenue]
currency = "EUR"
last_fy = 2400000
target_fy = 2800000
share_of_wallet_pct = 35

[[complaints]]
id = "EX-1"
opened = {opened}
closed = {closed}
severity = "medium"
summary = "One pallet delivered with damaged packaging"
resolution = "Replaced within 48 hours; packaging spec updated"
"#,
        since = today.add_days(-730),
        tier = q(&top.name),
        opened = today.add_days(-60),
        closed = today.add_days(-55),
    );
    let contacts =
        r#"# The people at Example Customer and how they relate. Ids are used by reports_to,
# [[link]] and review attendees.

[[contact]]
id = "maria-keller"
name = "Maria Keller"
title = "Managing Director"
department = "Management"
level = "executive"
roles = ["decision_maker", "executive_sponsor"]
stance = "supporter"              # champion | supporter | neutral | skeptic | blocker
influence = "high"
strength = 4                      # our relationship, 1–5
status = "active"                 # only active contacts count for the tier
our_contact = "jordan.blake"
notes = "Decides every supplier change above 250k. Prefers short, fact-based meetings."

[[contact]]
id = "tom-weber"
name = "Tom Weber"
title = "Head of Purchasing"
department = "Procurement"
level = "management"
roles = ["economic_buyer", "procurement"]
stance = "neutral"
influence = "high"
strength = 3
status = "active"
reports_to = "maria-keller"
our_contact = "alex.morgan"

[[contact]]
id = "lena-fischer"
name = "Lena Fischer"
title = "Engineering Manager"
department = "Engineering"
level = "management"
roles = ["technical_buyer", "champion"]
stance = "champion"
influence = "medium"
strength = 5
status = "active"
reports_to = "maria-keller"
our_contact = "sam.lee"
[contact.private]                 # published only with include_private = true
interests = "Cycling"

[[contact]]
id = "jonas-braun"
name = "Jonas Braun"
title = "Plant Manager"
department = "Operations"
level = "management"
roles = ["user_buyer"]
stance = "supporter"
influence = "medium"
strength = 3
status = "active"
reports_to = "maria-keller"
our_contact = "kim.park"

[[link]]                          # influence beyond reporting lines
from = "lena-fischer"
to = "tom-weber"
kind = "influence"                # influence | conflict | informal
"#
        .to_string();
    let review = review_md(
        Lang(false),
        "visit",
        Some("alex.morgan"),
        today,
        today.add_days(90),
        Some((
            &["maria-keller", "lena-fischer"],
            "Kickoff visit: agreed the quarterly review rhythm and the lead-time targets.",
            &format!(
                "[[decisions]]\ntext = \"Quarterly business reviews, the first in three months.\"\n\n\
                 [[actions]]\nwhat = \"Send the lead-time quote for the new platform\"\n\
                 owner = \"alex.morgan\"\ndue = {}\nstatus = \"open\"\n",
                today.add_days(30)
            ),
            [
                "Maria Keller confirmed the new machine platform for next year and asked for a \
                 lead-time commitment. Lena Fischer showed the test results of our samples: \
                 within tolerance on every batch.",
                "- Quarterly business reviews, the first in three months.\n\
                 - We quote lead times for the new platform's 20 main parts.",
                "Alex Morgan sends the lead-time quote within a month; Sam Lee plans the \
                 platform's sample deliveries with Lena Fischer.",
            ],
        )),
    );
    vec![
        (format!("{dir}/account.toml"), account),
        (format!("{dir}/contacts.toml"), contacts),
        (
            format!("{dir}/plan.md"),
            plan_md(
                Lang(false),
                "alex.morgan",
                today,
                &kickoff,
                Some((
                    EXAMPLE_PLAN,
                    "Raise our share of wallet from 35% to 45%",
                    "Quote lead times for the new platform's 20 main parts",
                )),
            ),
        ),
        (format!("{dir}/{kickoff}"), review),
    ]
}

/// The example plan's six sections (Situation … Risks).
const EXAMPLE_PLAN: [&str; 6] = [
    "Example Customer builds packaging machines (about 600 a year) in two plants. We supply \
     bearings and linear guides, about 35% of what they buy in our categories; Rival \
     Components supplies the rest.",
    "1. **Delivery**: a new machine platform starts production next year; any missing part \
     stops the line.\n\
     2. **Cost**: purchasing expects a 3% price reduction every year.",
    "| Competitor | Strengths | Weaknesses |\n|---|---|---|\n\
     | Rival Components | 8% cheaper, local stock | uneven quality |",
    "- Win the new platform's linear guides (see the objectives above).\n\
     - Keep on-time delivery above 97%.",
    "Maria Keller decides; Tom Weber negotiates; Lena Fischer is our champion in \
     engineering. Jordan Blake meets Maria Keller twice a year; Sam Lee meets Lena Fischer \
     every month.",
    "- [ ] Rival Components offers consignment stock at the new plant.\n\
     - [ ] Payments slip past 30 days when the customer's quarter ends.",
];

fn guide(cfg: &Config) -> String {
    let mut tiers = String::from(
        "| Tier | Label | Min. score | Review every | Credit review every | Contacts | Departments | Plan | Decision maker |\n|---|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    let yes = |b: bool| if b { "required" } else { "—" };
    for t in &cfg.tiers {
        let _ = writeln!(
            tiers,
            "| {} | {} | {} | {} days | {} days | {} | {} | {} | {} |",
            t.name,
            t.label,
            t.min_score,
            t.review_every_days,
            t.credit_review_every_days,
            t.min_contacts,
            t.min_departments,
            yes(t.requires_plan),
            yes(t.requires_decision_maker)
        );
    }
    format!(
        r#"+++
title = "Getting started"
weight = 1
+++
This repository holds our key-account playbooks: one folder per key account under
`content/accounts/`, checked against our tiering and credit policy (`dossier.toml`) on
every change and published as this site. The
[example account](../accounts/example-customer/account.toml) shows every part filled in.

## Add an account

```sh
dossier new acme-steel --name "Acme Steel" --owner li.wei --tier B
```

This creates `account.toml` (facts, tier scores, credit), `contacts.toml` (the people),
`plan.md` (the account plan) and a first review note. Replace every `TODO`, then run
`dossier check`: it lists every problem with its file, line and a fix.

## After each customer meeting

```sh
dossier new review acme-steel --kind quarterly
```

Fill in the note: who attended (contact ids), the health (green, amber, red), what was
decided and who does what by when.

## Tiers

The tier is computed from the scores in `[tier.scores]`; what each tier requires:

{tiers}
## Publishing

Open a pull request: CI runs `dossier check` on it. Merged changes are built with
`dossier build` and published. Locally, `dossier build` writes the site to `public/`.
"#
    )
}

const INDEX_MD: &str = r#"+++
title = "Key account playbooks"
+++
Welcome to our key-account playbooks. Every key account has one folder: the facts (tier,
credit, team) live in `account.toml`, the people in `contacts.toml`, the strategy in
`plan.md` and each meeting in a review note.

- [Getting started](guides/getting-started.md): add an account, file a review, publish.
- [Example Customer](accounts/example-customer/account.toml): a complete example account.
"#;

const TAPLO: &str = r#"# Editor support (Even Better TOML, taplo): complete, explain and validate account files
# with the JSON Schemas in schemas/ (regenerate them with `dossier schema --out schemas`).
# `dossier check` stays the authority: it also checks the policy and cross-file rules.

[[rule]]
include = ["**/account.toml"]
[rule.schema]
path = "schemas/dossier-account.schema.json"

[[rule]]
include = ["**/contacts.toml"]
[rule.schema]
path = "schemas/dossier-contacts.schema.json"
"#;

const GITHUB_ACTIONS: &str = r#"# Copy to .github/workflows/dossier.yml. Pull requests are checked (findings annotate
# the diff); every push to main is built and published to GitHub Pages.
# Set the repository variable DOSSIER_GIT_URL to the git URL you install dossier from.
name: dossier

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install dossier
        run: cargo install --locked --git "${{ vars.DOSSIER_GIT_URL }}" dossier
      - name: Check
        run: dossier check --format github

  publish:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deploy.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: the account pages show when and what changed
      - name: Install dossier
        run: cargo install --locked --git "${{ vars.DOSSIER_GIT_URL }}" dossier
      - name: Build (checks first; fails on errors)
        run: dossier build --output public
      - uses: actions/upload-pages-artifact@v3
        with:
          path: public
      - id: deploy
        uses: actions/deploy-pages@v4
"#;

const GITLAB_CI: &str = r#"# Copy to .gitlab-ci.yml. Merge requests are checked (a JUnit report per account shows
# in the merge request); the default branch is built and published with GitLab Pages.
# Set the CI/CD variable DOSSIER_GIT_URL to the git URL you install dossier from.
default:
  image: rust:latest
  before_script:
    - cargo install --locked --git "$DOSSIER_GIT_URL" dossier

stages: [check, publish]

check:
  stage: check
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - dossier check --format junit > dossier-junit.xml
  artifacts:
    when: always
    reports:
      junit: dossier-junit.xml

pages:
  stage: publish
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  variables:
    GIT_DEPTH: 0  # full history: the account pages show when and what changed
  script:
    - dossier build --output public
  artifacts:
    paths: [public]
"#;
