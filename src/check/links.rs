//! Links in Markdown: relative links must resolve inside the site; dangerous schemes
//! are findings (the renderer removes them in any case).

use super::Ctx;
use crate::diag::Diagnostic;
use crate::links::{scan_links, scheme, LinkError, LinkIndex};
use crate::model::Body;
use crate::rules;

pub const UNSAFE_SCHEMES: &[&str] = &["javascript", "vbscript", "data", "file"];

pub fn check_body(body: &Body, index: &LinkIndex, out: &mut Vec<Diagnostic>) {
    for l in scan_links(body.text()) {
        let span = Some(body.offset + l.start..body.offset + l.end);
        if let Some(s) = scheme(l.target) {
            if UNSAFE_SCHEMES.contains(&s.as_str()) {
                out.push(Diagnostic::new(
                    &rules::UNSAFE_URL,
                    &body.file,
                    span,
                    format!("`{s}:` links are not allowed; the link is removed"),
                ));
            }
            continue;
        }
        let path = l.target.split(['#', '?']).next().unwrap_or("");
        if path.is_empty() {
            continue;
        }
        match index.resolve(&body.file, path) {
            Ok(_) => {}
            Err(LinkError::Outside) => out.push(Diagnostic::new(
                &rules::LINK_OUTSIDE,
                &body.file,
                span,
                format!("link `{}` points outside the site content", l.target),
            )),
            Err(LinkError::Broken) => out.push(Diagnostic::new(
                &rules::BROKEN_LINK,
                &body.file,
                span,
                format!("link target `{path}` does not exist"),
            )),
        }
    }
}

pub fn check_account(cx: &mut Ctx, index: &LinkIndex) {
    let mut out = Vec::new();
    if let Some(p) = &cx.account.plan {
        check_body(&p.body, index, &mut out);
    }
    for r in &cx.account.reviews {
        check_body(&r.body, index, &mut out);
    }
    cx.out.extend(out);
}

pub fn check_pages(site: &crate::load::Loaded, index: &LinkIndex, out: &mut Vec<Diagnostic>) {
    for p in site.home.iter().chain(&site.guides) {
        check_body(&p.body, index, out);
    }
}
