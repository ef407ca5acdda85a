//! Cadence: reviews held often enough, attendees known, actions and objectives on time.

use super::Ctx;
use crate::derive::cadence_applies;
use crate::diag::Diagnostic;
use crate::rules;

pub fn check(cx: &mut Ctx) {
    let a = cx.account;
    let s = cx.signals;
    let today = cx.today;
    let mut out = Vec::new();
    let status = a.profile.as_ref().map_or("active", |p| p.status.v.as_str());
    if let (Some(req), true) = (&s.requirements, cadence_applies(status)) {
        match (&s.newest_review, &s.newest_review_file) {
            (Some(d), Some(file)) if s.review_overdue => {
                let span = a
                    .reviews
                    .iter()
                    .find(|r| &r.file == file)
                    .and_then(|r| r.date.as_ref())
                    .map(|x| x.span.clone());
                out.push(
                    Diagnostic::new(
                        &rules::REVIEW_STALE,
                        file,
                        span,
                        format!(
                            "the newest review note is from {d} ({} days ago); the tier's cadence is {} days",
                            d.days_until(today),
                            req.review_every_days
                        ),
                    )
                    .help(format!("hold a review and add `{}/reviews/{today}-<words>.md`", a.dir)),
                );
            }
            (None, _) if a.profile.is_some() => {
                out.push(
                    Diagnostic::new(&rules::REVIEW_MISSING, a.file("reviews"), None, format!("status `{status}` needs a review note at least every {} days; there is none", req.review_every_days))
                        .help(format!("run `dossier new review {}`", a.slug)),
                );
            }
            _ => {}
        }
    }
    let ids: Option<Vec<&str>> = a
        .contacts
        .as_ref()
        .map(|c| c.contacts.iter().map(|c| c.id.v.as_str()).collect());
    let contacts_file_broken = a.contacts.is_none() && a.read.contains(&a.file("contacts.toml"));
    let newest = a
        .reviews
        .iter()
        .filter(|r| r.valid)
        .max_by_key(|r| r.effective_date());
    for r in &a.reviews {
        if !contacts_file_broken {
            for att in &r.attendees {
                if !ids
                    .as_ref()
                    .is_some_and(|ids| ids.contains(&att.v.as_str()))
                {
                    let hint = ids
                        .as_ref()
                        .and_then(|ids| crate::diag::did_you_mean(&att.v, ids.iter().copied()))
                        .map(|m| format!("did you mean `{m}`?"));
                    let mut d = Diagnostic::new(
                        &rules::ATTENDEE_UNKNOWN,
                        &r.file,
                        Some(att.span.clone()),
                        format!("attendee `{}` is not a contact id in contacts.toml", att.v),
                    );
                    d.help = hint;
                    out.push(d);
                }
            }
        }
        for act in &r.actions {
            overdue_action(&r.file, act, today, &mut out);
        }
    }
    if let (Some(r), true) = (newest, cadence_applies(status)) {
        if let Some(n) = &r.next_review {
            if n.v < today && !s.review_overdue {
                out.push(Diagnostic::new(
                    &rules::NEXT_REVIEW_PAST,
                    &r.file,
                    Some(n.span.clone()),
                    format!(
                        "the next review was planned for {}, {} days ago",
                        n.v,
                        n.v.days_until(today)
                    ),
                ));
            }
        }
    }
    if let Some(plan) = &a.plan {
        let file = a.file("plan.md");
        for act in &plan.actions {
            overdue_action(&file, act, today, &mut out);
        }
        for o in &plan.objectives {
            if let Some(due) = &o.due {
                if due.v < today && matches!(o.status.v.as_str(), "not_started" | "in_progress") {
                    out.push(Diagnostic::new(
                        &rules::OBJECTIVE_OVERDUE,
                        &file,
                        Some(due.span.clone()),
                        format!(
                            "objective \"{}\" was due {} and is `{}`",
                            o.text.v, due.v, o.status.v
                        ),
                    ));
                }
            }
        }
    }
    cx.out.extend(out);
}

fn overdue_action(
    file: &str,
    act: &crate::model::Action,
    today: crate::date::Date,
    out: &mut Vec<Diagnostic>,
) {
    if act.status.v != "open" {
        return;
    }
    if let Some(due) = &act.due {
        if due.v < today {
            let who = if act.owner.is_empty() {
                String::new()
            } else {
                format!(" ({})", act.owner)
            };
            out.push(Diagnostic::new(
                &rules::ACTION_OVERDUE,
                file,
                Some(due.span.clone()),
                format!(
                    "open action \"{}\"{who} was due {}, {} days ago",
                    act.what.v,
                    due.v,
                    due.v.days_until(today)
                ),
            ));
        }
    }
}
