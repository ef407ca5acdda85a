//! Source files as loaded: the text every span points into, and the line index
//! that turns byte offsets into 1-based line/column positions counted in characters.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A byte range into one file's text (after a byte-order mark was dropped).
pub type Span = std::ops::Range<usize>;

/// One loaded text file. `path` is relative to the site root with `/` separators.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    /// An `Arc<String>`, not an `Arc<str>`: the text read from disk becomes the file's
    /// without being copied again (bodies are most of a site's bytes).
    pub text: Arc<String>,
    /// Built on first use: most files never need a position (no finding in them).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: Arc::new(text.into()),
            line_starts: Default::default(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr_newlines(&self.text));
            starts
        })
    }

    /// 1-based (line, column) of a byte offset; columns count characters, not bytes,
    /// so Chinese text lines up, and a `\r` before `\n` is never counted.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let start = starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of 1-based line `n` without its line ending.
    pub fn line_text(&self, n: usize) -> &str {
        let starts = self.line_starts();
        let start = starts[n - 1];
        let end = starts.get(n).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_start(&self, n: usize) -> usize {
        self.line_starts()[n - 1]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// A copy of the file cut after the line holding byte `offset`: enough to place and
    /// quote spans that end at or before it (line numbers and columns are unchanged), at
    /// a fraction of the memory of keeping every quoted file whole.
    pub fn through_line_of(&self, offset: usize) -> SourceFile {
        let from = offset.min(self.text.len());
        let end = memchr::memchr(b'\n', &self.text.as_bytes()[from..])
            .map_or(self.text.len(), |i| from + i + 1);
        SourceFile::new(self.path.clone(), &self.text[..end])
    }
}

/// The offset after every `\n`.
fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)
}

/// Every file the loader read, by relative path, so diagnostics can be placed and quoted.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: BTreeMap<String, SourceFile>,
}

impl SourceMap {
    pub fn insert(&mut self, file: SourceFile) {
        self.files.insert(file.path.clone(), file);
    }
    /// Insert many files at once: the map is built in one pass from the sorted list
    /// and merged in, instead of one search from the root per file (600,000 files
    /// at 100,000 accounts).
    pub fn insert_all(&mut self, files: Vec<SourceFile>) {
        let mut more: BTreeMap<String, SourceFile> =
            files.into_iter().map(|f| (f.path.clone(), f)).collect();
        self.files.append(&mut more);
    }
    pub fn get(&self, path: &str) -> Option<&SourceFile> {
        self.files.get(path)
    }
    pub fn extend(&mut self, other: SourceMap) {
        self.files.extend(other.files);
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// Keep only the files in `keep` (sorted, deduplicated paths).
    pub fn retain_sorted(&mut self, keep: &[&str]) {
        self.files
            .retain(|path, _| keep.binary_search(&path.as_str()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_cut_after_a_line_places_every_span_up_to_it_as_the_whole_file_does() {
        // CRLF, characters of several bytes, a blank line, no newline at the end
        let whole = SourceFile::new("a.md", "id = \"a\"\r\n名称 = \"华东\"\n\nnotes = 'x'\ntail");
        let len = whole.text.len();
        for end in 0..=len + 2 {
            let cut = whole.through_line_of(end);
            assert!(cut.text.len() <= len);
            let (last, _) = whole.line_col(end);
            for start in (0..=end.min(len)).filter(|&i| whole.text.is_char_boundary(i)) {
                assert_eq!(cut.line_col(start), whole.line_col(start), "{start}..{end}");
            }
            assert_eq!(cut.line_col(end), whole.line_col(end), "end {end}");
            for n in 1..=last {
                assert_eq!(cut.line_text(n), whole.line_text(n), "line {n}, end {end}");
                assert_eq!(cut.line_start(n), whole.line_start(n));
            }
            // the report quotes up to the start of the next line, or to the end
            if last < whole.line_count() {
                assert_eq!(cut.line_start(last + 1), whole.line_start(last + 1));
            } else {
                assert_eq!(cut.text.len(), len);
            }
        }
        // a span in the first line keeps only that line
        assert_eq!(*whole.through_line_of(3).text, "id = \"a\"\r\n");
    }

    #[test]
    fn columns_count_characters_and_ignore_cr() {
        let f = SourceFile::new("a.toml", "name = \"华东\"\r\nx = 1\n");
        // `x` starts line 2, column 1 even though line 1 ends in CRLF
        assert_eq!(f.line_col(f.text.find('x').unwrap()), (2, 1));
        // the closing quote after two Chinese characters is column 11, not byte 14
        let quote = f.text.rfind('"').unwrap();
        assert_eq!(f.line_col(quote), (1, 11));
        assert_eq!(f.line_text(1), "name = \"华东\"");
    }
}
