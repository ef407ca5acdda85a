//! The common finding, rendered without annotate-snippets: one underlined span on one
//! short line of printable ASCII. That covers nearly every finding (`due = 2026-05-10`,
//! `outstanding = 24215000`), and annotate-snippets lays out every finding in a styled
//! character grid — a tenth of a cold `check` of 10,000 accounts with 15,000 warnings.
//!
//! Everything else (several lines, wide or control characters, tabs, an empty span,
//! long lines that annotate-snippets would cut) returns `None` and takes the full
//! renderer. A property test holds this output to annotate-snippets', byte for byte,
//! plain and styled.

use super::Quote;
use crate::rules::Severity;

/// Longest quoted line taken here: far below annotate-snippets' 140-column width,
/// beyond which it starts cutting lines.
const MAX_LINE: usize = 100;

/// The ANSI styles annotate-snippets' `Renderer::styled()` uses on Unix.
struct Styles {
    level: &'static str,
    line_num: &'static str,
    help: &'static str,
    bold: &'static str,
    reset: &'static str,
}

const PLAIN: Styles = Styles {
    level: "",
    line_num: "",
    help: "",
    bold: "",
    reset: "",
};

/// The finding as annotate-snippets renders it (without a final line break), or
/// `None` when it is not the simple case.
pub(super) fn render(q: &Quote, color: bool) -> Option<String> {
    let x = q.excerpt.as_ref()?;
    let text = x
        .text
        .strip_suffix('\n')
        .map_or(x.text, |t| t.strip_suffix('\r').unwrap_or(t));
    let simple = !text.is_empty()
        && text.len() <= MAX_LINE
        && text.bytes().all(|b| (b' '..=b'~').contains(&b))
        && x.span.start < x.span.end
        && x.span.end <= text.len();
    if !simple {
        return None;
    }
    let styles = if color {
        Styles {
            level: match q.severity {
                Severity::Error => "\x1b[1m\x1b[91m",
                Severity::Warning => "\x1b[1m\x1b[33m",
            },
            line_num: "\x1b[1m\x1b[94m",
            help: "\x1b[1m\x1b[96m",
            bold: "\x1b[1m",
            reset: "\x1b[0m",
        }
    } else {
        PLAIN
    };
    let Styles {
        level,
        line_num: ln,
        help,
        bold,
        reset: r,
    } = styles;
    let name = match q.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let number = x.line.to_string();
    let pad = " ".repeat(number.len());
    let col = (x.span.start + 1).to_string();
    let (message, code, file) = (q.message, q.code, q.file);
    let (indent, marks) = (
        " ".repeat(x.span.start),
        "^".repeat(x.span.end - x.span.start),
    );
    // pieces, one row a line, not `write!`: fifteen thousand findings at 10,000
    // accounts, and the formatting machinery was most of this function's time
    let lines: [&[&str]; 7] = [
        &[level, name, "[", code, "]", r, bold, ": ", message, r],
        &[&pad, ln, "--> ", r, file, ":", &number, ":", &col],
        &[&pad, " ", ln, "|", r],
        &[ln, &number, r, " ", ln, "|", r, " ", text],
        &[&pad, " ", ln, "|", r, " ", &indent, level, &marks, r],
        &[&pad, " ", ln, "|", r],
        &[help, "help", r, ": ", q.help],
    ];
    let len = lines
        .iter()
        .flat_map(|l| l.iter())
        .map(|p| p.len() + 1)
        .sum();
    let mut out = String::with_capacity(len);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        line.iter().for_each(|p| out.push_str(p));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{annotated, Excerpt};
    use super::*;
    use annotate_snippets::Renderer;
    use proptest::prelude::*;

    fn quote<'a>(
        severity: Severity,
        line: usize,
        text: &'a str,
        span: std::ops::Range<usize>,
        message: &'a str,
    ) -> Quote<'a> {
        Quote {
            severity,
            code: "action.overdue",
            message,
            file: "content/accounts/acme/plan.md",
            help: "Mark it done or dropped, or set a new due date.",
            excerpt: Some(Excerpt { line, text, span }),
        }
    }

    #[test]
    fn the_usual_finding_is_quoted_like_rustc() {
        let q = quote(
            Severity::Warning,
            24,
            "due = 2026-05-10\n",
            6..16,
            "open action was due",
        );
        let expected = "\
warning[action.overdue]: open action was due
  --> content/accounts/acme/plan.md:24:7
   |
24 | due = 2026-05-10
   |       ^^^^^^^^^^
   |
help: Mark it done or dropped, or set a new due date.";
        assert_eq!(render(&q, false).as_deref(), Some(expected));
        assert_eq!(annotated(&q, &Renderer::plain()), expected);
    }

    #[test]
    fn anything_unusual_is_left_to_annotate_snippets() {
        for (text, span) in [
            ("name = \"华东\"\n", 8..14), // wide characters
            ("a = 1\nb = 2\n", 0..9),     // two lines
            ("\tx = 1\n", 1..2),          // a tab
            ("x = 1\n", 2..2),            // an empty span
            ("x = 1\n", 4..6),            // the line break underlined
        ] {
            let q = quote(Severity::Error, 3, text, span, "m");
            assert_eq!(render(&q, false), None, "{text:?}");
        }
        let long = format!("x = \"{}\"", "y".repeat(200));
        assert_eq!(
            render(&quote(Severity::Error, 3, &long, 0..1, "m"), true),
            None
        );
    }

    #[test]
    fn trailing_spaces_and_a_crlf_are_quoted_as_annotate_snippets_quotes_them() {
        for text in ["x = 1   \r\n", "   x = 1  ", "x = 1\r\n"] {
            let q = quote(Severity::Warning, 9, text, 4..5, "m");
            let fast = render(&q, true).expect("simple");
            assert_eq!(fast, annotated(&q, &Renderer::styled()), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the fast path renders, annotate-snippets renders the same bytes.
        #[test]
        fn same_bytes_as_annotate_snippets(
            text in "[ -~]{0,110}(\r?\n)?",
            a in 0usize..120,
            len in 0usize..40,
            line in prop_oneof![1usize..20, 1usize..100_000],
            message in "[ -~华]{0,60}",
            error in any::<bool>(),
            color in any::<bool>(),
        ) {
            let severity = if error { Severity::Error } else { Severity::Warning };
            let end = (a + len).min(text.len());
            let q = quote(severity, line, &text, a.min(end)..end, &message);
            if let Some(fast) = render(&q, color) {
                let renderer = if color { Renderer::styled() } else { Renderer::plain() };
                prop_assert_eq!(fast, annotated(&q, &renderer));
            }
        }
    }
}
