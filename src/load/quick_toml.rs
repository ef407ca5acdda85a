//! A fast reader for the plain TOML that account files are written in.
//!
//! A cold `check` spends a third of its time in the toml crate, which tokenises every
//! document into a vector, builds an index map per table and copies keys. Account files
//! use a small part of TOML: `[table]` and `[[array]]` headers, one key per line, basic
//! and literal strings, decimal numbers, dates, booleans, arrays and one-line inline
//! tables. This module reads exactly that into a [`Table`] without copying strings.
//!
//! Anything else — multi-line strings, dotted keys, `+`, `_`, hex or exponent numbers,
//! times, an escape it does not know, a header re-opening a table, and every error — it
//! declines with `None`, and the caller parses the text with the toml crate instead. So
//! it never has to be right about an error: findings and edge cases stay the toml
//! crate's. `tests/proptests.rs` holds it to that: whatever it accepts,
//! the toml crate accepts with the same tree and spans.

use super::toml_tree::{Array, Datetime, Entry, Node, Origin, Table, TomlDate, Value};
use std::borrow::Cow;

/// The tree of `text`, or None where the toml crate must read it. Declines too when
/// brackets or header paths nest deeper than `max_nesting` (as the nesting guard counts
/// them), so the guard's finding stays the same; and where the tree would break the
/// loader's shape limits (a node deeper than `max_nesting`, an array longer than
/// `max_array_len`), so a tree this returns needs no walk to check them.
pub fn parse(text: &str, max_nesting: usize, max_array_len: usize) -> Option<Table<'_>> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        // a byte-order mark is not content (spans still count its bytes)
        i: if text.starts_with('\u{feff}') { 3 } else { 0 },
        limit: max_nesting,
        max_len: max_array_len,
        base: 1,
        path: Vec::new(),
    };
    p.document()
}

/// Keys in one table beyond which the quick reader declines: its duplicate-key check
/// compares each new key with the ones before (quick for the dozen of an account file,
/// quadratic for a hostile table of 100,000), where the toml crate hashes them.
const MAX_KEYS: usize = 64;

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    limit: usize,
    max_len: usize,
    /// Tree depth of the current table's values, as the loader's shape check counts it:
    /// 1 at the root, one more per table and two per array of tables in the header.
    base: usize,
    /// The keys of the header being read, kept between headers (one allocation per
    /// document, not per header).
    path: Vec<Key<'a>>,
}

type Key<'a> = (Cow<'a, str>, std::ops::Range<usize>);

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// A comment up to (not including) its line break; control characters decline.
    fn comment(&mut self) -> Option<()> {
        self.i += 1;
        while let Some(c) = self.peek() {
            match c {
                b'\n' => break,
                b'\r' if self.at(1) == Some(b'\n') => break,
                b'\t' => {}
                0..=0x1f | 0x7f => return None,
                _ => {}
            }
            self.i += 1;
        }
        Some(())
    }

    /// After an item of a list: true past a `sep`, false before the `close` (left for
    /// the caller), None (decline) at anything else.
    fn more(&mut self, sep: u8, close: u8) -> Option<bool> {
        match self.peek()? {
            b if b == sep => {
                self.i += 1;
                Some(true)
            }
            b if b == close => Some(false),
            _ => None,
        }
    }

    /// One line break (`\n` or `\r\n`).
    fn newline(&mut self) -> Option<()> {
        match (self.peek(), self.at(1)) {
            (Some(b'\n'), _) => self.i += 1,
            (Some(b'\r'), Some(b'\n')) => self.i += 2,
            _ => return None,
        }
        Some(())
    }

    /// After a header or key/value: spaces, an optional comment, then a line break or
    /// the end.
    fn line_end(&mut self) -> Option<()> {
        self.spaces();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            _ => self.newline(),
        }
    }

    /// Spaces, line breaks and comments, as allowed between array items.
    fn blank(&mut self) -> Option<()> {
        loop {
            self.spaces();
            match self.peek() {
                Some(b'#') => self.comment()?,
                Some(b'\n' | b'\r') => self.newline()?,
                _ => return Some(()),
            }
        }
    }

    fn document(&mut self) -> Option<Table<'a>> {
        let mut root = keyed_table();
        // The table key/values go to: entry indexes from the root (an array of tables
        // stands for its last item).
        let mut current: Vec<usize> = Vec::new();
        loop {
            self.spaces();
            match self.peek() {
                None => return Some(root),
                Some(b'\n' | b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                Some(b'[') => {
                    self.header(&mut root, &mut current)?;
                    self.line_end()?;
                }
                Some(_) => {
                    let (key, key_span) = self.key()?;
                    self.spaces();
                    if self.peek() != Some(b'=') {
                        return None; // a dotted key, or an error
                    }
                    self.i += 1;
                    self.spaces();
                    let node = self.value(0)?;
                    self.line_end()?;
                    add(descend(&mut root, &current)?, key, key_span, node)?;
                }
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: find or make the table, and make it the current one.
    fn header(&mut self, root: &mut Table<'a>, current: &mut Vec<usize>) -> Option<()> {
        let start = self.i;
        let many = self.at(1) == Some(b'[');
        self.i += if many { 2 } else { 1 };
        let mut path = std::mem::take(&mut self.path);
        path.clear();
        loop {
            self.spaces();
            path.push(self.key()?);
            self.spaces();
            if !self.more(b'.', b']')? {
                break;
            }
        }
        self.i += 1;
        if many {
            if self.peek() != Some(b']') {
                return None;
            }
            self.i += 1;
        }
        let span = start..self.i;
        // The nesting guard counts a header's brackets and one level per key.
        if path.len() + if many { 2 } else { 1 } > self.limit {
            return None;
        }
        current.clear();
        let last = path.len() - 1;
        let mut t = root;
        let mut base = 1;
        for (n, (key, key_span)) in path.drain(..).enumerate() {
            let found = t.entries.iter().position(|e| e.key == key);
            let idx = match found {
                Some(idx) if n < last => idx,
                Some(idx) => {
                    // only `[[a]]` after `[[a]]` adds to what exists
                    match &mut t.entries[idx].node.value {
                        Value::Array(a) if many && a.of_tables && a.items.len() < self.max_len => {
                            a.items.push(header_table(&span))
                        }
                        _ => return None,
                    }
                    idx
                }
                None if t.entries.len() >= MAX_KEYS => return None,
                None => {
                    let node = if n < last {
                        Node {
                            span: key_span.clone(),
                            value: Value::Table(Table {
                                entries: Vec::new(),
                                origin: Origin::Implicit,
                            }),
                        }
                    } else if many {
                        Node {
                            span: span.clone(),
                            value: Value::Array(Array {
                                // `[[decisions]]` and the like come several at a time
                                items: {
                                    let mut items = Vec::with_capacity(4);
                                    items.push(header_table(&span));
                                    items
                                },
                                of_tables: true,
                            }),
                        }
                    } else {
                        header_table(&span)
                    };
                    t.entries.push(Entry {
                        key,
                        key_span,
                        node,
                    });
                    t.entries.len() - 1
                }
            };
            base += match t.entries[idx].node.value {
                Value::Array(_) => 2, // the array, then its last table
                _ => 1,
            };
            current.push(idx);
            t = step(t, idx)?;
        }
        self.path = path;
        self.base = base;
        (base <= self.limit).then_some(())
    }

    /// A bare key, or a quoted one that is not empty.
    fn key(&mut self) -> Option<Key<'a>> {
        let start = self.i;
        let key = match self.peek()? {
            b'"' | b'\'' => match self.string()? {
                k if k.is_empty() => return None,
                k => k,
            },
            _ => {
                self.i += run(&self.b[start..], &BARE_KEY);
                if self.i == start {
                    return None;
                }
                Cow::Borrowed(&self.s[start..self.i])
            }
        };
        Some((key, start..self.i))
    }

    /// A value at bracket depth `depth` (0 for the value of a key/value line).
    fn value(&mut self, depth: usize) -> Option<Node<'a>> {
        // each bracket is one level of the tree below the table's
        if self.base + depth > self.limit {
            return None;
        }
        let start = self.i;
        let value = match self.peek()? {
            b'"' | b'\'' => Value::String(self.string()?),
            b'[' => Value::Array(self.array(depth + 1)?),
            b'{' => Value::Table(self.inline_table(depth + 1)?),
            b't' | b'f' => {
                let word = if self.peek() == Some(b't') {
                    "true"
                } else {
                    "false"
                };
                if !self.s[self.i..].starts_with(word) {
                    return None;
                }
                self.i += word.len();
                Value::Boolean(word == "true")
            }
            b'0'..=b'9' | b'-' => self.number_or_date()?,
            _ => return None,
        };
        // a value ends at a space, a separator, a comment or the line's end
        if !matches!(
            self.peek(),
            None | Some(b' ' | b'\t' | b',' | b']' | b'}' | b'#' | b'\n' | b'\r')
        ) {
            return None;
        }
        Some(Node {
            span: start..self.i,
            value,
        })
    }

    fn array(&mut self, depth: usize) -> Option<Array<'a>> {
        if depth > self.limit {
            return None;
        }
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.blank()?;
            if self.peek() == Some(b']') {
                break;
            }
            items.push(self.value(depth)?);
            if items.len() > self.max_len {
                return None;
            }
            self.blank()?;
            if !self.more(b',', b']')? {
                break;
            }
        }
        self.i += 1;
        Some(Array {
            items,
            of_tables: false,
        })
    }

    /// `{ a = 1, b = "x" }` on one line, without a trailing comma or dotted keys.
    fn inline_table(&mut self, depth: usize) -> Option<Table<'a>> {
        if depth > self.limit {
            return None;
        }
        self.i += 1;
        let mut t = Table {
            entries: Vec::new(),
            origin: Origin::Inline,
        };
        self.spaces();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(t);
        }
        loop {
            self.spaces();
            let (key, key_span) = self.key()?;
            self.spaces();
            if self.peek() != Some(b'=') {
                return None;
            }
            self.i += 1;
            self.spaces();
            let node = self.value(depth)?;
            add(&mut t, key, key_span, node)?;
            self.spaces();
            if !self.more(b',', b'}')? {
                break;
            }
        }
        self.i += 1;
        Some(t)
    }

    /// A one-line basic (`"…"`) or literal (`'…'`) string; the text is borrowed unless
    /// it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let quote = self.peek()?;
        if self.at(1) == Some(quote) && self.at(2) == Some(quote) {
            return None; // multi-line
        }
        self.i += 1;
        let start = self.i;
        let mut owned: Option<String> = None;
        loop {
            let c = self.peek()?;
            match c {
                _ if c == quote => break,
                b'\\' if quote == b'"' => {
                    let buf = owned.get_or_insert_with(String::new);
                    if buf.is_empty() {
                        buf.push_str(&self.s[start..self.i]);
                    }
                    self.i += 1;
                    self.escape(buf)?;
                    continue;
                }
                b'\t' => {}
                0..=0x1f | 0x7f => return None,
                _ => {}
            }
            // copy the run of plain characters up to the next quote, escape or control
            let run = self.i;
            self.i += 1;
            self.i += run_until(&self.b[self.i..], &STRING_STOP);
            if let Some(buf) = owned.as_mut() {
                buf.push_str(&self.s[run..self.i]);
            }
        }
        let text = &self.s[start..self.i];
        self.i += 1;
        Some(match owned {
            Some(buf) => Cow::Owned(buf),
            None => Cow::Borrowed(text),
        })
    }

    /// The escape after a `\` (TOML 1.0's; others decline).
    fn escape(&mut self, buf: &mut String) -> Option<()> {
        let c = self.peek()?;
        self.i += 1;
        let ch = match c {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'"' => '"',
            b'\\' => '\\',
            b'u' | b'U' => {
                let n = if c == b'u' { 4 } else { 8 };
                let hex = self.s.get(self.i..self.i + n)?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                self.i += n;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        };
        buf.push(ch);
        Some(())
    }

    /// `-12`, `0`, `3.50` or `2026-01-31`; anything else number-like declines.
    fn number_or_date(&mut self) -> Option<Value<'a>> {
        let start = self.i;
        self.i += run(&self.b[start..], &NUMBER_LIKE);
        let tok = &self.s[start..self.i];
        let b = tok.as_bytes();
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            // a date, unless a time follows after a space
            if self.peek() == Some(b' ') && self.at(1).is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            return date(tok).map(Value::Datetime);
        }
        let digits = tok.strip_prefix('-').unwrap_or(tok);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let plain = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        // no leading zeros; short enough that the toml crate cannot refuse the size
        if !plain(int) || (int.len() > 1 && int.starts_with('0')) || int.len() > 18 {
            return None;
        }
        match frac {
            None => Some(Value::Integer {
                text: Cow::Borrowed(tok),
                radix: 10,
            }),
            Some(f) if plain(f) && f.len() <= 18 => Some(Value::Float(Cow::Borrowed(tok))),
            Some(_) => None,
        }
    }
}

/// A `YYYY-MM-DD` that is a real calendar date.
fn date(tok: &str) -> Option<Datetime> {
    let num = |r: std::ops::Range<usize>| -> Option<u16> {
        let s = tok.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days).contains(&day) {
        return None;
    }
    Some(Datetime {
        date: Some(TomlDate {
            year,
            month: month as u8,
            day: day as u8,
        }),
        time: None,
        offset: None,
    })
}

/// A set of bytes, as a table: one load per byte in the loops over keys, strings and
/// numbers (a chain of range tests was a quarter of this reader's time).
type ByteSet = [bool; 256];

/// The set of the bytes in these inclusive ranges.
const fn byte_set(ranges: &[(u8, u8)]) -> ByteSet {
    let mut set = [false; 256];
    let mut r = 0;
    while r < ranges.len() {
        let (mut b, last) = ranges[r];
        while b <= last {
            set[b as usize] = true;
            if b == u8::MAX {
                break;
            }
            b += 1;
        }
        r += 1;
    }
    set
}

const BARE_KEY: ByteSet = byte_set(&[
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'0', b'9'),
    (b'_', b'_'),
    (b'-', b'-'),
]);

/// Where a run of plain characters in a string ends: a quote of either kind, an escape
/// or a control character other than tab.
const STRING_STOP: ByteSet = byte_set(&[
    (0x00, 0x08),
    (0x0a, 0x1f),
    (0x7f, 0x7f),
    (b'"', b'"'),
    (b'\'', b'\''),
    (b'\\', b'\\'),
]);

/// The characters of a number or date token (validated after).
const NUMBER_LIKE: ByteSet = byte_set(&[
    (b'0', b'9'),
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'_', b'_'),
    (b'+', b'+'),
    (b'-', b'.'),
    (b':', b':'),
]);

/// How many leading bytes of `b` are in `set`.
fn run(b: &[u8], set: &ByteSet) -> usize {
    b.iter().position(|&c| !set[c as usize]).unwrap_or(b.len())
}

/// How many leading bytes of `b` are not in `set`.
fn run_until(b: &[u8], set: &ByteSet) -> usize {
    b.iter().position(|&c| set[c as usize]).unwrap_or(b.len())
}

/// The node a `[header]` makes: an empty table spanning the header.
/// `key = node` added to `t`; None (declined) for a key `t` has, or past `MAX_KEYS`.
fn add<'a>(
    t: &mut Table<'a>,
    key: Cow<'a, str>,
    key_span: std::ops::Range<usize>,
    node: Node<'a>,
) -> Option<()> {
    if t.entries.len() >= MAX_KEYS || t.get(&key).is_some() {
        return None;
    }
    t.entries.push(Entry {
        key,
        key_span,
        node,
    });
    Some(())
}

fn header_table<'a>(span: &std::ops::Range<usize>) -> Node<'a> {
    Node {
        span: span.clone(),
        value: Value::Table(keyed_table()),
    }
}

/// A document or `[header]` table, with room for the keys account files usually give
/// one (growing a vector of entries key by key was a tenth of a cold `check`).
fn keyed_table<'a>() -> Table<'a> {
    Table {
        entries: Vec::with_capacity(16),
        ..Table::default()
    }
}

/// The table entry `idx` of `t` leads to: a table that headers may extend (not an
/// inline one), or the last table of an array of tables.
fn step<'t, 'a>(t: &'t mut Table<'a>, idx: usize) -> Option<&'t mut Table<'a>> {
    match &mut t.entries[idx].node.value {
        Value::Table(t) if t.origin != Origin::Inline => Some(t),
        Value::Array(a) if a.of_tables => match &mut a.items.last_mut()?.value {
            Value::Table(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// The current table: follow `path` from the root.
fn descend<'t, 'a>(root: &'t mut Table<'a>, path: &[usize]) -> Option<&'t mut Table<'a>> {
    let mut t = root;
    for &idx in path {
        t = step(t, idx)?;
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::toml_tree::from_toml;

    fn toml_crate(text: &str) -> Option<Table<'_>> {
        let doc = toml::de::DeTable::parse(text).ok()?;
        Some(from_toml(doc.get_ref()))
    }

    #[track_caller]
    fn accepts(text: &str) {
        let quick = parse(text, 16, 10_000).unwrap_or_else(|| panic!("declined {text:?}"));
        assert_eq!(Some(quick), toml_crate(text), "{text:?}");
    }

    #[track_caller]
    fn declines(text: &str) {
        assert_eq!(parse(text, 16, 10_000), None, "{text:?}");
    }

    #[test]
    fn reads_what_account_files_are_made_of() {
        accepts(
            "name = \"华东 Steel\" # the legal name\r\n\
             segment = 'A'\n\
             since = 2024-02-29\n\
             private = false\n\
             \n\
             [tier.scores]\n\
             revenue = 4.50\n\
             growth = -12\n\
             [credit]\n\
             aging = [\n  1, # current\n\n  2,\n  [3, \"x\"],\n]\n\
             terms = { days = 30, basis = \"EOM\" }\n\
             [[contact]]\n\
             id = \"a\"\n\
             [contact.private]\n\
             phone = \"\"\n\
             [[contact]]\n\
             \"quoted key\" = \"\\b\\t\\n\\f\\r\\\" \\\\ \\u00e9\\U0001F600\"\n",
        );
        accepts("");
        accepts("# only a comment");
        accepts("\u{feff}name = \"x\"\n[a]\n");
        accepts("[a]\n[a.b]\n[c]\n[a.d]\nx = 1");
    }

    #[test]
    fn declines_what_the_toml_crate_must_read() {
        // valid TOML outside the subset
        for text in [
            "a = \"\"\"multi\nline\"\"\"",
            "a = '''raw'''",
            "a = 1_000",
            "a = +5",
            "a = 0x1F",
            "a = 1e3",
            "a = 1979-05-27 07:32:00",
            "a = 1979-05-27T07:32:00Z",
            "a = 07:32:00",
            "a.b = 1",
            "a = { b = 1, }",
            "a = \"hex \\x41\"",
            "[a.b]\n[a]",
            "\"\" = 1",
        ] {
            assert!(toml_crate(text).is_some(), "{text:?}");
            declines(text);
        }
        // errors, which stay the toml crate's to report
        for text in [
            "a = 1\na = 2",
            "[a]\nx = 1\n[b]\n[a]",
            "[[a]]\n[a]",
            "[a]\n[[a]]",
            "a = 1\n[a]",
            "a = { x = 1 }\n[a]",
            "a = { x = 1 }\n[a.y]",
            "a = { x = 1 y = 2 }",
            "a = { x = 1, x = 2 }",
            "a = [1 2]",
            "a = \"ctl \u{1}\"",
            "a = 1 # ctl \u{1}",
            "a = 1\rb = 2",
            "a = 012",
            "a = 2026-02-29",
            "a = \"bad \\q\"",
            "a = truex",
            "a = 1 x",
        ] {
            assert!(toml_crate(text).is_none(), "{text:?}");
            declines(text);
        }
    }

    #[test]
    fn byte_sets_hold_exactly_their_bytes() {
        for b in 0..=255u8 {
            let bare = matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-');
            let stop =
                b == b'"' || b == b'\'' || b == b'\\' || b == 0x7f || (b < 0x20 && b != b'\t');
            let number = bare || matches!(b, b'+' | b'.' | b':');
            assert_eq!(BARE_KEY[b as usize], bare, "{b}");
            assert_eq!(STRING_STOP[b as usize], stop, "{b}");
            assert_eq!(NUMBER_LIKE[b as usize], number, "{b}");
        }
    }

    #[test]
    fn declines_nesting_deeper_than_the_limit() {
        // the nesting guard's count: brackets, and a header's path
        assert_eq!(parse("a = [[[[1]]]]", 3, 10), None);
        assert!(parse("[a.b]", 3, 10).is_some());
        assert_eq!(parse("[a.b.c]", 3, 10), None);
        assert_eq!(parse("[[a.b]]", 3, 10), None);
    }

    /// What the loader's shape check would refuse, declined (the toml crate then reads
    /// it and the check reports it); what it accepts, read. `tests/proptests.rs` checks
    /// the same on generated documents.
    #[test]
    fn declines_the_trees_the_shape_check_refuses() {
        use crate::load::parse::shape_problem;
        let read = [
            "a = [[1]]",
            "[a.b]\nx = 1",
            "[[a]]\nx = 1",
            "a = [1, 2]\n[[t]]\n[[t]]",
            "a = { b = [1] }",
        ];
        let refused = [
            "a = [[[1]]]",
            "[a.b]\nx = [1]",
            "[[a]]\nx = [1]",
            "[[a]]\n[b]\n[a.c]\nx = 1",
            "a = { b = [[1]] }",
            "a = [1, 2, 3]",
            "[[t]]\n[[t]]\n[[t]]",
        ];
        for text in read {
            let tree = toml_crate(text).unwrap();
            assert_eq!(shape_problem(&tree, 3, 2), None, "{text:?}");
            assert_eq!(parse(text, 3, 2), Some(tree), "{text:?}");
        }
        for text in refused {
            let tree = toml_crate(text).unwrap();
            assert!(shape_problem(&tree, 3, 2).is_some(), "{text:?}");
            assert_eq!(parse(text, 3, 2), None, "{text:?}");
        }
    }
}
