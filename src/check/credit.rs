//! Credit: the `[credit]` block against the credit policy in dossier.toml.

use super::Ctx;
use crate::decimal::Money;
use crate::derive::{cadence_applies, Band};
use crate::diag::Diagnostic;
use crate::rules;

pub fn check(cx: &mut Ctx) {
    let Some(p) = &cx.account.profile else { return };
    let cfg = cx.config;
    let file = cx.account.file("account.toml");
    let d = |rule, span: &crate::source::Span, msg: String| {
        Diagnostic::new(rule, &file, Some(span.clone()), msg)
    };
    let Some(c) = &p.credit else {
        if cadence_applies(&p.status.v) {
            cx.push(
                d(&rules::CREDIT_MISSING, &p.status.span, format!("status `{}` requires a `[credit]` block", p.status.v))
                    .help("add `[credit]` with currency, limit, rating, payment_terms_days, outstanding, last_review, approved_by and approved_on"),
            );
        }
        return;
    };
    let mut out = Vec::new();
    if let (Some(limit), Some(outstanding)) = (&c.limit, &c.outstanding) {
        let over = cx.signals.utilization_band == Band::Over;
        if over && limit.v.0 == 0 {
            out.push(
                d(
                    &rules::OVER_LIMIT,
                    &outstanding.span,
                    format!(
                        "outstanding {} on a cash customer (limit 0)",
                        outstanding.v.grouped()
                    ),
                )
                .help("a limit of 0 means cash only: outstanding must be 0, or set a credit limit"),
            );
        } else if over {
            out.push(d(
                &rules::OVER_LIMIT,
                &outstanding.span,
                format!(
                    "outstanding {} is {:.1}% of the limit {} (maximum {}%)",
                    outstanding.v.grouped(),
                    cx.signals.utilization_pct.unwrap_or(0.0),
                    limit.v.grouped(),
                    cfg.credit.max_utilization_pct
                ),
            ));
        } else if cx.signals.utilization_band == Band::Warn {
            out.push(d(
                &rules::HIGH_UTILIZATION,
                &outstanding.span,
                format!(
                    "utilisation {:.1}% is at or above the warning level of {}%",
                    cx.signals.utilization_pct.unwrap_or(0.0),
                    cfg.credit.warn_utilization_pct
                ),
            ));
        }
    }
    let overdue = c.overdue();
    let od_days = c.oldest_overdue_days();
    if let (Some(o), Some(outstanding)) = (&c.overdue, &c.outstanding) {
        if o.v > outstanding.v {
            out.push(
                d(
                    &rules::OVERDUE_EXCEEDS,
                    &o.span,
                    format!(
                        "overdue {} exceeds outstanding {}",
                        o.v.grouped(),
                        outstanding.v.grouped()
                    ),
                )
                .help("overdue is the part of outstanding past its due date; it cannot be larger"),
            );
        }
    }
    if (overdue.0 > 0) != (od_days > 0) {
        let span = c
            .oldest_overdue_days
            .as_ref()
            .map(|x| &x.span)
            .or(c.overdue.as_ref().map(|x| &x.span))
            .unwrap_or(&c.at);
        let msg = if overdue.0 > 0 {
            format!(
                "overdue is {} but `oldest_overdue_days` is 0 or missing",
                overdue.grouped()
            )
        } else {
            format!("`oldest_overdue_days` is {od_days} but nothing is overdue")
        };
        out.push(d(&rules::OLDEST_OVERDUE, span, msg));
    }
    if od_days > cfg.credit.max_overdue_days {
        if let Some(x) = &c.oldest_overdue_days {
            out.push(d(
                &rules::OVERDUE_TOO_OLD,
                &x.span,
                format!(
                    "the oldest overdue invoice is {od_days} days past due (maximum {})",
                    cfg.credit.max_overdue_days
                ),
            ));
        }
    }
    if let (Some(t), Some(max)) = (&c.payment_terms_days, cfg.max_terms(&c.rating.v)) {
        if t.v > max {
            out.push(
                d(
                    &rules::TERMS_TOO_LONG,
                    &t.span,
                    format!(
                        "payment terms of {} days exceed the maximum of {max} days for rating {}",
                        t.v, c.rating.v
                    ),
                )
                .help(format!("set `payment_terms_days = {max}` or less")),
            );
        }
    }
    if let Some(a) = &c.aging {
        if a.complete {
            let total: Money = a.buckets.iter().copied().sum();
            let past: Money = a.buckets[1..].iter().copied().sum();
            if let Some(o) = &c.outstanding {
                if total != o.v {
                    out.push(
                        d(
                            &rules::AGING_SUM,
                            &a.at,
                            format!(
                                "aging buckets add up to {}, but outstanding is {}",
                                total.grouped(),
                                o.v.grouped()
                            ),
                        )
                        .help(
                            "current + d1_30 + d31_60 + d61_90 + d90_plus must equal outstanding",
                        ),
                    );
                }
            }
            if past != overdue {
                out.push(d(
                    &rules::AGING_OVERDUE,
                    &a.at,
                    format!(
                        "past-due buckets add up to {}, but overdue is {}",
                        past.grouped(),
                        overdue.grouped()
                    ),
                ));
            }
            if od_days > 0 {
                let bucket = match od_days {
                    1..=30 => 1,
                    31..=60 => 2,
                    61..=90 => 3,
                    _ => 4,
                };
                let names = crate::model::AGING_KEYS;
                if a.buckets[bucket].0 == 0 || a.buckets[bucket + 1..].iter().any(|m| m.0 != 0) {
                    out.push(d(
                        &rules::AGING_BUCKET,
                        &a.at,
                        format!(
                            "oldest_overdue_days = {od_days} belongs in `{}`, which must be non-zero while every older bucket is 0",
                            names[bucket]
                        ),
                    ));
                }
            }
        }
    }
    if let (Some(lr), Some(due)) = (&c.last_review, cx.signals.credit_review_due) {
        if cx.signals.credit_review_overdue {
            let every = cx
                .signals
                .requirements
                .as_ref()
                .map_or(0, |r| r.credit_review_every_days);
            out.push(d(
                &rules::CREDIT_REVIEW_STALE,
                &lr.span,
                format!("the last credit review was {} ({} days ago); tier cadence is {every} days, so it was due {due}", lr.v, lr.v.days_until(cx.today)),
            ));
        }
    }
    let by = &c.approved_by;
    if !by.v.is_empty() {
        if by.v == p.owner.v {
            out.push(d(
                &rules::APPROVER_IS_OWNER,
                &by.span,
                format!("the limit was approved by `{}`, the account owner", by.v),
            ));
        }
        if !cfg.credit.approvers.is_empty() && !cfg.credit.approvers.contains(&by.v) {
            out.push(
                d(
                    &rules::APPROVER_NOT_LISTED,
                    &by.span,
                    format!("`{}` is not a listed credit approver", by.v),
                )
                .help(format!(
                    "listed approvers: {}",
                    cfg.credit.approvers.join(", ")
                )),
            );
        }
    }
    if c.hold && c.hold_reason.as_ref().is_none_or(|r| r.v.trim().is_empty()) {
        let span = c.hold_span.clone().unwrap_or(c.at.clone());
        out.push(d(
            &rules::HOLD_WITHOUT_REASON,
            &span,
            "the account is on credit hold without a `hold_reason`".into(),
        ));
    }
    cx.out.extend(out);
}
