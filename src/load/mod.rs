//! Stage 1, load: walk the site root, read every file (in parallel, one task per
//! account), split front matter and parse TOML into the typed model. Schema findings
//! (keys, types, enums, ranges) are produced here, where the spans are.

pub mod files;
pub mod frontmatter;
pub mod listing;
pub mod parse;
pub mod quick_toml;
pub mod reader;
pub mod toml_tree;

use crate::config::Config;
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::model::{Account, Page};
use crate::rules;
use crate::source::{SourceFile, SourceMap};
use listing::{Listing, Parent, Stamp};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Everything read from a site root.
#[derive(Debug)]
pub struct Loaded {
    pub root: PathBuf,
    pub config: Config,
    pub today: Date,
    pub home: Option<Page>,
    pub guides: Vec<Page>,
    pub accounts: Vec<Account>,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a site could not be loaded at all (exit code 2).
#[derive(Debug)]
pub struct FatalError(pub String);

impl std::fmt::Display for FatalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Names the walk passes over silently: hidden files and editors' temporary files.
pub(crate) fn ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
}

/// The finding for an entry the loader passes over (a symlink, or a pipe, socket or
/// device: opening one could block forever); None for files and folders.
/// `rel` is only built for what is skipped: most entries are not.
fn skipped(rel: impl FnOnce() -> String, kind: u8) -> Option<Diagnostic> {
    match kind {
        listing::FILE | listing::DIR => None,
        listing::LINK => Some(files::symlink(&rel())),
        _ => {
            let rel = rel();
            let message = format!("`{rel}` is not a regular file or folder and is skipped");
            Some(Diagnostic::new(&rules::UNREADABLE, rel, None, message))
        }
    }
}

/// Sorted entries of a folder; symlinks and unreadable folders become findings.
fn list_dir(
    root: &Path,
    rel: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, std::fs::FileType)> {
    let mut out = Vec::new();
    match std::fs::read_dir(root.join(rel)) {
        Ok(rd) => {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if ignored(&name) {
                    continue;
                }
                match e.file_type() {
                    Ok(ft) => match skipped(|| format!("{rel}/{name}"), listing::kind_of(ft)) {
                        Some(d) => diags.push(d),
                        None => out.push((name, ft)),
                    },
                    Err(err) => diags.push(Diagnostic::new(
                        &rules::UNREADABLE,
                        format!("{rel}/{name}"),
                        None,
                        err.to_string(),
                    )),
                }
            }
        }
        Err(e) => diags.push(Diagnostic::new(
            &rules::UNREADABLE,
            rel,
            None,
            format!("cannot list `{rel}`: {e}"),
        )),
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn stray(rel: String) -> Diagnostic {
    Diagnostic::new(
        &rules::STRAY_FILE,
        rel.clone(),
        None,
        format!("`{rel}` is not part of the dossier format and is ignored"),
    )
}

/// Load the site at `root`. `today_override` (from `--today`) wins over dossier.toml.
pub fn load(root: &Path, today_override: Option<Date>) -> Result<Loaded, FatalError> {
    let (mut site, slugs) = load_root(root, today_override)?;
    let t = std::time::Instant::now();
    let parent = Parent::open(root, "content/accounts");
    // Accounts are collected straight into their final vector: an `Account` is ~1.9 KB,
    // and a vector of tuples moved into a second one held both (0.4 GB of fresh memory
    // at 100,000 accounts).
    type Rest = (Vec<SourceFile>, Vec<Diagnostic>);
    let (accounts, rest): (Vec<Account>, Vec<Rest>) = slugs
        .par_iter()
        .map(|slug| {
            let (a, srcs, d) = load_account_in(&parent, root, slug, &site.config, site.today);
            (a, (srcs, d))
        })
        .unzip();
    crate::timing("load: accounts", t);
    debug_assert!(site.accounts.is_empty());
    site.accounts = accounts;
    let mut sources = Vec::with_capacity(rest.iter().map(|(s, _)| s.len()).sum());
    for (srcs, d) in rest {
        sources.extend(srcs);
        site.diagnostics.extend(d);
    }
    site.sources.insert_all(sources);
    Ok(site)
}

/// Everything but the accounts: dossier.toml, the home page, the guides, and the sorted
/// names of the account folders (each one is then loaded by [`load_account`]).
pub fn load_root(
    root: &Path,
    today_override: Option<Date>,
) -> Result<(Loaded, Vec<String>), FatalError> {
    let meta = std::fs::metadata(root)
        .map_err(|e| FatalError(format!("cannot read site root `{}`: {e}", root.display())))?;
    if !meta.is_dir() {
        return Err(FatalError(format!(
            "site root `{}` is not a folder",
            root.display()
        )));
    }
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let mut config = Config::default();
    let cfg_path = root.join("dossier.toml");
    if cfg_path.symlink_metadata().is_ok() {
        let (src, d) = files::read_text(root, "dossier.toml", &config.limits);
        diags.extend(d);
        if let Some(src) = src {
            let (c, d) = Config::parse(&src.text);
            config = c;
            diags.extend(d);
            sources.insert(src);
        }
    }
    if std::fs::symlink_metadata(root.join("content")).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(FatalError(format!(
            "`{}/content` is a symbolic link; dossier never follows links out of the site root (replace it with a folder)",
            root.display()
        )));
    }
    if !root.join("content").is_dir() {
        return Err(FatalError(format!(
            "`{}` is not a dossier site: it has no `content/` folder (run `dossier init` to create one)",
            root.display()
        )));
    }
    let today = today_override
        .or(config.today)
        .unwrap_or_else(Date::today_local);

    let mut home = None;
    let mut guides = Vec::new();
    let mut account_dirs = Vec::new();
    for (name, ft) in list_dir(root, "content", &mut diags) {
        let rel = format!("content/{name}");
        match (name.as_str(), ft.is_dir()) {
            ("_index.md", false) => {
                let (src, d) = files::read_text(root, &rel, &config.limits);
                diags.extend(d.clone());
                if let (Some(src), None) = (src.as_ref(), d) {
                    let (p, d) = parse::page(src, "_index", &config, today);
                    home = p;
                    diags.extend(d);
                }
                sources.extend_opt(src);
            }
            ("guides", true) => {
                for (g, gft) in list_dir(root, &rel, &mut diags) {
                    let grel = format!("{rel}/{g}");
                    let Some(stem) = g.strip_suffix(".md").filter(|_| gft.is_file()) else {
                        diags.push(stray(grel));
                        continue;
                    };
                    if !is_slug(stem) {
                        diags.push(Diagnostic::new(
                            &rules::GUIDE_FILE_NAME,
                            grel.clone(),
                            None,
                            format!("guide file name `{g}` is not a slug"),
                        ));
                    }
                    let (src, d) = files::read_text(root, &grel, &config.limits);
                    diags.extend(d.clone());
                    if let (Some(src), None) = (src.as_ref(), d) {
                        let (p, d) = parse::page(src, stem, &config, today);
                        guides.extend(p);
                        diags.extend(d);
                    }
                    sources.extend_opt(src);
                }
            }
            ("accounts", true) => {
                for (a, aft) in list_dir(root, &rel, &mut diags) {
                    if aft.is_dir() {
                        account_dirs.push(a);
                    } else {
                        diags.push(stray(format!("{rel}/{a}")));
                    }
                }
            }
            _ => diags.push(stray(rel)),
        }
    }
    guides.sort_by(|a, b| (a.weight, &a.stem).cmp(&(b.weight, &b.stem)));
    let site = Loaded {
        root: root.to_path_buf(),
        config,
        today,
        home,
        guides,
        accounts: Vec::new(),
        sources,
        diagnostics: diags,
    };
    Ok((site, account_dirs))
}

impl SourceMap {
    fn extend_opt(&mut self, src: Option<SourceFile>) {
        if let Some(s) = src {
            self.insert(s);
        }
    }
}

/// Load one account folder: its files in a fixed order.
pub fn load_account(
    root: &Path,
    slug: &str,
    cfg: &Config,
    today: Date,
) -> (Account, Vec<SourceFile>, Vec<Diagnostic>) {
    let parent = Parent::open(root, "content/accounts");
    load_account_in(&parent, root, slug, cfg, today)
}

/// [`load_account`] with `content/accounts` already open (loading every account).
fn load_account_in(
    parent: &Parent,
    root: &Path,
    slug: &str,
    cfg: &Config,
    today: Date,
) -> (Account, Vec<SourceFile>, Vec<Diagnostic>) {
    let listing = Listing::read_in(parent, slug, read_by_loader, cfg.limits.max_file_bytes);
    load_listed(root, slug, &listing, cfg, today)
}

/// The files of an account folder [`load_listed`] reads (paths from the folder), for a
/// [`Listing::read_in`] to read beforehand. Naming too many or too few costs only time:
/// the loader reads whatever was not read already.
pub fn read_by_loader(path: &str) -> bool {
    matches!(path, "account.toml" | "contacts.toml" | "plan.md")
        || path
            .strip_prefix("reviews/")
            .is_some_and(|r| r.ends_with(".md") && !r.contains('/'))
}

/// A file of an account folder: what the listing read, or read now at its listed size.
fn read_entry(
    root: &Path,
    listing: &Listing,
    rel: &str,
    entry: &Stamp,
    cfg: &Config,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    match listing.take_body(entry.path()) {
        Some(bytes) => files::decode(rel, bytes),
        None => files::read_known(root, rel, entry.size(), &cfg.limits),
    }
}

/// The entries of folder `sub` of an account (relative to the account folder) from its
/// listing, by name; symlinks, special files and what could not be listed become
/// findings, like [`list_dir`].
fn listed<'a>(
    listing: &'a Listing,
    dir: &str,
    sub: &'a str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(&'a str, &'a Stamp)> {
    let rel = |p: &str| {
        if p.is_empty() {
            dir.to_string()
        } else {
            [dir, "/", p].concat()
        }
    };
    for (p, why) in listing.errors_in(sub) {
        let message = if p == sub {
            format!("cannot list `{}`: {why}", rel(p))
        } else {
            why.clone()
        };
        diags.push(Diagnostic::new(&rules::UNREADABLE, rel(p), None, message));
    }
    let mut out = Vec::new();
    for (name, e) in listing.children(sub) {
        match skipped(|| rel(e.path()), e.kind()) {
            Some(d) => diags.push(d),
            None => out.push((name, e)),
        }
    }
    out
}

/// [`load_account`] from a listing already made (the check cache makes one to see what
/// changed): every file is read at the size the listing saw.
pub fn load_listed(
    root: &Path,
    slug: &str,
    listing: &Listing,
    cfg: &Config,
    today: Date,
) -> (Account, Vec<SourceFile>, Vec<Diagnostic>) {
    // `concat`, not `format!`, for the paths built per file: a fifth of the cost
    let dir = ["content/accounts/", slug].concat();
    let mut diags = Vec::new();
    let mut srcs = Vec::new();
    let mut acc = Account {
        slug: slug.to_string(),
        dir: dir.clone(),
        ..Account::default()
    };
    if !is_slug(slug) || slug.len() > 64 {
        let why = if slug.len() > 64 {
            "is longer than 64 characters"
        } else {
            "is not a slug"
        };
        diags.push(
            Diagnostic::new(
                &rules::SLUG,
                format!("{dir}/account.toml"),
                None,
                format!("account folder name `{slug}` {why}"),
            )
            .help(format!(
                "rename the folder, e.g. `{}`; the slug becomes the account's URL",
                suggest_slug(slug)
            )),
        );
    }
    let mut seen_account = false;
    for (name, entry) in listed(listing, &dir, "", &mut diags) {
        let rel = [&dir, "/", name].concat();
        let is_dir = entry.kind() == listing::DIR;
        let mut read = |diags: &mut Vec<Diagnostic>| -> Option<SourceFile> {
            let (src, d) = read_entry(root, listing, &rel, entry, cfg);
            let ok = d.is_none();
            diags.extend(d);
            if let Some(s) = &src {
                srcs.push(s.clone());
            }
            src.filter(|_| ok)
        };
        match (name, is_dir) {
            ("account.toml", false) => {
                seen_account = true;
                if let Some(src) = read(&mut diags) {
                    let (p, d) = parse::account(&src, cfg, today);
                    acc.profile = p;
                    diags.extend(d);
                }
            }
            ("contacts.toml", false) => {
                if let Some(src) = read(&mut diags) {
                    let (c, d) = parse::contacts(&src, cfg, today);
                    acc.contacts = c;
                    diags.extend(d);
                }
            }
            ("plan.md", false) => {
                if let Some(src) = read(&mut diags) {
                    let (p, d) = parse::plan(&src, cfg, today);
                    acc.plan = p;
                    diags.extend(d);
                } else {
                    // present but unreadable: the plan exists, so do not also report it missing
                    acc.plan = Some(Default::default());
                }
            }
            ("reviews", true) => {
                for (r, rentry) in listed(listing, &dir, "reviews", &mut diags) {
                    let rrel = [&rel, "/", r].concat();
                    if !r.ends_with(".md") || rentry.kind() == listing::DIR {
                        diags.push(stray(rrel));
                        continue;
                    }
                    let (src, d) = read_entry(root, listing, &rrel, rentry, cfg);
                    let ok = d.is_none();
                    diags.extend(d);
                    if let Some(src) = src {
                        if ok {
                            let (rev, d) = parse::review(&src, r, cfg, today);
                            diags.extend(d);
                            acc.reviews.push(rev);
                        }
                        srcs.push(src);
                    }
                }
            }
            ("assets", true) => {
                collect_assets(root, listing, &dir, "assets", &mut acc.assets, &mut diags)
            }
            ("account.toml" | "contacts.toml" | "plan.md", true) => {
                seen_account |= name == "account.toml";
                if name == "plan.md" {
                    acc.plan = Some(Default::default());
                }
                diags.push(Diagnostic::new(
                    &rules::UNREADABLE,
                    rel.clone(),
                    None,
                    format!("`{rel}` is a folder, but a file is expected here"),
                ));
            }
            ("reviews", false) => diags.push(Diagnostic::new(
                &rules::UNREADABLE,
                rel.clone(),
                None,
                format!("`{rel}` is a file, but a folder of review notes is expected here"),
            )),
            _ => diags.push(stray(rel)),
        }
    }
    acc.read = srcs.iter().map(|s| s.path.clone()).collect();
    if !seen_account {
        diags.push(Diagnostic::new(
            &rules::MISSING_ACCOUNT,
            format!("{dir}/account.toml"),
            None,
            format!("account folder `{slug}` has no account.toml"),
        ));
    }
    (acc, srcs, diags)
}

fn collect_assets(
    root: &Path,
    listing: &Listing,
    dir: &str,
    sub: &str,
    out: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    for (name, e) in listed(listing, dir, sub, diags) {
        let path = format!("{dir}/{}", e.path());
        // a name that cannot be one URL path segment cannot be published
        if name.contains('\\') || name.chars().any(char::is_control) {
            diags.push(
                Diagnostic::new(&rules::STRAY_FILE, path.clone(), None, format!("`{}` has a backslash or a control character in its name and is not published", path.escape_debug()))
                    .help("rename the file with letters, digits, dashes and dots"),
            );
        } else if e.kind() == listing::DIR {
            collect_assets(root, listing, dir, e.path(), out, diags);
        } else if let Some(why) = active_content(&root.join(&path)) {
            diags.push(Diagnostic::new(
                &rules::ACTIVE_ASSET,
                path.clone(),
                None,
                format!("`{path}` {why}; it is not published"),
            ));
        } else {
            out.push(e.path().to_string());
        }
    }
}

fn suggest_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(64).collect();
    if out.is_empty() {
        "acme-steel".into()
    } else {
        out.trim_end_matches('-').to_string()
    }
}

impl Loaded {
    /// Re-read the given account folders (changed, added or removed) in place, replacing
    /// their files' findings. Used by `serve` so one edit does not reload every account.
    pub fn reload_accounts(&mut self, slugs: &[String]) {
        for slug in slugs {
            let dir = format!("content/accounts/{slug}/");
            self.diagnostics.retain(|d| !d.file.starts_with(&dir));
            let pos = self
                .accounts
                .binary_search_by(|a| a.slug.as_str().cmp(slug));
            if !self.root.join("content/accounts").join(slug).is_dir() {
                if let Ok(i) = pos {
                    self.accounts.remove(i);
                }
                continue;
            }
            let (acc, srcs, diags) = load_account(&self.root, slug, &self.config, self.today);
            for s in srcs {
                self.sources.insert(s);
            }
            self.diagnostics.extend(diags);
            match pos {
                Ok(i) => self.accounts[i] = acc,
                Err(i) => self.accounts.insert(i, acc),
            }
        }
    }
}

/// Assets are served from the site's own origin: anything a browser would run there is
/// refused (HTML, scripts, and SVG/XML carrying script, event handlers or embeds).
fn active_content(path: &Path) -> Option<&'static str> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" | "xhtml" | "shtml" | "js" | "mjs" => {
            return Some("is a web page or script")
        }
        "svg" | "svgz" | "xml" | "xsl" | "xslt" => {}
        _ => return None,
    }
    let text = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text).to_ascii_lowercase();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let active = [
        "<script",
        "javascript:",
        "<foreignobject",
        "<iframe",
        "<embed",
        "<object",
        "<!entity",
        "xlink:href=\"data:",
        "href=\"data:",
    ]
    .iter()
    .any(|p| compact.contains(p));
    let handler = text
        .split(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
        .any(|w| {
            w.starts_with("on")
                && w.find('=')
                    .is_some_and(|i| i > 2 && w[2..i].chars().all(|c| c.is_ascii_alphabetic()))
        });
    (active || handler).then_some("contains script, event handlers or embedded documents")
}
