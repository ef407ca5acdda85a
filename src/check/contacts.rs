//! The contact map: ids, reporting lines, influence links; plus the profile's
//! sales-unit and complaint rules.

use super::Ctx;
use crate::diag::Diagnostic;
use crate::rules;
use std::collections::HashMap;

pub fn check(cx: &mut Ctx) {
    profile(cx);
    let Some(map) = &cx.account.contacts else {
        return;
    };
    let file = cx.account.file("contacts.toml");
    let mut out = Vec::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut duplicate = false;
    for (i, c) in map.contacts.iter().enumerate() {
        if c.id.v.is_empty() {
            continue;
        }
        if let Some(&first) = ids.get(c.id.v.as_str()) {
            duplicate = true;
            let (l, _) = cx
                .sources
                .get(&file)
                .map_or((0, 0), |s| s.line_col(map.contacts[first].id.span.start));
            out.push(
                Diagnostic::new(
                    &rules::DUPLICATE_CONTACT,
                    &file,
                    Some(c.id.span.clone()),
                    format!("contact id `{}` is used twice", c.id.v),
                )
                .help(format!(
                    "first used on line {l}; give this contact its own id"
                )),
            );
        } else {
            ids.insert(&c.id.v, i);
        }
    }
    for c in &map.contacts {
        if let Some(r) = &c.reports_to {
            if !ids.contains_key(r.v.as_str()) {
                let hint = crate::diag::did_you_mean(&r.v, ids.keys().copied())
                    .map(|m| format!("did you mean `{m}`?"));
                let mut d = Diagnostic::new(
                    &rules::REPORTS_TO_UNKNOWN,
                    &file,
                    Some(r.span.clone()),
                    format!("`reports_to` names `{}`, who is not in this file", r.v),
                );
                d.help = hint;
                out.push(d);
            }
        }
    }
    // With duplicate ids the reporting graph is ambiguous: report cycles only without them.
    // Each contact is visited once (white/grey/black walk), so long chains stay linear.
    if !duplicate {
        let parent: HashMap<&str, &crate::model::Sp<String>> = map
            .contacts
            .iter()
            .filter_map(|c| Some((c.id.v.as_str(), c.reports_to.as_ref()?)))
            .collect();
        let mut state: HashMap<&str, u8> = HashMap::new(); // 1 on the current path, 2 done
        for c in &map.contacts {
            let mut path: Vec<&str> = Vec::new();
            let mut cur = c.id.v.as_str();
            let mut met_itself = false;
            loop {
                match state.get(cur) {
                    Some(1) => {
                        met_itself = true; // back on the current path: a cycle
                        break;
                    }
                    Some(_) => break, // joins a chain already checked
                    None => {}
                }
                state.insert(cur, 1);
                path.push(cur);
                match parent.get(cur) {
                    Some(next) if ids.contains_key(next.v.as_str()) => cur = next.v.as_str(),
                    _ => break,
                }
            }
            if met_itself {
                let pos = path.iter().position(|p| *p == cur).unwrap_or(0);
                let cycle = &path[pos..];
                // report at the member that comes first in the file
                let first = cycle
                    .iter()
                    .min_by_key(|id| ids.get(*id).copied().unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(cur);
                let start = cycle.iter().position(|id| *id == first).unwrap_or(0);
                let mut chain: Vec<&str> = cycle[start..]
                    .iter()
                    .chain(&cycle[..start])
                    .copied()
                    .collect();
                chain.push(first);
                let span = parent[first].span.clone();
                out.push(Diagnostic::new(
                    &rules::REPORTS_TO_CYCLE,
                    &file,
                    Some(span),
                    format!("reporting lines form a cycle: {}", chain.join(" → ")),
                ));
            }
            for p in path {
                state.insert(p, 2);
            }
        }
    }
    for l in &map.links {
        for end in [&l.from, &l.to] {
            if !end.v.is_empty() && !ids.contains_key(end.v.as_str()) {
                out.push(Diagnostic::new(
                    &rules::LINK_UNKNOWN,
                    &file,
                    Some(end.span.clone()),
                    format!("link names `{}`, who is not in this file", end.v),
                ));
            }
        }
    }
    cx.out.extend(out);
}

fn profile(cx: &mut Ctx) {
    let Some(p) = &cx.account.profile else { return };
    let file = cx.account.file("account.toml");
    if p.sales_units.len() > 1 && p.primary_interface.is_none() {
        let span = p.sales_units_span.clone();
        cx.push(
            Diagnostic::new(
                &rules::PRIMARY_INTERFACE_MISSING,
                &file,
                span,
                format!(
                    "{} sales units sell to this customer but none is the primary interface",
                    p.sales_units.len()
                ),
            )
            .help(format!(
                "add `primary_interface = \"{}\"` (or another of the units)",
                p.sales_units[0].v
            )),
        );
    }
    if let Some(pi) = &p.primary_interface {
        if !p.sales_units.iter().any(|u| u.v == pi.v) {
            cx.push(Diagnostic::new(
                &rules::PRIMARY_INTERFACE_UNKNOWN,
                &file,
                Some(pi.span.clone()),
                format!("primary interface `{}` is not one of `sales_units`", pi.v),
            ));
        }
    }
    for c in &p.complaints {
        if let Some(closed) = &c.closed {
            if c.resolution.as_ref().is_none_or(|r| r.v.trim().is_empty()) {
                cx.push(Diagnostic::new(
                    &rules::COMPLAINT_RESOLUTION,
                    &file,
                    Some(closed.span.clone()),
                    format!("complaint `{}` is closed without a `resolution`", c.id.v),
                ));
            }
            if let Some(opened) = &c.opened {
                if closed.v < opened.v {
                    cx.push(Diagnostic::new(
                        &rules::COMPLAINT_ORDER,
                        &file,
                        Some(closed.span.clone()),
                        format!(
                            "complaint `{}` is closed ({}) before it was opened ({})",
                            c.id.v, closed.v, opened.v
                        ),
                    ));
                }
            }
        }
    }
}
