//! Splitting `+++` TOML front matter from a Markdown body.

/// The parts of a document with front matter; offsets are byte offsets in the text.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub toml: &'a str,
    pub toml_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum FrontMatter<'a> {
    /// Line 1 is not `+++`: the whole text is body.
    None,
    /// Opened on line 1 but never closed; `open_len` is the length of line 1.
    Unclosed {
        open_len: usize,
    },
    Some(Split<'a>),
}

/// A `+++` line: trailing spaces, tabs and a CR are allowed.
fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\r', ' ', '\t']) == "+++"
}

pub fn split(text: &str) -> FrontMatter<'_> {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if !is_fence(text[..first_end].trim_end_matches('\n')) {
        return FrontMatter::None;
    }
    let bytes = text.as_bytes();
    let mut pos = first_end;
    while pos < text.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(text.len(), |i| pos + i + 1);
        // only a line that starts with `+` can close it: most lines are not trimmed
        if bytes[pos] == b'+' && is_fence(text[pos..end].trim_end_matches('\n')) {
            return FrontMatter::Some(Split {
                toml: &text[first_end..pos],
                toml_offset: first_end,
                body: &text[end..],
                body_offset: end,
            });
        }
        pos = end;
    }
    FrontMatter::Unclosed {
        open_len: first_end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_crlf_and_trailing_spaces() {
        let t = "+++  \r\ndate = 2026-01-01\r\n+++\t\r\nBody\r\n";
        let FrontMatter::Some(s) = split(t) else {
            panic!("not split")
        };
        assert_eq!(s.toml, "date = 2026-01-01\r\n");
        assert_eq!(&t[s.toml_offset..s.toml_offset + 4], "date");
        assert_eq!(s.body, "Body\r\n");
    }

    #[test]
    fn detects_missing_and_unclosed() {
        assert_eq!(split("# Title\n+++\n"), FrontMatter::None);
        assert_eq!(split(""), FrontMatter::None);
        assert_eq!(split("+++\na = 1\n"), FrontMatter::Unclosed { open_len: 4 });
        assert!(matches!(
            split("+++\n+++"),
            FrontMatter::Some(Split { toml: "", .. })
        ));
    }
}
