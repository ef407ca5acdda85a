//! Printing findings: `human` (rustc-style snippets), `json`, `github` workflow
//! commands and `junit` XML. All outputs are sorted and deterministic.

use crate::diag::{place, Diagnostic, Placed, Summary};
use crate::rules::Severity;
use crate::source::{SourceFile, SourceMap, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use rayon::prelude::*;
use std::fmt::Write;

mod quick_snippet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Junit,
}

pub fn render(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    summary: &Summary,
    color: bool,
) -> String {
    match format {
        Format::Human => human(diags, sources, summary, color),
        Format::Json => json(diags, sources, summary),
        Format::Github => github(diags, sources, summary),
        Format::Junit => junit(diags, sources),
    }
}

/// File names and messages may carry control characters (a contributor can name a
/// file `…\x1b]0;…`): show them escaped so they cannot drive the terminal.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// rustc-style: the source line with the span underlined, then `= help:`.
pub fn human(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    // Each finding renders on its own (a tenth of a cold `check` of 10,000 accounts is
    // here): in parallel, joined in order.
    let rendered: Vec<String> = diags
        .par_iter()
        .map(|d| human_one(d, sources, &renderer, color))
        .collect();
    let mut out = String::with_capacity(rendered.iter().map(String::len).sum::<usize>() + 100);
    out.extend(rendered);
    let _ = writeln!(
        out,
        "{}: {} error{}, {} warning{} in {} account{} ({} files)",
        if summary.errors > 0 {
            "check failed"
        } else {
            "check passed"
        },
        summary.errors,
        if summary.errors == 1 { "" } else { "s" },
        summary.warnings,
        if summary.warnings == 1 { "" } else { "s" },
        summary.accounts,
        if summary.accounts == 1 { "" } else { "s" },
        summary.files
    );
    out
}

/// One finding, rustc-style, with the blank line after it.
fn human_one(d: &Diagnostic, sources: &SourceMap, renderer: &Renderer, color: bool) -> String {
    let message = printable(&d.message);
    let file = printable(&d.file);
    let help = printable(d.help_text());
    let excerpt = match (sources.get(&d.file), &d.span) {
        (Some(src), Some(span)) => Some(excerpt(src, span)),
        _ => None,
    };
    let quote = Quote {
        severity: d.severity,
        code: d.rule.code,
        message: &message,
        file: &file,
        help: &help,
        excerpt,
    };
    let mut text =
        quick_snippet::render(&quote, color).unwrap_or_else(|| annotated(&quote, renderer));
    text.push_str("\n\n");
    text
}

/// The lines to quote around `span` (at most seven: whole 50 MB files stay cheap).
fn excerpt<'a>(src: &'a SourceFile, span: &Span) -> Excerpt<'a> {
    let (l0, _) = src.line_col(span.start);
    let (l1, _) = src.line_col(span.end.max(span.start));
    let (first, last) = (l0, l1.min(l0 + 6));
    let start = src.line_start(first);
    let end = if last < src.line_count() {
        src.line_start(last + 1)
    } else {
        src.text.len()
    };
    let text = &src.text[start..end];
    let s = (span.start - start).min(text.len());
    let mut e = (span.end.max(span.start) - start).min(text.len()).max(s);
    while !text.is_char_boundary(e) {
        e += 1;
    }
    Excerpt {
        line: first,
        text,
        span: s..e,
    }
}

/// A finding as the human report shows it (control characters already escaped).
struct Quote<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: &'a str,
    help: &'a str,
    excerpt: Option<Excerpt<'a>>,
}

/// Quoted lines: `text` starts at 1-based line `line`; `span` is a byte range in it.
struct Excerpt<'a> {
    line: usize,
    text: &'a str,
    span: Span,
}

/// Any finding, laid out by annotate-snippets.
fn annotated(q: &Quote, renderer: &Renderer) -> String {
    let level = match q.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(q.message).id(q.code);
    let help = Level::HELP.secondary_title(q.help);
    let report = match &q.excerpt {
        Some(x) => {
            let snippet = Snippet::source(x.text)
                .line_start(x.line)
                .path(q.file)
                .annotation(AnnotationKind::Primary.span(x.span.clone()));
            vec![title.element(snippet), Group::with_title(help)]
        }
        None => {
            let origin = annotate_snippets::Origin::path(q.file);
            vec![title.element(origin), Group::with_title(help)]
        }
    };
    renderer.render(&report)
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<Placed>,
    summary: &'a Summary,
}

/// `{"diagnostics": [...], "summary": {...}}` (see docs/check-json.md).
pub fn json(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let report = JsonReport {
        diagnostics: diags.iter().map(|d| place(d, sources)).collect(),
        summary,
    };
    let mut s = serde_json::to_string_pretty(&report).expect("serialisable");
    s.push('\n');
    s
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
pub fn github(diags: &[Diagnostic], sources: &SourceMap, summary: &Summary) -> String {
    let mut out = String::new();
    for d in diags {
        let p = place(d, sources);
        let cmd = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            gh_property(&p.file),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            gh_property(p.code),
            gh_data(&format!("{}\nhelp: {}", p.message, p.help))
        );
    }
    let _ = writeln!(
        out,
        "dossier check: {} errors, {} warnings",
        summary.errors, summary.warnings
    );
    out
}

/// Escaping of workflow command data (message): %, CR, LF.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow command properties: also `:` and `,`.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

use crate::escape::xml;

/// JUnit XML: one test case per account (and one for site-wide files); errors are
/// failures, warnings are listed in `<system-out>`.
pub fn junit(diags: &[Diagnostic], sources: &SourceMap) -> String {
    use std::collections::BTreeMap;
    let mut cases: BTreeMap<String, Vec<Placed>> = BTreeMap::new();
    for d in diags {
        let name = d
            .account()
            .map_or_else(|| "(site)".to_string(), |s| s.to_string());
        cases.entry(name).or_default().push(place(d, sources));
    }
    let failures = cases
        .values()
        .filter(|v| v.iter().any(|p| p.severity == Severity::Error))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"dossier check\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"accounts\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    );
    for (name, ps) in &cases {
        let _ = writeln!(
            out,
            "    <testcase classname=\"dossier.accounts\" name=\"{}\">",
            xml(name)
        );
        let lines = |sev: Severity| {
            ps.iter()
                .filter(|p| p.severity == sev)
                .map(|p| {
                    format!(
                        "{}:{}:{}: {} [{}]\n  help: {}",
                        p.file, p.line, p.column, p.message, p.code, p.help
                    )
                })
                .collect::<Vec<_>>()
        };
        let errors = lines(Severity::Error);
        if !errors.is_empty() {
            let _ = writeln!(
                out,
                "      <failure message=\"{} error(s)\" type=\"dossier.check\">{}</failure>",
                errors.len(),
                xml(&errors.join("\n"))
            );
        }
        let warnings = lines(Severity::Warning);
        if !warnings.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml(&warnings.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_properties_and_data() {
        assert_eq!(gh_property("a:b,c%d"), "a%3Ab%2Cc%25d");
        assert_eq!(gh_data("x\ny\r%"), "x%0Ay%0D%25");
    }
}
