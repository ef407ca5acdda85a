//! Reading each kind of content file into the typed model (schema checks included:
//! keys, types, enums, ranges, dates not after today).

use super::frontmatter::{self, FrontMatter};
use super::quick_toml;
use super::reader::{self, Sink, Table, OPT, REQ};
use super::toml_tree::{Node, Table as Tree, Value};
use crate::config::Config;
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::rules;
use crate::source::SourceFile;

/// Parse a whole TOML file (or front matter block): the quick reader, or else the toml
/// crate after the nesting guard (it recurses).
fn parse_toml<'a>(sink: &Sink, text: &'a str, cfg: &Config) -> Option<Tree<'a>> {
    let (nesting, len) = (cfg.limits.max_nesting, cfg.limits.max_array_len);
    // The quick reader declines every tree the shape limits refuse: its trees need no walk.
    if let Some(doc) = quick_toml::parse(text, nesting, len) {
        return Some(doc);
    }
    let doc = parse_guarded(sink, text, cfg)?;
    if let Some((span, msg)) = shape_problem(&doc, nesting, len) {
        sink.report(&rules::TOO_DEEP, Some(sink.span(span)), msg, None);
        return None;
    }
    Some(doc)
}

fn parse_guarded<'a>(sink: &Sink, text: &'a str, cfg: &Config) -> Option<Tree<'a>> {
    let (depth, at) = super::files::toml_nesting(text, cfg.limits.max_nesting);
    if depth > cfg.limits.max_nesting {
        sink.report(
            &rules::TOO_DEEP,
            Some(sink.span(at..at + 1)),
            format!(
                "nesting depth {depth} exceeds the limit of {}",
                cfg.limits.max_nesting
            ),
            None,
        );
        return None;
    }
    reader::parse_with_toml(sink, text)
}

/// Arrays longer than `max_array_len`, or values nested deeper than `max_nesting`
/// (dotted keys nest without brackets), are refused before any rule walks them: the
/// first such place and the message.
pub fn shape_problem(
    t: &Tree,
    max_nesting: usize,
    max_array_len: usize,
) -> Option<(crate::source::Span, String)> {
    Shape {
        max_nesting,
        max_array_len,
    }
    .table(t, 1)
}

struct Shape {
    max_nesting: usize,
    max_array_len: usize,
}

impl Shape {
    fn too_deep(&self, span: &crate::source::Span) -> Option<(crate::source::Span, String)> {
        let msg = format!("nesting depth exceeds the limit of {}", self.max_nesting);
        Some((span.clone(), msg))
    }

    fn table(&self, t: &Tree, depth: usize) -> Option<(crate::source::Span, String)> {
        t.entries.iter().find_map(|e| {
            if depth > self.max_nesting {
                return self.too_deep(&e.key_span);
            }
            self.value(&e.node, depth)
        })
    }

    fn value(&self, v: &Node, depth: usize) -> Option<(crate::source::Span, String)> {
        if depth > self.max_nesting {
            return self.too_deep(&v.span);
        }
        match &v.value {
            Value::Array(a) => {
                let n = a.items.len();
                if n > self.max_array_len {
                    return Some((
                        v.span.start..v.span.start + 1,
                        format!(
                            "an array of {n} items exceeds the limit of {}",
                            self.max_array_len
                        ),
                    ));
                }
                a.items.iter().find_map(|x| self.value(x, depth + 1))
            }
            Value::Table(t) => self.table(t, depth + 1),
            _ => None,
        }
    }
}

fn opt_string<'a>(t: &Table<'a, '_>, key: &'a str) -> String {
    t.str(key, OPT).map(|s| s.v).unwrap_or_default()
}

fn strings(list: Option<Sp<Vec<Sp<String>>>>) -> Vec<String> {
    list.map(|l| l.v.into_iter().map(|s| s.v).collect())
        .unwrap_or_default()
}

pub fn account(src: &SourceFile, cfg: &Config, today: Date) -> (Option<Profile>, Vec<Diagnostic>) {
    let sink = Sink::new(src.path.clone(), 0, today);
    let Some(doc) = parse_toml(&sink, &src.text, cfg) else {
        return (None, sink.into_diags());
    };
    let t = Table::new(&sink, &doc, 0..0);
    let mut p = Profile {
        name: t.text("name", REQ).unwrap_or_default(),
        legal_name: t.str("legal_name", OPT),
        tax_id: t.str("tax_id", OPT),
        industry: t.str("industry", OPT),
        region: t.str("region", OPT),
        status: t
            .enumeration("status", STATUSES, OPT)
            .unwrap_or_else(|| Sp::new("active".into(), 0..0)),
        owner: t.text("owner", REQ).unwrap_or_default(),
        primary_interface: t.str("primary_interface", OPT),
        customer_since: t.past_date("customer_since", OPT),
        tags: strings(t.str_list("tags", OPT)),
        language: t.enumeration("language", crate::config::LANGUAGES, OPT),
        ..Profile::default()
    };
    if let Some(team) = t.table("team", OPT) {
        for k in TEAM_KEYS {
            if let Some(v) = team.str(k, OPT) {
                p.team.push((k.to_string(), v));
            }
        }
        team.finish();
    }
    if let Some(su) = t.str_list("sales_units", OPT) {
        p.sales_units_span = Some(su.span.clone());
        p.sales_units = su.v;
    }
    if let Some(tier) = t.table("tier", REQ) {
        p.tier.at = tier.at();
        p.tier.declared = tier.text("declared", REQ).unwrap_or_default();
        p.tier.override_reason = tier.str("override_reason", OPT);
        if let Some(scores) = tier.table("scores", REQ) {
            let mut complete = true;
            for (dim, _) in &cfg.scoring.weights {
                match scores.int(dim, REQ) {
                    Some(n) => {
                        complete &= scores.check_range(dim, n.v, 1, 5, &n.span);
                        p.tier.scores.push((dim.clone(), n));
                    }
                    None => complete = false,
                }
            }
            p.tier.scores_complete = complete;
            scores.finish();
        }
        tier.finish();
    }
    if let Some(rel) = t.table("relationship", OPT) {
        p.relationship = Some(Relationship {
            level: rel.int_in("level", OPT, 1, 3),
            competitors: strings(rel.str_list("competitors", OPT)),
        });
        rel.finish();
    }
    for c in t.tables("criteria") {
        let name = c.text("name", REQ);
        let fit = c.enumeration("fit", CRITERIA_FIT, REQ);
        if let (Some(name), Some(fit)) = (name, fit) {
            p.criteria.push(Criterion { name, fit });
        }
        c.finish();
    }
    if let Some(c) = t.table("credit", OPT) {
        p.credit_span = Some(c.at());
        p.credit = Some(credit(&c, cfg));
        c.finish();
    }
    if let Some(r) = t.table("revenue", OPT) {
        let currency = r.str("currency", OPT);
        if let Some(cur) = &currency {
            check_currency(&r, "currency", cur, cfg);
        }
        p.revenue = Some(Revenue {
            currency,
            last_fy: r.money("last_fy", OPT),
            target_fy: r.money("target_fy", OPT),
            share_of_wallet_pct: r.pct("share_of_wallet_pct", OPT),
        });
        r.finish();
    }
    for c in t.tables("complaints") {
        let complaint = Complaint {
            id: c.text("id", REQ).unwrap_or_default(),
            opened: c.past_date("opened", REQ),
            closed: c.past_date("closed", OPT),
            severity: c
                .enumeration("severity", SEVERITIES, REQ)
                .unwrap_or_default(),
            summary: opt_string(&c, "summary"),
            resolution: c.str("resolution", OPT),
        };
        c.finish();
        p.complaints.push(complaint);
    }
    t.finish();
    (Some(p), sink.into_diags())
}

fn check_currency(t: &Table, key: &str, cur: &Sp<String>, cfg: &Config) {
    if !cfg.credit.currencies.contains(&cur.v) {
        let hint =
            crate::diag::did_you_mean(&cur.v, cfg.credit.currencies.iter().map(String::as_str))
                .map(|m| format!("did you mean `{m}`? "))
                .unwrap_or_default();
        t.sink().report(
            &rules::UNKNOWN_CURRENCY,
            Some(cur.span.clone()),
            format!("currency `{}` is not configured", cur.v),
            Some(format!(
                "{hint}configured currencies: {} (`[credit] currencies`); `{key}` takes ISO codes",
                cfg.credit.currencies.join(", ")
            )),
        );
    }
}

fn credit(c: &Table, cfg: &Config) -> Credit {
    let currency = c.str("currency", REQ).unwrap_or_default();
    if !currency.v.is_empty() {
        check_currency(c, "currency", &currency, cfg);
    }
    let rating = c.str("rating", REQ).unwrap_or_default();
    if !rating.v.is_empty() && !cfg.credit.ratings.contains(&rating.v) {
        c.sink().report(
            &rules::UNKNOWN_RATING,
            Some(rating.span.clone()),
            format!("credit rating `{}` is not configured", rating.v),
            Some(format!(
                "configured ratings (best first): {}",
                cfg.credit.ratings.join(", ")
            )),
        );
    }
    let hold = c.bool("hold", OPT);
    let mut out = Credit {
        at: c.at(),
        currency,
        limit: c.money("limit", REQ),
        rating,
        payment_terms_days: c.int_in("payment_terms_days", REQ, 0, i64::MAX),
        prepayment_pct: c.pct("prepayment_pct", OPT),
        outstanding: c.money("outstanding", REQ),
        overdue: c.money("overdue", OPT),
        oldest_overdue_days: c.int_in("oldest_overdue_days", OPT, 0, i64::MAX),
        dso_days: c.decimal("dso_days", OPT),
        last_review: c.past_date("last_review", REQ),
        approved_by: c.text("approved_by", REQ).unwrap_or_default(),
        approved_on: c.past_date("approved_on", REQ),
        hold: hold.as_ref().is_some_and(|h| h.v),
        hold_span: hold.map(|h| h.span),
        hold_reason: c.str("hold_reason", OPT),
        aging: None,
    };
    if let Some(d) = &out.dso_days {
        if d.v.is_negative() {
            c.sink().report(
                &rules::OUT_OF_RANGE,
                Some(d.span.clone()),
                format!("`credit.dso_days` is {}, must be at least 0", d.v),
                None,
            );
        }
    }
    if let Some(a) = c.table("aging", OPT) {
        let mut aging = Aging {
            at: a.at(),
            complete: true,
            ..Aging::default()
        };
        for (i, k) in AGING_KEYS.iter().enumerate() {
            match a.money(k, REQ) {
                Some(m) => aging.buckets[i] = m.v,
                None => aging.complete = false,
            }
        }
        a.finish();
        out.aging = Some(aging);
    }
    out
}

pub fn contacts(
    src: &SourceFile,
    cfg: &Config,
    today: Date,
) -> (Option<ContactMap>, Vec<Diagnostic>) {
    let sink = Sink::new(src.path.clone(), 0, today);
    let Some(doc) = parse_toml(&sink, &src.text, cfg) else {
        return (None, sink.into_diags());
    };
    let t = Table::new(&sink, &doc, 0..0);
    let mut map = ContactMap::default();
    for c in t.tables("contact") {
        let mut roles = Vec::new();
        if let Some(list) = c.str_list("roles", OPT) {
            for r in list.v {
                c.check_enum("roles", &r, ROLES);
                roles.push(r);
            }
        }
        let contact = Contact {
            at: c.at(),
            id: c.text("id", REQ).unwrap_or_default(),
            name: c.text("name", REQ).unwrap_or_default(),
            title: opt_string(&c, "title"),
            department: opt_string(&c, "department"),
            level: c
                .enumeration("level", LEVELS, OPT)
                .map(|s| s.v)
                .unwrap_or_default(),
            roles,
            stance: c
                .enumeration("stance", STANCES, OPT)
                .map(|s| s.v)
                .unwrap_or_default(),
            influence: c
                .enumeration("influence", INFLUENCE, OPT)
                .map(|s| s.v)
                .unwrap_or_default(),
            strength: c.int_in("strength", OPT, 1, 5),
            status: c
                .enumeration("status", CONTACT_STATUS, OPT)
                .map_or_else(|| "active".into(), |s| s.v),
            reports_to: c.str("reports_to", OPT),
            our_contact: opt_string(&c, "our_contact"),
            last_contact: c.past_date("last_contact", OPT),
            email: opt_string(&c, "email"),
            phone: opt_string(&c, "phone"),
            notes: opt_string(&c, "notes"),
            private: c.str_map("private"),
        };
        c.finish();
        map.contacts.push(contact);
    }
    for l in t.tables("link") {
        let (from, to) = (l.text("from", REQ), l.text("to", REQ));
        let kind = l.enumeration("kind", LINK_KINDS, REQ);
        if let (Some(from), Some(to), Some(kind)) = (from, to, kind) {
            map.links.push(Link { from, to, kind });
        }
        l.finish();
    }
    t.finish();
    (Some(map), sink.into_diags())
}

fn actions(t: &Table) -> Vec<Action> {
    t.tables("actions")
        .into_iter()
        .filter_map(|a| {
            let what = a.text("what", REQ);
            let owner = opt_string(&a, "owner");
            let due = a.date("due", OPT);
            let status = a
                .enumeration("status", ACTION_STATUS, OPT)
                .unwrap_or_else(|| Sp::new("open".into(), a.at()));
            a.finish();
            Some(Action {
                what: what?,
                owner,
                due,
                status,
            })
        })
        .collect()
}

/// Split front matter; report what is wrong with it. `required`: review notes.
fn front<'a>(
    sink: &Sink,
    src: &'a SourceFile,
    required: bool,
) -> Result<(Option<frontmatter::Split<'a>>, Body), ()> {
    let body = |offset| Body::new(src.path.clone(), src.text.clone(), offset);
    match frontmatter::split(&src.text) {
        FrontMatter::Some(s) => {
            let b = body(s.body_offset);
            Ok((Some(s), b))
        }
        FrontMatter::None if required => {
            sink.report(
                &rules::FRONT_MATTER_MISSING,
                Some(0..src.text.find('\n').unwrap_or(src.text.len())),
                "a review note must start with a `+++` front matter block",
                Some("add `+++` on line 1, then `date = YYYY-MM-DD` and the other fields, then `+++`".into()),
            );
            Err(())
        }
        FrontMatter::None => Ok((None, body(0))),
        FrontMatter::Unclosed { open_len } => {
            sink.report(
                &rules::FRONT_MATTER_UNCLOSED,
                Some(0..open_len.saturating_sub(1).max(3).min(src.text.len())),
                "front matter opened with `+++` is never closed",
                Some("add a line `+++` after the last front matter field".into()),
            );
            Err(())
        }
    }
}

pub fn plan(src: &SourceFile, cfg: &Config, today: Date) -> (Option<Plan>, Vec<Diagnostic>) {
    let sink = Sink::new(src.path.clone(), 0, today);
    let Ok((fm, body)) = front(&sink, src, false) else {
        return (None, sink.into_diags());
    };
    let mut plan = Plan {
        body,
        ..Plan::default()
    };
    if let Some(fm) = fm {
        let sink2 = Sink::new(src.path.clone(), fm.toml_offset, today);
        if let Some(doc) = parse_toml(&sink2, fm.toml, cfg) {
            let t = Table::new(&sink2, &doc, fm.toml_offset..fm.toml_offset);
            plan.period = opt_string(&t, "period");
            plan.updated = t.past_date("updated", OPT);
            for o in t.tables("objectives") {
                let text = o.text("text", REQ);
                let obj = (|| {
                    Some(Objective {
                        text: text?,
                        owner: opt_string(&o, "owner"),
                        due: o.date("due", OPT),
                        status: o
                            .enumeration("status", OBJECTIVE_STATUS, OPT)
                            .unwrap_or_else(|| Sp::new("not_started".into(), o.at())),
                        metric: opt_string(&o, "metric"),
                        target: o.decimal("target", OPT).map(|d| d.v),
                    })
                })();
                o.finish();
                plan.objectives.extend(obj);
            }
            plan.actions = actions(&t);
            t.finish();
        }
        let mut diags = sink.into_diags();
        diags.extend(sink2.into_diags());
        return (Some(plan), diags);
    }
    (Some(plan), sink.into_diags())
}

/// `YYYY-MM-DD-<words>.md` → (date, words) when valid.
pub fn review_file_name(name: &str) -> Option<(Date, &str)> {
    let stem = name.strip_suffix(".md")?;
    let date = Date::parse(stem.get(..10)?)?;
    let words = stem.get(10..)?.strip_prefix('-')?;
    super::is_slug(words).then_some((date, words))
}

pub fn review(
    src: &SourceFile,
    file_name: &str,
    cfg: &Config,
    today: Date,
) -> (Review, Vec<Diagnostic>) {
    let sink = Sink::new(src.path.clone(), 0, today);
    let file_date = review_file_name(file_name).map(|(d, _)| d);
    if file_date.is_none() {
        sink.report(
            &rules::REVIEW_FILE_NAME,
            None,
            format!("review note `{file_name}` is not named `YYYY-MM-DD-<words>.md`"),
            Some("rename it like `2026-09-30-q3-review.md`: a real date, then lowercase words joined by single dashes".into()),
        );
    }
    let mut r = Review {
        stem: file_name.trim_end_matches(".md").to_string(),
        file: src.path.clone(),
        file_date,
        ..Review::default()
    };
    let Ok((Some(fm), body)) = front(&sink, src, true) else {
        return (r, sink.into_diags());
    };
    r.body = body;
    let sink2 = Sink::new(src.path.clone(), fm.toml_offset, today);
    if let Some(doc) = parse_toml(&sink2, fm.toml, cfg) {
        let t = Table::new(&sink2, &doc, fm.toml_offset..fm.toml_offset);
        r.date = t.past_date("date", REQ);
        r.kind = t
            .enumeration("kind", REVIEW_KINDS, OPT)
            .map(|s| s.v)
            .unwrap_or_default();
        r.reviewers = strings(t.str_list("reviewers", OPT));
        r.attendees = t
            .str_list("attendees", OPT)
            .map(|l| l.v)
            .unwrap_or_default();
        r.health = t
            .enumeration("health", HEALTH, OPT)
            .map(|s| s.v)
            .unwrap_or_default();
        r.summary = opt_string(&t, "summary");
        r.next_review = t.date("next_review", OPT);
        for d in t.tables("decisions") {
            if let Some(text) = d.text("text", REQ) {
                r.decisions.push(text.v);
            }
            d.finish();
        }
        r.actions = actions(&t);
        t.finish();
        r.valid = true;
        if let (Some(d), Some(fd)) = (&r.date, file_date) {
            if d.v != fd {
                sink2.report(
                    &rules::REVIEW_DATE_MISMATCH,
                    Some(d.span.clone()),
                    format!("`date` is {} but the file name says {fd}", d.v),
                    Some(format!(
                        "set `date = {fd}` or rename the file to `{}-…`",
                        d.v
                    )),
                );
            }
        }
    }
    let mut diags = sink.into_diags();
    diags.extend(sink2.into_diags());
    (r, diags)
}

/// `_index.md` or a guide: optional front matter with `title` and `weight`.
pub fn page(
    src: &SourceFile,
    stem: &str,
    cfg: &Config,
    today: Date,
) -> (Option<Page>, Vec<Diagnostic>) {
    let sink = Sink::new(src.path.clone(), 0, today);
    let Ok((fm, body)) = front(&sink, src, false) else {
        return (None, sink.into_diags());
    };
    let mut page = Page {
        stem: stem.to_string(),
        file: src.path.clone(),
        body,
        ..Page::default()
    };
    let mut diags = Vec::new();
    if let Some(fm) = fm {
        let sink2 = Sink::new(src.path.clone(), fm.toml_offset, today);
        if let Some(doc) = parse_toml(&sink2, fm.toml, cfg) {
            let t = Table::new(&sink2, &doc, fm.toml_offset..fm.toml_offset);
            page.title = opt_string(&t, "title");
            page.weight = t.int("weight", OPT).map_or(0, |n| n.v);
            t.finish();
        }
        diags = sink2.into_diags();
    }
    if page.title.is_empty() {
        page.title = first_heading(page.body.text()).unwrap_or_else(|| stem.replace('-', " "));
    }
    let mut all = sink.into_diags();
    all.extend(diags);
    (Some(page), all)
}

fn first_heading(md: &str) -> Option<String> {
    md.lines()
        .find_map(|l| l.strip_prefix("# ").map(|h| h.trim().to_string()))
}
