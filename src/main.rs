//! The `dossier` command line: parse arguments, call the library, map results to exit
//! codes (0 fine, 1 findings/errors, 2 could not run).

use clap::{Parser, Subcommand};
use dossier::date::Date;
use dossier::report::{self, Format};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dossier", version, about = "Check key-account playbooks and build them into a static site")]
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
    },
    /// List the rules (code, default severity, fix)
    Rules {
        /// Print the Markdown table of docs/rules.md
        #[arg(long)]
        markdown: bool,
    },
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { root, format, deny_warnings, today } => {
            let checked = match dossier::check_site(&root, today) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let color = format == Format::Human && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = report::render(format, &checked.diagnostics, &checked.site.sources, &checked.summary, color);
            print_out(&text);
            let failed = checked.summary.errors > 0 || (deny_warnings && checked.summary.warnings > 0);
            ExitCode::from(u8::from(failed))
        }
        Command::Rules { markdown } => {
            if markdown {
                print_out(&dossier::rules::markdown_table());
            } else {
                let mut s = String::new();
                for r in dossier::rules::ALL {
                    s.push_str(&format!("{:<40} {:<8} {}\n", r.code, r.severity.as_str(), r.summary));
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
