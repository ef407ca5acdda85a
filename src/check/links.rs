//! Links in Markdown: relative links must resolve inside the site; dangerous schemes
//! are findings (the renderer removes them in any case). Scanning is per file; resolving
//! needs every account's files, so it runs once all accounts are known.

use crate::diag::Diagnostic;
use crate::links::{scan_links, scheme, LinkError, LinkIndex};
use crate::model::Body;
use crate::rules;
use crate::source::Span;
use serde::{Deserialize, Serialize};

pub const UNSAFE_SCHEMES: &[&str] = &["javascript", "vbscript", "data", "file"];

/// A relative link, as written (`target` keeps its `#fragment`), where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRef {
    pub file: String,
    pub span: Span,
    pub target: String,
}

/// Scan one body: links with a dangerous scheme are findings now; relative links are
/// returned to be resolved against the whole site.
pub fn scan_body(body: &Body, out: &mut Vec<Diagnostic>, refs: &mut Vec<LinkRef>) {
    for l in scan_links(body.text()) {
        let span = body.offset + l.start..body.offset + l.end;
        if let Some(s) = scheme(l.target) {
            if UNSAFE_SCHEMES.contains(&s.as_str()) {
                out.push(Diagnostic::new(
                    &rules::UNSAFE_URL,
                    &body.file,
                    Some(span),
                    format!("`{s}:` links are not allowed; the link is removed"),
                ));
            }
            continue;
        }
        if link_path(l.target).is_empty() {
            continue;
        }
        refs.push(LinkRef {
            file: body.file.clone(),
            span,
            target: l.target.to_string(),
        });
    }
}

/// The path part of a target: without `#fragment` and `?query`.
fn link_path(target: &str) -> &str {
    target.split(['#', '?']).next().unwrap_or("")
}

/// Resolve relative links: leaving the content folder, or pointing at nothing, is a finding.
pub fn resolve(refs: &[LinkRef], index: &LinkIndex, out: &mut Vec<Diagnostic>) {
    for l in refs {
        let path = link_path(&l.target);
        let finding = match index.resolve(&l.file, path) {
            Ok(_) => continue,
            Err(LinkError::Outside) => Diagnostic::new(
                &rules::LINK_OUTSIDE,
                &l.file,
                Some(l.span.clone()),
                format!("link `{}` points outside the site content", l.target),
            ),
            Err(LinkError::Broken) => Diagnostic::new(
                &rules::BROKEN_LINK,
                &l.file,
                Some(l.span.clone()),
                format!("link target `{path}` does not exist"),
            ),
        };
        out.push(finding);
    }
}
