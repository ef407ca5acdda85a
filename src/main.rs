//! The `dossier` command line: parse arguments, call the library, map results to exit
//! codes (0 fine, 1 findings/errors, 2 could not run).

use clap::{Parser, Subcommand};

use dossier::date::Date;
use dossier::report::{self, Format};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

// mimalloc: the pipeline allocates millions of small strings from two threads; glibc's
// malloc spends a sixth of `check` in its own code and in growing its arenas page by page.
#[global_allocator]
static GLOBAL: dossier::alloc::Mimalloc = dossier::alloc::Mimalloc;

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "Check key-account playbooks and build them into a static site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every account file against the format and the policy
    Check {
        /// Site root (the folder with dossier.toml and content/)
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Treat warnings as errors (exit 1)
        #[arg(long)]
        deny_warnings: bool,
        /// Pin today's date (YYYY-MM-DD) for reproducible runs
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        /// Also run the rules that need a diff against REV (pull requests): raised
        /// limits without approval, tier changes without a review, removed contacts
        #[arg(long, value_name = "REV")]
        since: Option<String>,
        /// Re-read every account instead of reusing the results of unchanged ones
        /// (kept in .dossier/check-cache.jsonl)
        #[arg(long)]
        no_cache: bool,
    },
    /// Check, then build the static site (into a temp folder, swapped in when complete)
    Build {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: <root>/public)
        #[arg(long)]
        output: Option<PathBuf>,
        /// Base URL for absolute links in the sitemap and feed (overrides dossier.toml)
        #[arg(long)]
        base_url: Option<String>,
        /// Leave something out of the site: `credit` removes every credit figure
        #[arg(long, value_parser = ["credit"])]
        redact: Vec<String>,
        /// Replace an output folder that dossier did not create
        #[arg(long)]
        force: bool,
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Serve the site from memory on 127.0.0.1 and rebuild on every change (live reload)
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to bind (loopback by default; another address exposes unpublished data)
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Poll for changes instead of OS notifications (network drives, watch limits)
        #[arg(long)]
        poll: bool,
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
    },
    /// Create a new playbook repo: dossier.toml, an example account, editor schemas, CI examples
    Init {
        /// Folder to create the repo in (created if missing)
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Date the example account's files (default: the local date)
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
    },
    /// Scaffold an account folder that passes the check; `dossier new review <slug>` adds a review note
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    New {
        #[command(subcommand)]
        what: Option<NewCommand>,
        /// The account's slug: its folder and URL, e.g. acme-steel
        #[arg(required = true)]
        slug: Option<String>,
        /// Customer name (default: from the slug)
        #[arg(long)]
        name: Option<String>,
        /// Account owner (default: owner.name)
        #[arg(long)]
        owner: Option<String>,
        /// Tier from dossier.toml (default: the last one); scores are chosen to compute it
        #[arg(long)]
        tier: Option<String>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
    },
    /// Write the JSON Schemas for editors (taplo, Even Better TOML)
    Schema {
        /// Folder to write them into
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// List the rules (code, default severity, fix)
    Rules {
        /// Print the Markdown table of docs/rules.md
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Subcommand)]
enum NewCommand {
    /// Add a review note dated today to an account
    Review {
        /// The account's slug
        slug: String,
        /// quarterly, annual_summit, credit, win_loss, escalation or visit
        #[arg(long, default_value = "quarterly")]
        kind: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
    },
}

/// Print what a scaffold command wrote, or why it wrote nothing (exit 2).
fn scaffolded(res: Result<Vec<String>, String>) -> ExitCode {
    match res {
        Ok(files) => {
            for f in files {
                println!("created {f}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// The process is about to exit: let the OS reclaim the site model at once instead of
/// freeing its million allocations one by one (a third of a second at 10,000 accounts).
fn exiting(checked: dossier::Checked) {
    std::mem::forget(checked);
}

/// `check` is short-lived and touches little memory: huge pages only make the kernel zero
/// 2 MiB at a time that the check never uses (a tenth of its wall time at 10,000 accounts).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // progress only for a person watching a terminal; CI logs and pipes stay clean
    dossier::enable_progress(std::io::stderr().is_terminal() && std::env::var_os("CI").is_none());
    match cli.command {
        Command::Check {
            root,
            format,
            deny_warnings,
            today,
            since,
            no_cache,
        } => {
            no_huge_pages();
            if since.is_none() {
                // the findings are printed while the cache is written
                let print = |report: &dossier::cache::Report| {
                    print_findings(
                        format,
                        &report.diagnostics,
                        &report.sources,
                        &report.summary,
                        deny_warnings,
                    )
                };
                let (report, failed) =
                    match dossier::cache::check_and(&root, today, !no_cache, print) {
                        Ok(r) => r,
                        Err(e) => {
                            eprintln!("error: {e}");
                            return ExitCode::from(2);
                        }
                    };
                std::mem::forget(report); // the OS frees it faster, see `exiting`
                return ExitCode::from(u8::from(failed));
            }
            let mut checked = match dossier::check_site(&root, today) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Some(rev) = &since {
                match dossier::git::since_rules(&root, rev, &checked.site) {
                    Ok(extra) => checked.add_findings(extra),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            let failed = print_findings(
                format,
                &checked.diagnostics,
                &checked.site.sources,
                &checked.summary,
                deny_warnings,
            );
            exiting(checked);
            ExitCode::from(u8::from(failed))
        }
        Command::Build {
            root,
            output,
            base_url,
            redact,
            force,
            today,
            format,
        } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            let opts = dossier::render::BuildOptions {
                base_url,
                redact_credit: redact.iter().any(|r| r == "credit"),
                defer_search: false,
            };
            let started = std::time::Instant::now();
            match dossier::build_site(&root, &output, today, &opts, force) {
                Ok((checked, stats)) => {
                    if !checked.diagnostics.is_empty() {
                        // warnings did not stop the build: show a few (all in json/github/junit)
                        const SHOWN: usize = 20;
                        let shown = if format == Format::Human {
                            &checked.diagnostics[..checked.diagnostics.len().min(SHOWN)]
                        } else {
                            &checked.diagnostics[..]
                        };
                        if shown.len() < checked.diagnostics.len() {
                            eprintln!(
                                "({} more warnings not shown; `dossier check` lists them all)",
                                checked.diagnostics.len() - shown.len()
                            );
                        }
                        let text = report::render(
                            format,
                            shown,
                            &checked.site.sources,
                            &checked.summary,
                            color_for(format),
                        );
                        eprint!("{text}");
                    }
                    eprintln!(
                        "built {} pages ({} files, {:.1} MiB) for {} accounts into {} in {:.2}s",
                        stats.pages,
                        stats.files,
                        stats.bytes as f64 / 1048576.0,
                        checked.site.accounts.len(),
                        output.display(),
                        started.elapsed().as_secs_f64()
                    );
                    exiting(checked);
                    ExitCode::SUCCESS
                }
                Err(dossier::BuildError::Fatal(e)) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
                Err(dossier::BuildError::Check(checked)) => {
                    let text = report::render(
                        format,
                        &checked.diagnostics,
                        &checked.site.sources,
                        &checked.summary,
                        color_for(format),
                    );
                    print_out(&text);
                    eprintln!(
                        "error: the check found errors; nothing was built and {} is unchanged",
                        output.display()
                    );
                    ExitCode::from(1)
                }
                Err(dossier::BuildError::Render(e)) => {
                    eprintln!(
                        "error: {e}\nthe previous output in {} is unchanged",
                        output.display()
                    );
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve {
            root,
            port,
            bind,
            open,
            poll,
            today,
        } => {
            let opts = dossier::serve::ServeOptions {
                root,
                port,
                bind,
                open,
                poll,
                today,
            };
            match dossier::serve::serve(opts, None) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Init { dir, today } => scaffolded(dossier::scaffold::init(
            &dir,
            today.unwrap_or_else(Date::today_local),
        )),
        Command::New {
            what:
                Some(NewCommand::Review {
                    slug,
                    kind,
                    root,
                    today,
                }),
            ..
        } => {
            let today = dossier::scaffold::site_today(&root, today);
            scaffolded(dossier::scaffold::new_review(&root, &slug, &kind, today).map(|f| vec![f]))
        }
        Command::New {
            what: None,
            slug,
            name,
            owner,
            tier,
            root,
            today,
        } => {
            let today = dossier::scaffold::site_today(&root, today);
            let account = dossier::scaffold::NewAccount {
                slug: slug.unwrap_or_default(),
                name,
                owner,
                tier,
            };
            scaffolded(
                dossier::scaffold::load_config(&root)
                    .and_then(|cfg| dossier::scaffold::new_account(&root, &cfg, &account, today)),
            )
        }
        Command::Schema { out } => match dossier::schema::write(&out) {
            Ok(paths) => {
                for p in paths {
                    println!("wrote {}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write schemas into {}: {e}", out.display());
                ExitCode::from(2)
            }
        },
        Command::Rules { markdown } => {
            if markdown {
                print_out(&dossier::rules::markdown_table());
            } else {
                let mut s = String::new();
                for r in dossier::rules::all() {
                    s.push_str(&format!(
                        "{:<40} {:<8} {}\n",
                        r.code,
                        r.severity.as_str(),
                        r.summary
                    ));
                }
                print_out(&s);
            }
            ExitCode::SUCCESS
        }
    }
}

/// Print to stdout; a closed pipe (`dossier check | head`) is not an error.
fn print_out(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
}

fn color_for(format: Format) -> bool {
    format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
}

/// Print `check`'s findings; true if the check fails (errors, or warnings when denied).
fn print_findings(
    format: Format,
    diagnostics: &[dossier::diag::Diagnostic],
    sources: &dossier::source::SourceMap,
    summary: &dossier::diag::Summary,
    deny_warnings: bool,
) -> bool {
    let t = std::time::Instant::now();
    let text = report::render(format, diagnostics, sources, summary, color_for(format));
    dossier::timing("report: render", t);
    let t = std::time::Instant::now();
    print_out(&text);
    dossier::timing("report: print", t);
    summary.errors > 0 || (deny_warnings && summary.warnings > 0)
}
