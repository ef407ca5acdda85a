//! Relative links between content files, resolved to site URLs. Shared by `check`
//! (broken links are findings) and `render` (links are rewritten to page URLs).

use crate::load::Loaded;
use crate::model::{Account, Page};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

/// Every linkable file and its site URL (relative to the site root, e.g.
/// `accounts/acme/reviews/2026-09-30-qbr/`): accounts' files by slug, then by their
/// path in the account folder; the home page and guides by path.
///
/// Keyed by slug rather than by every file's full path: at 100,000 accounts that was
/// 700,000 paths and URLs formatted and hashed for each check and build, of which a
/// site links to a few.
#[derive(Debug, Default)]
pub struct LinkIndex<'a> {
    accounts: HashMap<Cow<'a, str>, Cow<'a, Targets>>,
    pages: HashMap<String, String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Leaves the content folder, or is an absolute path.
    Outside,
    Broken,
}

impl<'a> LinkIndex<'a> {
    /// The index of `site`'s pages and of `accounts` (the site's, passed apart because a
    /// build releases each account's content once its pages are rendered): it owns what
    /// it holds, so it borrows neither.
    pub fn new(site: &Loaded, accounts: &[Account]) -> LinkIndex<'static> {
        let accounts = accounts
            .par_iter()
            .map(|a| (Cow::Owned(a.slug.clone()), Cow::Owned(Targets::of(a))))
            .collect();
        LinkIndex {
            accounts,
            pages: pages(site.home.is_some(), &site.guides),
        }
    }

    /// The index of every linkable file: the site's home page and guides, and each
    /// account's (slug, what may be linked to in its folder).
    pub fn from_parts(
        home: bool,
        guides: &[Page],
        accounts: &[(&'a str, &'a Targets)],
    ) -> LinkIndex<'a> {
        LinkIndex {
            accounts: accounts
                .iter()
                .map(|(slug, targets)| (Cow::Borrowed(*slug), Cow::Borrowed(*targets)))
                .collect(),
            pages: pages(home, guides),
        }
    }

    /// Resolve `target` (no scheme, no `#fragment`) written in the file `from`.
    pub fn resolve(&self, from: &str, target: &str) -> Result<String, LinkError> {
        if target.starts_with('/') || target.starts_with('\\') {
            return Err(LinkError::Outside);
        }
        let decoded = percent_decode(target);
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop(); // the file itself
        for seg in decoded.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop();
                    if parts.is_empty() {
                        return Err(LinkError::Outside);
                    }
                }
                s => parts.push(s),
            }
        }
        match parts.as_slice() {
            ["content", "accounts", slug, file @ ..] if !file.is_empty() => {
                let file = file.join("/");
                let (slug, targets) = self
                    .accounts
                    .get_key_value(*slug)
                    .ok_or(LinkError::Broken)?;
                let url = targets.url(&file).ok_or(LinkError::Broken)?;
                Ok(format!("accounts/{slug}/{url}"))
            }
            ["content", ..] => self
                .pages
                .get(&parts.join("/"))
                .cloned()
                .ok_or(LinkError::Broken),
            _ => Err(LinkError::Outside),
        }
    }
}

/// The home page and guides: file → URL.
fn pages(home: bool, guides: &[Page]) -> HashMap<String, String> {
    let mut pages: HashMap<String, String> = guides
        .iter()
        .map(|g| (g.file.clone(), format!("guides/{}/", g.stem)))
        .collect();
    if home {
        pages.insert("content/_index.md".to_string(), String::new());
    }
    pages
}

/// What other files may link to in one account, besides the three every account has
/// (`account.toml`, `contacts.toml`, `plan.md`): its review notes and its assets. Kept
/// as names, the URLs made on lookup: every account's are kept by `check` and its cache,
/// and a site links to few of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// File names in `reviews/`.
    pub reviews: Vec<String>,
    /// Paths relative to the account folder (`assets/org.svg`).
    pub assets: Vec<String>,
}

impl Targets {
    pub fn of(a: &Account) -> Targets {
        Targets {
            reviews: (a.reviews.iter())
                .map(|r| r.file.rsplit('/').next().unwrap_or(&r.file).to_string())
                .collect(),
            assets: a.assets.clone(),
        }
    }

    /// The URL, relative to the account's page, of `file` (relative to the account
    /// folder): `reviews/2026-09-30-qbr.md` → `reviews/2026-09-30-qbr/`. None if nothing
    /// may link to it.
    pub fn url(&self, file: &str) -> Option<Cow<'_, str>> {
        let fixed = match file {
            "account.toml" => Some(""),
            "contacts.toml" => Some("#contacts"),
            "plan.md" => Some("#plan"),
            _ => None,
        };
        if let Some(url) = fixed {
            return Some(Cow::Borrowed(url));
        }
        if let Some(name) = file.strip_prefix("reviews/") {
            if let Some(r) = self.reviews.iter().find(|r| *r == name) {
                // the page of a review is named for its stem (see `parse::review`)
                return Some(Cow::Owned(
                    ["reviews/", r.trim_end_matches(".md"), "/"].concat(),
                ));
            }
        }
        let asset = self.assets.iter().find(|a| *a == file)?;
        Some(Cow::Borrowed(asset))
    }
}

/// `%XX` escapes → bytes (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            // bytes, not a str slice: `%` may precede a multi-byte character
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A link found by the quick scanner: target text and its byte range in the body.
#[derive(Debug, PartialEq, Eq)]
pub struct FoundLink<'a> {
    pub target: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Find inline link and image targets `](target)` outside code, fast enough to run on
/// every file in `check` without a full Markdown parse.
pub fn scan_links(md: &str) -> Vec<FoundLink<'_>> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut offset = 0;
    // Where `](` and `<` occur, searched once over the whole text instead of per line
    // (most lines have neither).
    let mut opens = memchr::memmem::find_iter(md.as_bytes(), b"](").peekable();
    let mut tags = memchr::memchr_iter(b'<', md.as_bytes()).peekable();
    for end in memchr::memchr_iter(b'\n', md.as_bytes())
        .map(|i| i + 1)
        .chain((!md.ends_with('\n') && !md.is_empty()).then_some(md.len()))
    {
        // the lines of `split_inclusive('\n')`, found with a vectorised search
        let (start, line) = (offset, &md[offset..end]);
        offset = end;
        // most lines start with a letter, `#` or `-`: trim (char by char) only the rest
        let t = match line.as_bytes().first() {
            Some(&b) if b > b' ' && b.is_ascii() => line,
            _ => line.trim_start(),
        };
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") {
            fence = Some("```");
            continue;
        }
        if t.starts_with("~~~") {
            fence = Some("~~~");
            continue;
        }
        // reference definitions: `[label]: target "title"`
        if t.starts_with('[') && !t.starts_with("[^") {
            if let Some(close) = t.find("]:") {
                let rest = &t[close + 2..];
                let target = rest.trim_start();
                let target = target.split_whitespace().next().unwrap_or("");
                let at = start
                    + (line.len() - t.len())
                    + close
                    + 2
                    + (rest.len() - rest.trim_start().len());
                push_target(&mut out, line, start, at - start, target);
            }
        }
        if occurs_in(&mut opens, start..offset) {
            scan_inline(line, start, &mut out);
        }
        // raw HTML attributes: href="…" and src="…"
        if occurs_in(&mut tags, start..offset) {
            for attr in ["href=", "src="] {
                let mut from = 0;
                while let Some(i) = line[from..].find(attr) {
                    let i = from + i + attr.len();
                    from = i;
                    let rest = &line[i..];
                    let (q, body) = match rest.as_bytes().first() {
                        Some(&q @ (b'"' | b'\'')) => (q as char, &rest[1..]),
                        _ => continue,
                    };
                    let end = body.find(q).unwrap_or(body.len());
                    push_target(&mut out, line, start, i + 1, &body[..end]);
                }
            }
        }
    }
    out
}

/// Whether the next of the ascending `positions` not before `range` is in it; those
/// before it are passed over for good.
fn occurs_in(
    positions: &mut std::iter::Peekable<impl Iterator<Item = usize>>,
    range: std::ops::Range<usize>,
) -> bool {
    while let Some(&p) = positions.peek() {
        if p >= range.start {
            return p < range.end;
        }
        positions.next();
    }
    false
}

/// Record a target found at byte `rel` of `line`, without `<…>` brackets.
fn push_target<'a>(
    out: &mut Vec<FoundLink<'a>>,
    line: &'a str,
    start: usize,
    rel: usize,
    raw: &'a str,
) {
    let lead = raw.len() - raw.trim_start_matches('<').len();
    let target = raw.trim_start_matches('<').trim_end_matches('>');
    if !target.is_empty() && rel + lead + target.len() <= line.len() {
        out.push(FoundLink {
            target,
            start: start + rel + lead,
            end: start + rel + lead + target.len(),
        });
    }
}

fn scan_inline<'a>(line: &'a str, start: usize, out: &mut Vec<FoundLink<'a>>) {
    let b = line.as_bytes();
    let mut in_code = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'`' => in_code = !in_code,
            b']' if !in_code && b.get(i + 1) == Some(&b'(') => {
                let s = i + 2;
                let mut depth = 0;
                let mut j = s;
                while j < b.len() && b[j] != b'\n' {
                    match b[j] {
                        b'(' => depth += 1,
                        b')' if depth == 0 => break,
                        b')' => depth -= 1,
                        b' ' if depth == 0 => break,
                        _ => {}
                    }
                    j += 1;
                }
                push_target(out, line, start, s, &line[s..j]);
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
}

/// The URL scheme of a link target, lowercased, ignoring whitespace and control
/// characters browsers ignore (`java\tscript:`).
pub fn scheme(target: &str) -> Option<String> {
    let cleaned: String = target
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let colon = cleaned.find(':')?;
    let s = &cleaned[..colon];
    if s.contains(['/', '?', '#']) || s.is_empty() {
        return None;
    }
    Some(s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_files_link_to_their_places_on_its_page() {
        let t = Targets {
            reviews: vec!["2026-09-30-qbr.md".into()],
            assets: vec!["assets/org.svg".into()],
        };
        assert_eq!(t.url("account.toml").as_deref(), Some(""));
        assert_eq!(t.url("contacts.toml").as_deref(), Some("#contacts"));
        assert_eq!(t.url("plan.md").as_deref(), Some("#plan"));
        assert_eq!(
            t.url("reviews/2026-09-30-qbr.md").as_deref(),
            Some("reviews/2026-09-30-qbr/")
        );
        assert_eq!(t.url("assets/org.svg").as_deref(), Some("assets/org.svg"));
        // files the account does not have, or that are not where they are named
        assert_eq!(t.url("reviews/2026-10-01-qbr.md"), None);
        assert_eq!(t.url("2026-09-30-qbr.md"), None);
        assert_eq!(t.url("reviews/assets/org.svg"), None);
        assert_eq!(t.url("notes.md"), None);
    }

    #[test]
    fn scans_links_outside_code() {
        let md = "See [a](x.md) and ![i](assets/o.svg \"t\").\n```\n[no](skip.md)\n```\n`[no](y.md)` [b](<z.md>)\n[ref]: ../r.md \"T\"\n<a href=\"../h.md\">x</a>\n";
        let found: Vec<_> = scan_links(md).into_iter().map(|l| l.target).collect();
        assert_eq!(
            found,
            vec!["x.md", "assets/o.svg", "z.md", "../r.md", "../h.md"]
        );
        let z = scan_links(md)
            .into_iter()
            .find(|l| l.target == "z.md")
            .unwrap();
        assert_eq!(&md[z.start..z.end], "z.md", "position after the `<`");
        let l = &scan_links(md)[0];
        assert_eq!(&md[l.start..l.end], "x.md");
    }

    #[test]
    fn the_last_line_needs_no_line_break() {
        fn targets(md: &str) -> Vec<&str> {
            scan_links(md).into_iter().map(|l| l.target).collect()
        }
        assert_eq!(targets("[a](x.md)"), ["x.md"]);
        assert_eq!(
            targets("\n\r\n[b](y.md)\r\n<img src=\"z.png\">"),
            ["y.md", "z.png"]
        );
        assert_eq!(targets("```\n[no](n.md)"), Vec::<&str>::new());
        assert!(targets("").is_empty());
        let md = "x\n[c](c.md)";
        let l = &scan_links(md)[0];
        assert_eq!(&md[l.start..l.end], "c.md");
    }

    #[test]
    fn schemes_survive_obfuscation() {
        assert_eq!(
            scheme("java\tscript:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(scheme("HTTPS://x").as_deref(), Some("https"));
        assert_eq!(scheme("reviews/a.md"), None);
        assert_eq!(scheme("a/b:c"), None);
    }
}
