//! Diagnostics: one finding of `dossier check`, placed in a file by byte span.
//! Line/column are resolved against the [`SourceMap`] when reported.

use crate::rules::{Rule, Severity};
use crate::source::{SourceMap, Span};
use std::collections::BTreeMap;

/// One finding. `file` is relative to the site root; `span` is None for a finding about
/// a whole file or folder (reported at 1:1).
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub file: String,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static Rule,
        file: impl Into<String>,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            file: file.into(),
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The help line shown: the specific help, else the rule's generic fix.
    pub fn help_text(&self) -> &str {
        self.help.as_deref().unwrap_or(self.rule.fix)
    }

    /// The account slug this finding belongs to, if it is inside an account folder.
    pub fn account(&self) -> Option<&str> {
        let rest = self.file.strip_prefix("content/accounts/")?;
        Some(rest.split('/').next().unwrap_or(rest))
    }
}

/// A diagnostic with its position resolved: what every output format prints.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placed {
    pub severity: Severity,
    pub code: &'static str,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub help: String,
}

/// The files `diags` quote (those of findings with a span), sorted, each once.
pub fn quoted_files(diags: &[Diagnostic]) -> Vec<&str> {
    let mut files: Vec<&str> = diags
        .iter()
        .filter(|d| d.span.is_some())
        .map(|d| d.file.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    files
}

pub fn place(d: &Diagnostic, sources: &SourceMap) -> Placed {
    let (line, column, end_line, end_column) = match (sources.get(&d.file), &d.span) {
        (Some(src), Some(span)) => {
            let (l, c) = src.line_col(span.start);
            let (el, ec) = src.line_col(span.end.max(span.start));
            (l, c, el, ec)
        }
        _ => (1, 1, 1, 1),
    };
    Placed {
        severity: d.severity,
        code: d.rule.code,
        file: d.file.clone(),
        line,
        column,
        end_line,
        end_column,
        message: d.message.clone(),
        help: d.help_text().to_string(),
    }
}

/// Per-repo rule levels from `[rules]` in dossier.toml: a level, or None for "off".
#[derive(Debug, Clone, Default)]
pub struct RuleLevels(pub BTreeMap<String, Option<Severity>>);

impl RuleLevels {
    /// Apply configured levels; drop rules set to "off". Sorted by file, position, code
    /// so the output is the same bytes for the same input.
    pub fn apply(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = diags
            .into_iter()
            .filter_map(|mut d| match self.0.get(d.rule.code) {
                Some(None) => None,
                Some(Some(level)) => {
                    d.severity = *level;
                    Some(d)
                }
                None => Some(d),
            })
            .collect();
        // 150,000 findings at 100,000 accounts: sorted on every core.
        rayon::slice::ParallelSliceMut::par_sort_by(out.as_mut_slice(), |a, b| {
            (
                &a.file,
                a.span.as_ref().map(|s| (s.start, s.end)),
                a.rule.code,
                &a.message,
            )
                .cmp(&(
                    &b.file,
                    b.span.as_ref().map(|s| (s.start, s.end)),
                    b.rule.code,
                    &b.message,
                ))
        });
        out.dedup_by(|a, b| {
            a.file == b.file
                && a.span == b.span
                && a.rule.code == b.rule.code
                && a.message == b.message
        });
        out
    }
}

/// Counts for the summary line and exit code.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
    pub accounts: usize,
}

impl Summary {
    pub fn count(diags: &[Diagnostic], files: usize, accounts: usize) -> Summary {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Summary {
            errors,
            warnings: diags.len() - errors,
            files,
            accounts,
        }
    }
}

/// Closest candidate by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_l = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&word_l, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["industry", "region", "status", "owner"];
        assert_eq!(did_you_mean("industy", keys), Some("industry"));
        assert_eq!(did_you_mean("Owner", keys), Some("owner"));
        assert_eq!(did_you_mean("completely-different", keys), None);
    }
}
