//! `dossier`: check key-account playbooks against the tiering and credit policy and
//! render them as a static site.
//!
//! The pipeline, one stage per module:
//!
//! ```text
//! load    (load/)     walk the root, read files, split front matter, TOML with spans → model
//! check   (check/)    rules over the model → Diagnostics; per-account Signals (derive.rs)
//! derive  (portfolio) portfolio summaries from per-account signals (dashboard, owners, tiers)
//! render  (render/)   Markdown → safe HTML, templates, contact maps, charts, search index
//! write   (write.rs)  into a temp folder beside the output, then swap it in
//! ```

pub mod check;
pub mod config;
pub mod date;
pub mod decimal;
pub mod derive;
pub mod diag;
pub mod links;
pub mod load;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;

use derive::Signals;
use diag::{Diagnostic, Summary};
use load::{FatalError, Loaded};
use std::path::Path;

/// A loaded and checked site: the input of every later stage.
pub struct Checked {
    pub site: Loaded,
    /// Per account, same order as `site.accounts` (sorted by slug).
    pub signals: Vec<Signals>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

/// Load and check the site at `root`. `today` pins the date (else dossier.toml's
/// `today`, else the local date).
pub fn check_site(root: &Path, today: Option<date::Date>) -> Result<Checked, FatalError> {
    let site = load::load(root, today)?;
    let (signals, diagnostics) = check::run(&site);
    let summary = Summary::count(&diagnostics, site.sources.len(), site.accounts.len());
    Ok(Checked { site, signals, diagnostics, summary })
}
