//! Stage 4, render: every page of the site from the checked model. Pages are rendered
//! in parallel and handed to an [`Output`] as they are made, so no stage needs every
//! rendered page in memory at once.

pub mod charts;
pub mod contact_map;
pub mod export;
pub mod i18n;
pub mod markdown;
pub mod search;
pub mod theme;
pub mod view;

use crate::derive::Band;
use crate::diag::{place, Placed};
use crate::links::LinkIndex;
use crate::model::{Account, Body};
use crate::write::Output;
use crate::Checked;
use markdown::{Markdown, RenderOptions, Rendered};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use view::{AccountRow, ReviewSummary};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides `base_url` from dossier.toml (absolute URLs in sitemap and feed).
    pub base_url: Option<String>,
    /// Leave every credit figure out of the site (pages, export, search).
    pub redact_credit: bool,
    /// Skip the search index and the data exports (`serve` writes them after the pages).
    pub defer_search: bool,
}

/// An incremental render: these accounts' pages, these owners' and tiers' pages, and
/// the index pages; everything else is left as it is in the output.
#[derive(Debug, Default, Clone)]
pub struct Only {
    pub slugs: std::collections::HashSet<String>,
    pub owners: std::collections::HashSet<String>,
    pub tiers: std::collections::HashSet<String>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct BuildStats {
    pub pages: usize,
    pub files: usize,
    pub bytes: usize,
}

/// What every page's template sees besides its own data.
#[derive(Serialize)]
struct Common<'a> {
    root: String,
    lang: &'a str,
    t: &'a BTreeMap<&'static str, &'static str>,
    site: &'a SiteInfo,
    page_url: &'a str,
}

#[derive(Serialize)]
struct SiteInfo {
    title: String,
    base_url: String,
    today: crate::date::Date,
    language: String,
    redacted: bool,
    guides: Vec<NavLink>,
}

#[derive(Serialize, Clone)]
struct NavLink {
    title: String,
    url: String,
}

/// `accounts/acme/` → `../../`: every link is relative, so the site works from a
/// sub-path and from disk.
pub fn root_of(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// What stays the same between builds of one site: the compiled theme, the Markdown
/// renderer (syntax sets), the labels. `serve` keeps one and re-renders with it.
pub struct Engine {
    theme: theme::Theme,
    /// The label maps as template values, built once.
    t_en: tera::Value,
    t_zh: tera::Value,
    /// Facts from one `git log` pass (empty outside a repository).
    history: crate::git::History,
    tera: tera::Tera,
    md: Markdown,
    labels_en: BTreeMap<&'static str, &'static str>,
    labels_zh: BTreeMap<&'static str, &'static str>,
    /// The search dictionary: documents are tokenized as their pages render and keep
    /// term ids; `serve` keeps it (and the documents) between renders.
    terms: search::Terms,
    /// The contact maps' legend, English and Chinese: one shared file each.
    map_legends: [contact_map::Legend; 2],
}

impl Engine {
    pub fn new(root: &std::path::Path, theme_name: Option<&str>) -> Result<Engine, String> {
        let theme = theme::Theme::load(root, theme_name)?;
        let history = crate::git::History::load(root);
        if history.shallow {
            eprintln!(
                "warning: this is a shallow git clone: change history is truncated (in CI, fetch the full history: `fetch-depth: 0` on GitHub Actions, `GIT_DEPTH: 0` on GitLab)"
            );
        }
        let labels_en = i18n::labels("en");
        let labels_zh = i18n::labels("zh");
        Ok(Engine {
            t_en: tera::Value::from_serializable(&labels_en),
            t_zh: tera::Value::from_serializable(&labels_zh),
            history,
            tera: theme.tera()?,
            theme,
            md: Markdown::new(),
            labels_en,
            labels_zh,
            terms: search::Terms::default(),
            map_legends: [contact_map::Lang::En, contact_map::Lang::Zh]
                .map(contact_map::Legend::new),
        })
    }
}

/// Per-account results kept between incremental renders (`serve`): the account's
/// review summaries and search documents.
pub type AccountCache = HashMap<String, AccountOutput>;

/// What rendering one account yields for the portfolio: review summaries, search docs.
pub type AccountOutput = (Vec<ReviewSummary>, Vec<search::IndexedDoc>);

struct Ctx<'a> {
    checked: &'a Checked,
    engine: &'a Engine,
    links: LinkIndex<'static>,
    site: SiteInfo,
    /// `site` as a template value, converted once.
    site_value: tera::Value,
    out: &'a dyn Output,
    opts: &'a BuildOptions,
    pages: AtomicUsize,
    files: AtomicUsize,
    bytes: AtomicUsize,
}

impl<'a> Ctx<'a> {
    /// `accounts`: the site's (see [`Accounts`]).
    fn new(
        engine: &'a Engine,
        checked: &'a Checked,
        accounts: &[Account],
        opts: &'a BuildOptions,
        out: &'a dyn Output,
    ) -> Ctx<'a> {
        let site = &checked.site;
        let cfg = &site.config;
        let info = SiteInfo {
            title: cfg.title.clone(),
            base_url: opts
                .base_url
                .clone()
                .unwrap_or_else(|| cfg.base_url.clone()),
            today: site.today,
            language: cfg.language.clone(),
            redacted: opts.redact_credit,
            guides: site
                .guides
                .iter()
                .map(|g| NavLink {
                    title: g.title.clone(),
                    url: format!("guides/{}/", g.stem),
                })
                .collect(),
        };
        Ctx {
            checked,
            engine,
            links: LinkIndex::new(site, accounts),
            site_value: tera::Value::from_serializable(&info),
            site: info,
            out,
            opts,
            pages: AtomicUsize::new(0),
            files: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    fn labels(&self, lang: &str) -> &BTreeMap<&'static str, &'static str> {
        if lang == "zh" {
            &self.engine.labels_zh
        } else {
            &self.engine.labels_en
        }
    }

    fn emit(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        let _t = Spent::new(&SPENT_WRITE);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        self.out
            .write(path, bytes)
            .map_err(|e| format!("cannot write {path}: {e}"))
    }

    /// Render `template` for the page at `url` (a folder URL → `url/index.html`).
    fn page<T: Serialize>(
        &self,
        template: &str,
        url: &str,
        lang: &str,
        data: &T,
    ) -> Result<(), String> {
        self.page_with(template, url, lang, data, &[])
    }

    /// [`Ctx::page`] with values already converted for templates (shared by several
    /// pages, e.g. an account's row on its account and review pages).
    fn page_with<T: Serialize>(
        &self,
        template: &str,
        url: &str,
        lang: &str,
        data: &T,
        shared: &[(&'static str, &tera::Value)],
    ) -> Result<(), String> {
        let t = Spent::new(&SPENT_TEMPLATES);
        let mut ctx = tera::Context::from_serialize(data).map_err(|e| e.to_string())?;
        for (k, v) in shared {
            ctx.insert_value(*k, (*v).clone());
        }
        // Labels and site info are converted once and shared (tera maps are Arc'd):
        // serialising them into each of 40,000 pages was a large part of render time.
        ctx.insert("root", &root_of(url));
        ctx.insert("lang", lang);
        ctx.insert("page_url", url);
        ctx.insert_value(
            "t",
            if lang == "zh" {
                self.engine.t_zh.clone()
            } else {
                self.engine.t_en.clone()
            },
        );
        ctx.insert_value("site", self.site_value.clone());
        let html = self
            .engine
            .tera
            .render(template, &ctx)
            .map_err(|e| format!("template {template}: {e}"))?;
        let path = if url.is_empty() || url.ends_with('/') {
            format!("{url}index.html")
        } else {
            url.to_string()
        };
        self.pages.fetch_add(1, Ordering::Relaxed);
        drop(t);
        self.emit(&path, html.as_bytes())
    }

    fn markdown(&self, body: &Body, page_url: &str) -> Rendered {
        let _t = Spent::new(&SPENT_MARKDOWN);
        let root = root_of(page_url);
        let resolve = |target: &str| {
            self.links
                .resolve(&body.file, target)
                .ok()
                .map(|u| format!("{root}{u}"))
        };
        let depth = page_url.matches('/').count();
        markdown::with_link_depth(depth, || {
            self.engine.md.render(
                body.text(),
                &RenderOptions {
                    base_offset: body.offset,
                    resolve: &resolve,
                    toc_min_headings: 4,
                },
            )
        })
    }
}

#[derive(Serialize)]
struct TocView {
    level: u8,
    id: String,
    text: String,
}

fn toc(r: &Rendered) -> Vec<TocView> {
    r.toc
        .iter()
        .map(|t| TocView {
            level: t.level,
            id: t.id.clone(),
            text: t.text.clone(),
        })
        .collect()
}

/// The data exports (sitemap, feed, JSON, CSV).
fn exports(ctx: &Ctx, rows: &[AccountRow], reviews: &[ReviewSummary]) -> Result<(), String> {
    let emit = |p: &str, b: &[u8]| ctx.emit(p, b);
    let export_ctx = export::ExportCtx {
        checked: ctx.checked,
        base_url: &ctx.site.base_url,
        redact_credit: ctx.opts.redact_credit,
        emit: &emit,
    };
    export::write_all(&export_ctx, rows, reviews)
}

/// `serve`, after an incremental render with `defer_search`: the search index and the
/// exports from the cached per-account results.
pub fn render_deferred(
    engine: &Engine,
    checked: &Checked,
    opts: &BuildOptions,
    out: &dyn Output,
    cache: &AccountCache,
) -> Result<(), String> {
    let accounts = &checked.site.accounts;
    let ctx = Ctx::new(engine, checked, accounts, opts, out);
    let findings = placed_findings(checked);
    let rows = account_rows(checked, accounts, opts, &findings);
    let mut reviews: Vec<ReviewSummary> = Vec::new();
    let mut docs: Vec<&search::IndexedDoc> = Vec::new();
    for a in &checked.site.accounts {
        if let Some((r, d)) = cache.get(&a.slug) {
            reviews.extend(r.iter().cloned());
            docs.extend(d);
        }
    }
    reviews.sort_by(|a, b| (b.date, &b.url).cmp(&(a.date, &a.url)));
    search::write_index(&docs, &engine.terms, &|path, bytes| ctx.emit(path, bytes))?;
    exports(&ctx, &rows, &reviews)
}

/// Findings per account, placed (file:line:col) once.
fn placed_findings(checked: &Checked) -> HashMap<&str, Vec<Placed>> {
    // Placing a finding builds its file's line index on first use: in parallel, as
    // at 100,000 accounts (150,000 findings in 100,000 files) this took seconds.
    let placed: Vec<(&str, Placed)> = checked
        .diagnostics
        .par_iter()
        .filter_map(|d| Some((d.account()?, place(d, &checked.site.sources))))
        .collect();
    let mut findings: HashMap<&str, Vec<Placed>> = HashMap::new();
    for (slug, p) in placed {
        findings.entry(slug).or_default().push(p);
    }
    findings
}

/// One summary row per account: what every portfolio page and export is built from.
fn account_rows(
    checked: &Checked,
    accounts: &[Account],
    opts: &BuildOptions,
    findings: &HashMap<&str, Vec<Placed>>,
) -> Vec<AccountRow> {
    let cfg = &checked.site.config;
    let empty = Vec::new();
    accounts
        .par_iter()
        .zip(&checked.signals)
        .map(|(a, s)| {
            view::row(
                a,
                s,
                cfg,
                &cfg.language,
                findings.get(a.slug.as_str()).unwrap_or(&empty),
                opts.redact_credit,
            )
        })
        .collect()
}

/// CPU time summed over threads per part of rendering, for `DOSSIER_TIMINGS`.
static SPENT_MAPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static SPENT_MARKDOWN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static SPENT_TEMPLATES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static SPENT_WRITE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn spent(counter: &std::sync::atomic::AtomicU64, since: std::time::Instant) {
    counter.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// Adds the time until it is dropped to a counter.
struct Spent<'a>(&'a std::sync::atomic::AtomicU64, std::time::Instant);

impl<'a> Spent<'a> {
    fn new(counter: &'a std::sync::atomic::AtomicU64) -> Self {
        Spent(counter, std::time::Instant::now())
    }
}

impl Drop for Spent<'_> {
    fn drop(&mut self) {
        spent(self.0, self.1);
    }
}

fn report_spent() {
    if std::env::var_os("DOSSIER_TIMINGS").is_some() {
        for (name, c) in [
            ("maps", &SPENT_MAPS),
            ("markdown", &SPENT_MARKDOWN),
            ("templates", &SPENT_TEMPLATES),
            ("write", &SPENT_WRITE),
        ] {
            eprintln!(
                "timing: {name:<10} {:>8.3} s CPU (all threads)",
                c.load(Ordering::Relaxed) as f64 / 1e9
            );
        }
    }
}

/// Build every page and file of the site into `out`.
///
/// Each account's content is released as soon as its pages are rendered (the rest of
/// the site is made from summaries), so the portfolio pages and the search index reuse
/// that memory: peak RSS at 100,000 accounts 6.5 → 5.5 GB. `checked` keeps every
/// account's slug, folder and file lists.
pub fn render_site(
    checked: &mut Checked,
    opts: &BuildOptions,
    out: &dyn Output,
) -> Result<BuildStats, String> {
    let t = std::time::Instant::now();
    let engine = Engine::new(&checked.site.root, checked.site.config.theme.as_deref())?;
    crate::timing("engine", t);
    let mut accounts = std::mem::take(&mut checked.site.accounts);
    let stats = render_accounts(
        &engine,
        checked,
        Accounts::Release(&mut accounts),
        opts,
        out,
        None,
        None,
    );
    checked.site.accounts = accounts;
    stats
}

/// The accounts a render reads: `checked.site.accounts` as they are (`serve` renders
/// them again), or taken out of `checked` to be released one by one (a build).
enum Accounts<'a> {
    Keep(&'a [Account]),
    Release(&'a mut [Account]),
}

impl Accounts<'_> {
    fn list(&self) -> &[Account] {
        match self {
            Accounts::Keep(list) => list,
            Accounts::Release(list) => list,
        }
    }
}

/// Render with a prepared engine. `only`: re-render just these accounts' pages (plus
/// every portfolio page, the search index and the exports), taking the other accounts'
/// review summaries and search documents from `cache`; None renders everything.
pub fn render_with(
    engine: &Engine,
    checked: &Checked,
    opts: &BuildOptions,
    out: &dyn Output,
    only: Option<&Only>,
    cache: Option<&mut AccountCache>,
) -> Result<BuildStats, String> {
    let accounts = Accounts::Keep(&checked.site.accounts);
    render_accounts(engine, checked, accounts, opts, out, only, cache)
}

fn render_accounts(
    engine: &Engine,
    checked: &Checked,
    mut accounts: Accounts,
    opts: &BuildOptions,
    out: &dyn Output,
    only: Option<&Only>,
    mut cache: Option<&mut AccountCache>,
) -> Result<BuildStats, String> {
    let t = std::time::Instant::now();
    let ctx = Ctx::new(engine, checked, accounts.list(), opts, out);
    let findings = placed_findings(checked);
    let empty = Vec::new();
    let rows = account_rows(checked, accounts.list(), opts, &findings);
    crate::timing("rows", t);
    let t = std::time::Instant::now();

    // Account pages and review pages, in parallel; each returns its review summaries
    // and search documents.
    let one = |a: &Account, s, row| {
        let found = findings.get(a.slug.as_str()).unwrap_or(&empty);
        Ok((a.slug.clone(), account_pages(&ctx, a, s, row, found)?))
    };
    let mut fresh: Vec<(String, AccountOutput)> = match &mut accounts {
        Accounts::Keep(list) => list
            .par_iter()
            .zip(&checked.signals)
            .zip(&rows)
            .filter(|((a, _), _)| {
                only.is_none_or(|o| {
                    o.slugs.contains(&a.slug)
                        || !cache.as_ref().is_some_and(|c| c.contains_key(&a.slug))
                })
            })
            .map(|((a, s), row)| one(a, s, row))
            .collect::<Result<_, String>>()?,
        Accounts::Release(list) => list
            .par_iter_mut()
            .zip(&checked.signals)
            .zip(&rows)
            .map(|((a, s), row)| {
                let r = one(a, s, row);
                a.release_content();
                r
            })
            .collect::<Result<_, String>>()?,
    };
    crate::timing("accounts", t);
    let accounts = accounts.list();
    let mut reviews: Vec<ReviewSummary> = Vec::new();
    if let Some(cache) = cache.as_mut() {
        cache.extend(fresh.drain(..));
        let live: std::collections::HashSet<&str> =
            accounts.iter().map(|a| a.slug.as_str()).collect();
        cache.retain(|slug, _| live.contains(slug.as_str()));
    } else {
        for (_, (r, _)) in &mut fresh {
            reviews.append(r);
        }
    }
    // The index reads the documents where the account tasks left them: moving them
    // into one vector first copied 2.45 million of them (0.24 GB) at 100,000 accounts.
    let mut docs: Vec<&search::IndexedDoc> = fresh.iter().flat_map(|(_, (_, d))| d).collect();
    if let Some(cache) = cache.as_deref() {
        for a in accounts {
            if let Some((r, d)) = cache.get(&a.slug) {
                reviews.extend(r.iter().cloned());
                docs.extend(d);
            }
        }
    }
    reviews.sort_by(|a, b| (b.date, &b.url).cmp(&(a.date, &a.url)));

    // The search index and every other page run side by side: the index has long
    // single-threaded steps (numbering docs, grouping postings by term) that would
    // otherwise leave a core idle.
    let (index, rest) = rayon::join(
        || {
            if opts.defer_search {
                return Ok(());
            }
            let t = std::time::Instant::now();
            search::write_index(&docs, &ctx.engine.terms, &|path, bytes| {
                ctx.emit(path, bytes)
            })?;
            crate::timing("search", t);
            Ok(())
        },
        || other_pages(&ctx, accounts, &rows, &reviews, only),
    );
    drop(docs);
    index.and(rest)?;
    report_spent();
    Ok(BuildStats {
        pages: ctx.pages.load(Ordering::Relaxed),
        files: ctx.files.load(Ordering::Relaxed),
        bytes: ctx.bytes.load(Ordering::Relaxed),
    })
}

/// Everything but the account pages and the search index: portfolio pages, guides,
/// exports, theme files and account assets.
fn other_pages(
    ctx: &Ctx,
    accounts: &[Account],
    rows: &[AccountRow],
    reviews: &[ReviewSummary],
    only: Option<&Only>,
) -> Result<(), String> {
    let site = &ctx.checked.site;
    let opts = ctx.opts;
    let lang = site.config.language.as_str();
    let theme = &ctx.engine.theme;
    let t = std::time::Instant::now();
    portfolio_pages(ctx, rows, reviews, only)?;
    crate::timing("portfolio", t);
    for g in &site.guides {
        let url = format!("guides/{}/", g.stem);
        let r = ctx.markdown(&g.body, &url);
        ctx.page(
            "guide.html",
            &url,
            lang,
            &serde_json::json!({ "title": g.title, "body_html": r.html, "toc": toc(&r) }),
        )?;
    }
    ctx.page("search.html", "search/", lang, &serde_json::json!({}))?;
    ctx.page("404.html", "404.html", lang, &serde_json::json!({}))?;
    if !opts.defer_search {
        exports(ctx, rows, reviews)?;
    }
    let full = only.is_none();
    for (path, bytes) in theme.statics.iter().filter(|_| full) {
        ctx.emit(&format!("static/{path}"), bytes)?;
    }
    if full {
        for legend in &ctx.engine.map_legends {
            ctx.emit(&format!("static/{}", legend.file), legend.svg.as_bytes())?;
        }
        ctx.emit(
            "static/highlight-light.css",
            markdown::highlight_css_light().as_bytes(),
        )?;
        ctx.emit(
            "static/highlight-dark.css",
            markdown::highlight_css_dark().as_bytes(),
        )?;
    }
    for a in accounts
        .iter()
        .filter(|a| only.is_none_or(|o| o.slugs.contains(&a.slug)))
    {
        for asset in &a.assets {
            let rel = a.file(asset);
            // read without following symlinks (the loader already skipped links)
            let path = site.root.join(&rel);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let bytes = std::fs::read(&path).map_err(|e| format!("{rel}: {e}"))?;
                ctx.emit(&format!("accounts/{}/{asset}", a.slug), &bytes)?;
            }
        }
    }
    Ok(())
}

fn account_pages(
    ctx: &Ctx,
    a: &Account,
    s: &crate::derive::Signals,
    row: &AccountRow,
    findings: &[Placed],
) -> Result<AccountOutput, String> {
    let site = &ctx.checked.site;
    let cfg = &site.config;
    let Some(p) = &a.profile else {
        return Ok((Vec::new(), Vec::new()));
    };
    let lang = row.language.as_str();
    let url = row.url.clone();
    let facets = std::sync::Arc::new(search::Facets {
        tier: row.tier.clone(),
        status: row.status.clone(),
        region: row.region.clone(),
        owner: row.owner.clone(),
    });
    let mut docs = vec![account_doc(a, p, row, &facets)];
    if let Some(map) = &a.contacts {
        for c in &map.contacts {
            docs.push(search::SearchDoc {
                kind: search::DocKind::Contact,
                url: format!("{url}#contact-{}", c.id.v),
                title: c.name.v.clone(),
                account: row.name.clone(),
                facets: facets.clone(),
                fields: vec![
                    (search::Field::Contact, c.name.v.clone()),
                    (
                        search::Field::Heading,
                        format!("{} {}", c.title, c.department),
                    ),
                ],
            });
        }
    }
    let plan = a.plan.as_ref().map(|plan| {
        let r = ctx.markdown(&plan.body, &url);
        let plan_title = format!("{} — {}", row.name, ctx.labels(lang)["plan"]);
        let mut extra = String::new();
        for o in &plan.objectives {
            extra.push_str(&o.text.v);
            extra.push('\n');
        }
        for act in &plan.actions {
            extra.push_str(&act.what.v);
            extra.push('\n');
        }
        docs.extend(section_docs(search::DocKind::Plan, &url, "plan", &plan_title, &row.name, &facets, &r, &extra));
        serde_json::json!({
            "period": plan.period,
            "updated": plan.updated.as_ref().map(|d| d.v),
            "objectives": plan.objectives.iter().map(|o| serde_json::json!({
                "text": o.text.v, "owner": o.owner, "due": o.due.as_ref().map(|d| d.v),
                "status": o.status.v, "status_label": i18n::value_label(lang, &o.status.v),
                "overdue": matches!(o.status.v.as_str(), "not_started" | "in_progress") && o.due.as_ref().is_some_and(|d| d.v < site.today),
                "metric": o.metric, "target": o.target.map(|t| t.to_string()),
            })).collect::<Vec<_>>(),
            "actions": view::actions(&plan.actions, site.today, lang),
            "body_html": r.html,
            "toc": toc(&r),
        })
    });
    let mut reviews: Vec<&crate::model::Review> = a.reviews.iter().filter(|r| r.valid).collect();
    reviews.sort_by(|x, y| (y.effective_date(), &y.stem).cmp(&(x.effective_date(), &x.stem)));
    let summaries: Vec<ReviewSummary> = reviews
        .iter()
        .map(|r| view::review_summary(a, r, lang))
        .collect();
    let names: HashMap<&str, &str> = a
        .contacts
        .iter()
        .flat_map(|m| m.contacts.iter())
        .map(|c| (c.id.v.as_str(), c.name.v.as_str()))
        .collect();
    let t = std::time::Instant::now();
    let (mut map_html, gaps) = contact_map_of(a, s, lang, &p.name.v, site.today);
    if let Some(html) = map_html
        .as_mut()
        .filter(|_| a.contacts.as_ref().is_some_and(|m| !m.contacts.is_empty()))
    {
        let legend = &ctx.engine.map_legends[usize::from(lang == "zh")];
        html.push_str(&legend.img(&root_of(&url)));
    }
    spent(&SPENT_MAPS, t);
    let team: Vec<(String, String)> = p
        .team
        .iter()
        .map(|(k, v)| (k.replace('_', " "), v.v.clone()))
        .collect();
    let data = AccountPage {
        legal_name: p.legal_name.as_ref().map(|x| &x.v),
        tax_id: p.tax_id.as_ref().map(|x| &x.v),
        tags: &p.tags,
        team,
        sales_units: p.sales_units.iter().map(|u| &u.v).collect(),
        primary_interface: p.primary_interface.as_ref().map(|x| &x.v),
        customer_since: p.customer_since.as_ref().map(|d| d.v),
        override_reason: p.tier.override_reason.as_ref().map(|x| &x.v).filter(|r| !r.trim().is_empty()),
        scorecard: view::scorecard(a, cfg),
        credit: if ctx.opts.redact_credit { None } else { view::credit(a, s, cfg) },
        relationship_level: p.relationship.as_ref().and_then(|r| r.level.as_ref()).map(|l| l.v),
        competitors: p.relationship.as_ref().map_or(&[][..], |r| &r.competitors),
        criteria: p.criteria.iter().map(|c| serde_json::json!({"name": c.name.v, "fit": c.fit.v, "fit_label": i18n::value_label(lang, &c.fit.v)})).collect(),
        revenue: if ctx.opts.redact_credit { None } else { p.revenue.as_ref().map(|r| serde_json::json!({
            "currency": r.currency.as_ref().map(|c| &c.v),
            "last_fy": r.last_fy.as_ref().map(|m| m.v.grouped()),
            "target_fy": r.target_fy.as_ref().map(|m| m.v.grouped()),
            "share_of_wallet": r.share_of_wallet_pct.as_ref().map(|d| format!("{}%", d.v)),
        })) },
        complaints: p.complaints.iter().map(|c| serde_json::json!({
            "id": c.id.v, "opened": c.opened.as_ref().map(|d| d.v), "closed": c.closed.as_ref().map(|d| d.v),
            "severity": c.severity.v, "summary": c.summary, "resolution": c.resolution.as_ref().map(|r| &r.v),
        })).collect(),
        contact_groups: view::contact_groups(a, cfg.include_private),
        contact_count: a.contacts.as_ref().map_or(0, |m| m.contacts.len()),
        plan,
        reviews: &summaries,
        findings,
        signals: s,
        history: history_view(ctx, a),
        contact_map_html: map_html,
        gaps,
    };
    // the row is on every page of the account: convert it for templates once
    let row_value = tera::Value::from_serializable(row);
    ctx.page_with("account.html", &url, lang, &data, &[("a", &row_value)])?;
    for (r, summary) in reviews.into_iter().zip(&summaries) {
        let rurl = format!("{url}reviews/{}/", r.stem);
        let md = ctx.markdown(&r.body, &rurl);
        let title = format!(
            "{} — {} {}",
            row.name,
            i18n::value_label(lang, &r.kind),
            r.effective_date()
                .map(|d| d.to_string())
                .unwrap_or_default()
        );
        let mut extra = r.summary.clone();
        for d in &r.decisions {
            extra.push('\n');
            extra.push_str(d);
        }
        for act in &r.actions {
            extra.push('\n');
            extra.push_str(&act.what.v);
        }
        docs.extend(section_docs(
            search::DocKind::Review,
            &rurl,
            "",
            &title,
            &row.name,
            &facets,
            &md,
            &extra,
        ));
        let data = ReviewPage {
            changed: file_change(ctx, &r.file),
            r: summary,
            reviewers: &r.reviewers,
            attendees: r
                .attendees
                .iter()
                .map(|x| Attendee {
                    id: &x.v,
                    name: names.get(x.v.as_str()).copied().unwrap_or(x.v.as_str()),
                })
                .collect(),
            next_review: r.next_review.as_ref().map(|d| d.v),
            decisions: &r.decisions,
            actions: view::actions(&r.actions, site.today, lang),
            body_html: &md.html,
            toc: toc(&md),
        };
        ctx.page_with("review.html", &rurl, lang, &data, &[("a", &row_value)])?;
    }
    let terms = &ctx.engine.terms;
    let docs = docs
        .into_iter()
        .map(|d| search::IndexedDoc::new(d, terms))
        .collect();
    Ok((summaries, docs))
}

/// What `account.html` sees besides `a` (the account row), `t`, `site` and `root`;
/// typed rather than `json!` so nothing is copied into an intermediate JSON tree.
#[derive(Serialize)]
struct AccountPage<'a> {
    legal_name: Option<&'a String>,
    tax_id: Option<&'a String>,
    tags: &'a [String],
    team: Vec<(String, String)>,
    sales_units: Vec<&'a String>,
    primary_interface: Option<&'a String>,
    customer_since: Option<crate::date::Date>,
    override_reason: Option<&'a String>,
    scorecard: Vec<view::ScoreLine>,
    credit: Option<view::CreditView>,
    relationship_level: Option<i64>,
    competitors: &'a [String],
    criteria: Vec<serde_json::Value>,
    revenue: Option<serde_json::Value>,
    complaints: Vec<serde_json::Value>,
    contact_groups: Vec<view::DeptGroup>,
    contact_count: usize,
    plan: Option<serde_json::Value>,
    reviews: &'a [ReviewSummary],
    findings: &'a [Placed],
    signals: &'a crate::derive::Signals,
    history: serde_json::Value,
    contact_map_html: Option<String>,
    gaps: Vec<String>,
}

/// What `review.html` sees besides `a` (the account row), `t`, `site` and `root`.
/// A typed struct, not `json!`: 30,000 review pages at 10,000 accounts.
#[derive(Serialize)]
struct ReviewPage<'a> {
    changed: serde_json::Value,
    r: &'a ReviewSummary,
    reviewers: &'a [String],
    attendees: Vec<Attendee<'a>>,
    next_review: Option<crate::date::Date>,
    decisions: &'a [String],
    actions: Vec<view::ActionView>,
    body_html: &'a str,
    toc: Vec<TocView>,
}

#[derive(Serialize)]
struct Attendee<'a> {
    id: &'a str,
    name: &'a str,
}

/// The account itself as a search document (name, legal name, industry, region, tags, owner).
fn account_doc(
    a: &Account,
    p: &crate::model::Profile,
    row: &AccountRow,
    facets: &std::sync::Arc<search::Facets>,
) -> search::SearchDoc {
    let mut names = p.name.v.clone();
    if let Some(l) = &p.legal_name {
        names.push(' ');
        names.push_str(&l.v);
    }
    let mut body: Vec<String> = vec![
        row.industry.clone(),
        row.region.clone(),
        row.owner.clone(),
        a.slug.clone(),
    ];
    body.extend(p.tags.iter().cloned());
    if let Some(r) = &p.relationship {
        body.extend(r.competitors.iter().cloned());
    }
    body.extend(p.criteria.iter().map(|c| c.name.v.clone()));
    search::SearchDoc {
        kind: search::DocKind::Account,
        url: row.url.clone(),
        title: p.name.v.clone(),
        account: p.name.v.clone(),
        facets: facets.clone(),
        fields: vec![
            (search::Field::Name, names),
            (search::Field::Body, body.join(" ")),
        ],
    }
}

/// One search document per Markdown section, linking to its heading anchor; text before
/// the first heading (and `extra`: summaries, objectives, actions) goes to the page itself.
#[allow(clippy::too_many_arguments)]
fn section_docs(
    kind: search::DocKind,
    url: &str,
    default_anchor: &str,
    title: &str,
    account: &str,
    facets: &std::sync::Arc<search::Facets>,
    r: &Rendered,
    extra: &str,
) -> Vec<search::SearchDoc> {
    let mut docs = Vec::new();
    let mut lead = extra.to_string();
    for sec in &r.sections {
        match &sec.anchor {
            None => {
                lead.push('\n');
                lead.push_str(&sec.text);
            }
            Some(anchor) => docs.push(search::SearchDoc {
                kind,
                url: format!("{url}#{anchor}"),
                title: format!("{title} › {}", sec.heading),
                account: account.to_string(),
                facets: facets.clone(),
                fields: vec![
                    (search::Field::Heading, sec.heading.clone()),
                    (search::Field::Body, sec.text.clone()),
                ],
            }),
        }
    }
    if !lead.trim().is_empty() || docs.is_empty() {
        let u = if default_anchor.is_empty() {
            url.to_string()
        } else {
            format!("{url}#{default_anchor}")
        };
        docs.insert(
            0,
            search::SearchDoc {
                kind,
                url: u,
                title: title.to_string(),
                account: account.to_string(),
                facets: facets.clone(),
                fields: vec![(search::Field::Body, lead)],
            },
        );
    }
    docs
}

#[derive(Serialize, Default)]
struct Exposure {
    currency: String,
    accounts: usize,
    limit: String,
    outstanding: String,
    overdue: String,
    above_warning: usize,
}

/// Dashboard, accounts index, owner and tier pages: all from per-account rows.
fn portfolio_pages(
    ctx: &Ctx,
    rows: &[AccountRow],
    reviews: &[ReviewSummary],
    only: Option<&Only>,
) -> Result<(), String> {
    let cfg = &ctx.checked.site.config;
    let lang = cfg.language.as_str();
    let mut per_tier: Vec<(String, String, usize)> = cfg
        .tiers
        .iter()
        .map(|t| (t.name.clone(), t.label.clone(), 0))
        .collect();
    let mut per_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut exposure: BTreeMap<&str, (usize, i64, i64, i64, usize)> = BTreeMap::new();
    for r in rows {
        if let Some(t) = per_tier.iter_mut().find(|t| t.0 == r.tier) {
            t.2 += 1;
        }
        *per_status.entry(r.status.as_str()).or_default() += 1;
        if !r.currency.is_empty() {
            let e = exposure.entry(r.currency.as_str()).or_default();
            e.0 += 1;
            e.1 += r.limit.map_or(0, |m| m.0);
            e.2 += r.outstanding.map_or(0, |m| m.0);
            e.3 += r.overdue.map_or(0, |m| m.0);
            e.4 += usize::from(matches!(r.utilization_band, Band::Warn | Band::Over));
        }
    }
    let exposure: Vec<Exposure> = exposure
        .into_iter()
        .map(|(c, (n, l, o, d, w))| Exposure {
            currency: c.to_string(),
            accounts: n,
            limit: crate::decimal::Money(l).grouped(),
            outstanding: crate::decimal::Money(o).grouped(),
            overdue: crate::decimal::Money(d).grouped(),
            above_warning: w,
        })
        .collect();
    // Every row is converted for templates once and shared by the pages that list it
    // (tera's arrays and maps are reference-counted, so a clone is a pointer copy).
    // Converting rows per page, through serde_json first, held four copies of every
    // row at once: 2.8 GB at 100,000 accounts.
    let values: Vec<tera::Value> = rows
        .par_iter()
        .map(tera::Value::from_serializable)
        .collect();
    let pick = |f: &dyn Fn(&AccountRow) -> bool| -> tera::Value {
        let picked: Vec<tera::Value> = rows
            .iter()
            .zip(&values)
            .filter(|(r, _)| f(r))
            .map(|(_, v)| v.clone())
            .collect();
        picked.into()
    };
    let attention: tera::Value = BTreeMap::from([
        ("reviews_overdue", pick(&|r| r.review_overdue)),
        ("credit_reviews_due", pick(&|r| r.credit_review_overdue)),
        ("tier_mismatches", pick(&|r| r.tier_differs)),
        ("over_limit", pick(&|r| r.utilization_band == Band::Over)),
        ("high_churn", pick(&|r| r.churn_risk == "high")),
        ("actions_overdue", pick(&|r| r.overdue_actions > 0)),
    ])
    .into();
    let home = ctx
        .checked
        .site
        .home
        .as_ref()
        .map(|h| ctx.markdown(&h.body, "").html);
    let statuses: Vec<(String, String, usize)> = crate::model::STATUSES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                i18n::value_label(lang, s),
                per_status.get(s).copied().unwrap_or(0),
            )
        })
        .collect();
    // The big pages (the dashboard, the index of every account, tier and owner pages)
    // render side by side: each is one sequential template run.
    let dashboard = || -> Result<(), String> {
        ctx.page_with(
            "dashboard.html",
            "",
            lang,
            &serde_json::json!({
                "intro_html": home,
                "accounts_total": rows.len(),
                "per_tier": per_tier,
                "per_status": statuses,
                "exposure": exposure,
                "latest_reviews": reviews.iter().take(12).collect::<Vec<_>>(),
                "recent_changes": recent_changes(ctx, rows),
                "charts_html": portfolio_charts(&rows.iter().collect::<Vec<_>>(), cfg, lang, "", true, ctx.opts.redact_credit),
            }),
            &[("attention", &attention)],
        )
    };
    let index = || -> Result<(), String> {
        let facet = |f: &dyn Fn(&AccountRow) -> &str| {
            let mut v: Vec<String> = rows
                .iter()
                .map(|r| f(r).to_string())
                .filter(|s| !s.is_empty())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        ctx.page_with(
            "accounts.html",
            "accounts/",
            lang,
            &serde_json::json!({
                "tiers": cfg.tiers.iter().map(|t| &t.name).collect::<Vec<_>>(),
                "statuses": crate::model::STATUSES,
                "owners": facet(&|r| r.owner.as_str()),
                "regions": facet(&|r| r.region.as_str()),
            }),
            &[("rows", &pick(&|_| true))],
        )
    };
    let owner_pages = || -> Result<(), String> {
        let mut by_owner: BTreeMap<&str, (Vec<&AccountRow>, Vec<tera::Value>)> = BTreeMap::new();
        for (r, v) in rows.iter().zip(&values) {
            let e = by_owner.entry(r.owner.as_str()).or_default();
            e.0.push(r);
            e.1.push(v.clone());
        }
        let owners: Vec<(String, usize, Option<String>)> = by_owner
            .iter()
            .map(|(o, v)| (o.to_string(), v.0.len(), view::owner_url(o)))
            .collect();
        by_owner
            .into_par_iter()
            .try_for_each(|(owner, (list, list_values))| {
                let Some(url) = view::owner_url(owner) else {
                    return Ok(());
                };
                if only.is_some_and(|o| !o.owners.contains(owner)) {
                    return Ok(());
                }
                let charts = portfolio_charts(
                    &list,
                    cfg,
                    lang,
                    &root_of(&url),
                    false,
                    ctx.opts.redact_credit,
                );
                ctx.page_with(
                    "owner.html",
                    &url,
                    lang,
                    &serde_json::json!({ "owner": owner, "charts_html": charts }),
                    &[("rows", &list_values.into())],
                )
            })?;
        ctx.page(
            "owner.html",
            "owners/",
            lang,
            &serde_json::json!({ "owner": null, "owners": owners, "rows": [], "charts_html": null }),
        )
    };
    let tier_pages = || -> Result<(), String> {
        cfg.tiers
            .par_iter()
            .filter(|t| only.is_none_or(|o| o.tiers.contains(&t.name)))
            .try_for_each(|t| {
                ctx.page_with(
                    "tier.html",
                    &format!("tiers/{}/", t.name),
                    lang,
                    &serde_json::json!({ "tier": t }),
                    &[("rows", &pick(&|r| r.tier == t.name))],
                )
            })?;
        ctx.page(
            "tier.html",
            "tiers/",
            lang,
            &serde_json::json!({ "tier": null, "tiers": per_tier, "rows": [] }),
        )
    };
    let (a, (b, (c, d))) = rayon::join(dashboard, || {
        rayon::join(index, || rayon::join(owner_pages, tier_pages))
    });
    a.and(b).and(c).and(d)
}

/// The portfolio charts (inline SVG with data tables) for the dashboard or an owner page.
fn portfolio_charts(
    rows: &[&AccountRow],
    cfg: &crate::config::Config,
    lang: &str,
    root: &str,
    with_tiers: bool,
    redact: bool,
) -> String {
    use charts::*;
    let l = if lang == "zh" { Lang::Zh } else { Lang::En };
    let mut out = String::new();
    if with_tiers {
        let counts: Vec<TierCount> = cfg
            .tiers
            .iter()
            .map(|t| TierCount {
                tier: t.name.clone(),
                label: t.label.clone(),
                count: rows.iter().filter(|r| r.tier == t.name).count(),
            })
            .collect();
        out.push_str(&tier_bars(&counts, l));
    }
    if !redact {
        let util: Vec<Utilisation> = rows
            .iter()
            .filter(|r| !r.currency.is_empty())
            .map(|r| Utilisation {
                name: r.name.clone(),
                url: format!("{root}{}", r.url),
                pct: r.utilization,
                currency: r.currency.clone(),
            })
            .collect();
        out.push_str(&utilisation_bars(
            &util,
            cfg.credit.warn_utilization_pct.to_f64(),
            cfg.credit.max_utilization_pct.to_f64(),
            30,
            l,
        ));
    }
    let points: Vec<ScorePoint> = rows
        .iter()
        .filter(|r| r.score.is_some() && !r.computed_tier.is_empty())
        .map(|r| ScorePoint {
            name: r.name.clone(),
            url: format!("{root}{}", r.url),
            score: r.score.unwrap_or(0.0),
            declared: r.tier.clone(),
            computed: r.computed_tier.clone(),
        })
        .collect();
    let names: Vec<String> = cfg.tiers.iter().map(|t| t.name.clone()).collect();
    out.push_str(&tier_matrix(&points, &names, l));
    let recency: Vec<Recency> = rows
        .iter()
        .filter(|r| crate::derive::cadence_applies(&r.status))
        .filter_map(|r| {
            Some(Recency {
                name: r.name.clone(),
                url: format!("{root}{}", r.url),
                days_since: r.days_since_review,
                cadence_days: r.review_every_days?,
            })
        })
        .collect();
    out.push_str(&recency_strip(&recency, l));
    out
}

/// The contact map SVG and the coverage gaps (as text) for an account page.
fn contact_map_of(
    a: &Account,
    s: &crate::derive::Signals,
    lang: &str,
    title: &str,
    today: crate::date::Date,
) -> (Option<String>, Vec<String>) {
    use contact_map::*;
    let Some(map) = &a.contacts else {
        return (None, Vec::new());
    };
    let cadence = s.requirements.as_ref().map(|r| r.review_every_days);
    let contacts: Vec<MapContact> = map
        .contacts
        .iter()
        .map(|c| MapContact {
            id: c.id.v.clone(),
            name: c.name.v.clone(),
            title: c.title.clone(),
            department: c.department.clone(),
            roles: c.roles.iter().map(|r| r.v.clone()).collect(),
            stance: c.stance.clone(),
            influence: c.influence.clone(),
            strength: c.strength.as_ref().and_then(|x| u8::try_from(x.v).ok()),
            status: c.status.clone(),
            reports_to: c.reports_to.as_ref().map(|r| r.v.clone()),
            our_contact: c.our_contact.clone(),
            stale: c.is_active()
                && cadence.is_some_and(|days| {
                    c.last_contact
                        .as_ref()
                        .is_none_or(|d| d.v.days_until(today) > days)
                }),
        })
        .collect();
    let links: Vec<MapLink> = map
        .links
        .iter()
        .map(|l| MapLink {
            from: l.from.v.clone(),
            to: l.to.v.clone(),
            kind: l.kind.v.clone(),
        })
        .collect();
    let mut plan_text = String::new();
    if let Some(p) = &a.plan {
        plan_text.push_str(p.body.text());
        for act in &p.actions {
            plan_text.push('\n');
            plan_text.push_str(&act.what.v);
        }
    }
    for r in &a.reviews {
        for act in r.actions.iter().filter(|x| x.status.v == "open") {
            plan_text.push('\n');
            plan_text.push_str(&act.what.v);
        }
    }
    let req = s.requirements.as_ref();
    let input = GapInput {
        min_departments: req.map_or(0, |r| r.min_departments.max(0) as usize),
        requires_decision_maker: req.is_some_and(|r| r.requires_decision_maker),
        plan_text: &plan_text,
    };
    let gaps = coverage_gaps(&contacts, &input);
    let l = if lang == "zh" { Lang::Zh } else { Lang::En };
    let svg = render_svg(&contacts, &links, &gaps, l, title);
    (Some(svg), gaps.into_iter().map(|g| g.message).collect())
}

/// The findings page `serve` shows while the check fails.
pub fn render_findings(
    engine: &Engine,
    checked: &Checked,
    findings: &[Placed],
) -> Result<String, String> {
    let cfg = &checked.site.config;
    let lang = cfg.language.as_str();
    let site = SiteInfo {
        title: cfg.title.clone(),
        base_url: "/".into(),
        today: checked.site.today,
        language: cfg.language.clone(),
        redacted: false,
        guides: Vec::new(),
    };
    let common = Common {
        root: "/".into(),
        lang,
        t: if lang == "zh" {
            &engine.labels_zh
        } else {
            &engine.labels_en
        },
        site: &site,
        page_url: "",
    };
    let mut ctx = tera::Context::from_serialize(&serde_json::json!({ "findings": findings }))
        .map_err(|e| e.to_string())?;
    ctx.extend(tera::Context::from_serialize(&common).map_err(|e| e.to_string())?);
    engine
        .tera
        .render("findings.html", &ctx)
        .map_err(|e| e.to_string())
}

/// A commit as pages show it: date, author, short hash, link when configured.
fn commit_view(ctx: &Ctx, c: &crate::git::Commit) -> serde_json::Value {
    let cfg = &ctx.checked.site.config;
    serde_json::json!({
        "date": c.date,
        "author": c.author,
        "short": c.id.get(..8).unwrap_or(&c.id),
        "subject": c.subject,
        "url": crate::git::History::commit_url(cfg.repo_url.as_deref(), cfg.commit_url_template.as_deref(), &c.id),
    })
}

/// Last change of one file: `{ "commit": …, "uncommitted": bool }` or null outside git.
fn file_change(ctx: &Ctx, rel: &str) -> serde_json::Value {
    let h = &ctx.engine.history;
    match h.file(rel) {
        Some(f) => serde_json::json!({
            "commit": f.last.as_ref().map(|c| commit_view(ctx, c)),
            "uncommitted": f.state != crate::git::FileState::Committed,
        }),
        None => serde_json::Value::Null,
    }
}

/// The account's last change and its tier and credit timeline.
fn history_view(ctx: &Ctx, a: &Account) -> serde_json::Value {
    let Some(h) = ctx.engine.history.account(&a.slug) else {
        return serde_json::Value::Null;
    };
    let mut prev: Option<&crate::git::TierCreditPoint> = None;
    let mut changes = Vec::new();
    for p in &h.changes {
        let changed =
            |f: &dyn Fn(&crate::git::TierCreditPoint) -> String| prev.is_none_or(|q| f(q) != f(p));
        changes.push(serde_json::json!({
            "commit": commit_view(ctx, &p.commit),
            "tier": p.declared_tier,
            "tier_changed": changed(&|x| format!("{:?}", x.declared_tier)),
            "limit": p.credit_limit.map(|m| m.grouped()),
            "limit_changed": changed(&|x| format!("{:?}", x.credit_limit)),
            "rating": p.rating,
            "rating_changed": changed(&|x| format!("{:?}", x.rating)),
            "terms": p.payment_terms_days,
            "terms_changed": changed(&|x| format!("{:?}", x.payment_terms_days)),
            "approved_by": p.approved_by,
        }));
        prev = Some(p);
    }
    changes.reverse(); // newest first, like the review timeline
    serde_json::json!({
        "last": h.last.as_ref().map(|c| commit_view(ctx, c)),
        "uncommitted": h.uncommitted,
        "changes": changes,
    })
}

/// The dashboard's "changed in the last 30 days", from git (empty outside a repository).
fn recent_changes(ctx: &Ctx, rows: &[AccountRow]) -> Vec<serde_json::Value> {
    let names: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.slug.as_str(), r.name.as_str()))
        .collect();
    let since = ctx.checked.site.today.add_days(-30);
    ctx.engine
        .history
        .recent(since)
        .iter()
        .take(50)
        .map(|c| {
            serde_json::json!({
                "date": c.date,
                "kind": c.kind,
                "detail": c.detail,
                "url": format!("accounts/{}/", c.slug),
                "name": names.get(c.slug.as_str()).copied().unwrap_or(c.slug.as_str()),
                "commit": commit_view(ctx, &c.commit),
            })
        })
        .collect()
}
