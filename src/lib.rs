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

pub mod alloc;
pub mod cache;
pub mod check;
pub mod config;
pub mod date;
pub mod decimal;
pub mod derive;
pub mod diag;
pub mod escape;
pub mod git;
pub mod links;
pub mod load;
pub mod model;
pub mod render;
pub mod report;
pub mod rules;
pub mod scaffold;
pub mod schema;
pub mod serve;
pub mod source;
pub mod write;

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
    let t = std::time::Instant::now();
    let site = load::load(root, today)?;
    timing("load", t);
    let t = std::time::Instant::now();
    let (signals, diagnostics) = check::run(&site);
    timing("check", t);
    let summary = Summary::count(&diagnostics, site.sources.len(), site.accounts.len());
    Ok(Checked {
        site,
        signals,
        diagnostics,
        summary,
    })
}

impl Checked {
    /// Add findings from another pass (e.g. `--since`): `[rules]` levels apply, the
    /// order and the summary are recomputed.
    pub fn add_findings(&mut self, extra: Vec<Diagnostic>) {
        let mut all = std::mem::take(&mut self.diagnostics);
        all.extend(extra);
        self.diagnostics = self.site.config.rules.apply(all);
        self.summary = Summary::count(
            &self.diagnostics,
            self.summary.files,
            self.site.accounts.len(),
        );
    }

    /// Forget the source files no finding quotes: rendering reads Markdown bodies from
    /// the model (which shares their text), and only findings are placed in files
    /// afterwards. At 100,000 accounts this frees ~0.4 GB of TOML text and map entries
    /// before the pages are rendered, which then reuse that memory instead of fresh.
    pub fn keep_quoted_sources(&mut self) {
        let quoted = diag::quoted_files(&self.diagnostics);
        self.site.sources.retain_sorted(&quoted);
    }
}

/// Why a build did not produce a site.
#[derive(Debug)]
pub enum BuildError {
    /// The site could not be loaded at all (exit 2).
    Fatal(String),
    /// The check found errors; nothing was written (exit 1).
    Check(Box<Checked>),
    /// Rendering or writing failed; the previous output is untouched (exit 1).
    Render(String),
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Checked({} accounts, {} findings)",
            self.site.accounts.len(),
            self.diagnostics.len()
        )
    }
}

/// Check, then render into a temp folder beside `output` and swap it in.
pub fn build_site(
    root: &Path,
    output: &Path,
    today: Option<date::Date>,
    opts: &render::BuildOptions,
    force: bool,
) -> Result<(Checked, render::BuildStats), BuildError> {
    let mut checked = check_site(root, today).map_err(|e| BuildError::Fatal(e.0))?;
    if checked.summary.errors > 0 {
        return Err(BuildError::Check(Box::new(checked)));
    }
    checked.keep_quoted_sources();
    write::validate_output(root, output, force).map_err(BuildError::Fatal)?;
    let staging = write::Staging::new(output).map_err(|e| {
        BuildError::Render(format!(
            "cannot create a temp folder beside {}: {e}",
            output.display()
        ))
    })?;
    progress(&format!(
        "rendering {} accounts…",
        checked.site.accounts.len()
    ));
    let t = std::time::Instant::now();
    let stats = render::render_site(&mut checked, opts, &staging).map_err(BuildError::Render)?;
    timing("render", t);
    progress("");
    staging
        .commit()
        .map_err(|e| BuildError::Render(format!("cannot move the new site into place: {e}")))?;
    Ok((checked, stats))
}

/// Stage timings on stderr when `DOSSIER_TIMINGS` is set (for profiling builds); a
/// one-line progress display on a terminal when the binary enabled it.
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("DOSSIER_TIMINGS").is_some() {
        eprintln!(
            "timing: {stage:<10} {:>8.3} s   (process CPU so far {:.1} s, peak RSS so far {} MiB)",
            since.elapsed().as_secs_f64(),
            cpu_secs(),
            peak_rss_mib()
        );
    }
    progress(&format!(
        "{stage} done in {:.1}s",
        since.elapsed().as_secs_f64()
    ));
}

/// The process's user + system CPU time in seconds (Linux; 0 elsewhere).
fn cpu_secs() -> f64 {
    // /proc/self/stat: fields 14 and 15 (utime, stime) in clock ticks, counted
    // after the `)` that ends the command name; ticks are 100 per second on Linux.
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The process's peak resident memory (Linux; 0 elsewhere).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

static PROGRESS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Show progress on stderr (the CLI enables it only on a terminal outside CI).
pub fn enable_progress(on: bool) {
    PROGRESS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Overwrite the progress line; `""` clears it.
pub fn progress(msg: &str) {
    if PROGRESS.load(std::sync::atomic::Ordering::Relaxed) {
        eprint!("\r\x1b[2K{msg}");
        if msg.is_empty() {
            eprint!("\r");
        }
    }
}
