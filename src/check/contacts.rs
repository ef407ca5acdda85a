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
    // Each contact is visited once (white/grey/black walk over indexes), so long chains
    // stay linear.
    if !duplicate {
        let contacts = &map.contacts;
        // each contact's manager, where `reports_to` names a contact of this file
        let up: Vec<Option<usize>> = contacts
            .iter()
            .map(|c| ids.get(c.reports_to.as_ref()?.v.as_str()).copied())
            .collect();
        let mut state = vec![0u8; contacts.len()]; // 1 on the current path, 2 done
        for start in 0..contacts.len() {
            let mut path: Vec<usize> = Vec::new();
            let mut cur = start;
            let met_itself = loop {
                match state[cur] {
                    1 => break true,  // back on the current path: a cycle
                    2 => break false, // joins a chain already checked
                    _ => {}
                }
                state[cur] = 1;
                path.push(cur);
                match up[cur] {
                    Some(next) => cur = next,
                    None => break false,
                }
            };
            if met_itself {
                let pos = path.iter().position(|&p| p == cur).unwrap_or(0);
                let cycle = &path[pos..];
                // report at the member that comes first in the file
                let first = cycle.iter().copied().min().unwrap_or(cur);
                let at = cycle.iter().position(|&i| i == first).unwrap_or(0);
                let mut chain: Vec<&str> = cycle[at..]
                    .iter()
                    .chain(&cycle[..at])
                    .map(|&i| contacts[i].id.v.as_str())
                    .collect();
                chain.push(contacts[first].id.v.as_str());
                let span = contacts[first].reports_to.as_ref().map(|r| r.span.clone());
                out.push(Diagnostic::new(
                    &rules::REPORTS_TO_CYCLE,
                    &file,
                    span,
                    format!("reporting lines form a cycle: {}", chain.join(" → ")),
                ));
            }
            for p in path {
                state[p] = 2;
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
