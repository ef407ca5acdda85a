//! A typed, span-keeping reader over a parsed TOML table.
//!
//! serde stops at the first error; account teams want every problem at once. So the
//! loader walks the parsed tree ([`super::toml_tree`], which keeps spans) with these helpers: each
//! accessor checks presence, type and range, records a diagnostic with the exact span
//! on failure, and remembers which keys it was asked for. `finish` then reports every
//! key nobody asked for as unknown, with a "did you mean" hint.

use super::toml_tree::{self, Array, Node, Value};
use crate::date::Date;
use crate::decimal::{Decimal, Money};
use crate::diag::{did_you_mean, Diagnostic};
use crate::rules::{self, Rule};
use crate::source::Span;
use std::cell::{Cell, RefCell};

/// A value with the span it was read from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sp<T> {
    pub v: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(v: T, span: Span) -> Self {
        Sp { v, span }
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.v
    }
}

impl<T: serde::Serialize> serde::Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.v.serialize(s)
    }
}

/// Where findings go while one file is read: its path, the offset of the parsed text
/// inside the file (front matter), and today's date for future-date checks.
pub struct Sink {
    pub file: String,
    pub base: usize,
    pub today: Date,
    diags: RefCell<Vec<Diagnostic>>,
}

impl Sink {
    pub fn new(file: impl Into<String>, base: usize, today: Date) -> Sink {
        Sink {
            file: file.into(),
            base,
            today,
            diags: RefCell::new(Vec::new()),
        }
    }
    pub fn span(&self, s: Span) -> Span {
        s.start + self.base..s.end + self.base
    }
    pub fn report(
        &self,
        rule: &'static Rule,
        span: Option<Span>,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::new(rule, self.file.clone(), span, msg);
        d.help = help;
        self.diags.borrow_mut().push(d);
    }
    pub fn into_diags(self) -> Vec<Diagnostic> {
        self.diags.into_inner()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Req {
    Required,
    Optional,
}
pub use Req::{Optional as OPT, Required as REQ};

type Val<'a> = Node<'a>;

/// `n` in decimal digits, without the formatting machinery of `to_string`.
fn push_decimal(s: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

/// `parent` + `key.` or `key[n].`, without `format!`.
fn join_prefix(parent: &str, key: &str, item: Option<usize>) -> String {
    let mut p = String::with_capacity(parent.len() + key.len() + 8);
    p.push_str(parent);
    p.push_str(key);
    if let Some(n) = item {
        p.push('[');
        push_decimal(&mut p, n);
        p.push(']');
    }
    p.push('.');
    p
}

/// A view of one TOML table being read. Making one allocates nothing (reading one
/// allocates a list only past four keys): a table is made
/// for every table of every file (twenty per account), and what only findings need
/// (key spans, the dotted prefix) is worked out when a finding needs it.
pub struct Table<'a, 's> {
    sink: &'s Sink,
    tbl: &'a toml_tree::Table<'a>,
    /// Which entries an accessor asked for: bit `i` for entry `i` below 64, then the
    /// bits of further words (a table of 100,000 keys stays linear).
    used: Cell<u64>,
    used_more: RefCell<Vec<u64>>,
    /// Where to point "missing key" findings (the table header, or the file start).
    at: Span,
    /// Dotted prefix for messages, e.g. `credit.` or `contact[2].`.
    prefix: Prefix<'a>,
    /// Keys asked for: a pointer each, not a copy (accessors run for every key of every
    /// file; keys are literals, or borrowed from the document like the table itself).
    asked: RefCell<Asked<'a>>,
    /// Where the next key is looked for first: after the last one found. Accessors ask
    /// in the order files are usually written, so most lookups compare one key.
    next: Cell<usize>,
}

/// A table's dotted prefix: written out, or (for a table under a top-level one, the
/// usual case) its key and item number, joined only when a finding quotes it.
enum Prefix<'a> {
    Text(String),
    Child { key: &'a str, item: Option<usize> },
}

/// The keys a table was asked for: the first four inline, the rest in a list. Inline
/// only a few: a `Table` is moved into and out of the list `tables()` returns, and with
/// room for 24 keys it was big enough to cost more in copies than the allocation it
/// saved (and 34 MB more of peak memory while a 10,000-account site loads).
struct Asked<'a> {
    head: [&'a str; 4],
    n: usize,
    more: Vec<&'a str>,
}

impl<'a> Asked<'a> {
    fn push(&mut self, key: &'a str) {
        match self.head.get_mut(self.n) {
            Some(slot) => *slot = key,
            None => {
                if self.more.capacity() == 0 {
                    self.more.reserve(16); // a contact asks for 17 keys: one allocation
                }
                self.more.push(key)
            }
        }
        self.n += 1;
    }
    fn keys(&self) -> Vec<&'a str> {
        let inline = &self.head[..self.n.min(self.head.len())];
        inline.iter().chain(&self.more).copied().collect()
    }
}

impl<'a, 's> Table<'a, 's> {
    /// A top-level table (its keys are quoted without a prefix).
    pub fn new(sink: &'s Sink, tbl: &'a toml_tree::Table<'a>, at: Span) -> Self {
        Table::with_prefix(sink, tbl, at, Prefix::Text(String::new()))
    }

    fn with_prefix(
        sink: &'s Sink,
        tbl: &'a toml_tree::Table<'a>,
        at: Span,
        prefix: Prefix<'a>,
    ) -> Self {
        Table {
            sink,
            tbl,
            used: Cell::new(0),
            used_more: RefCell::new(Vec::new()),
            at,
            prefix,
            asked: RefCell::new(Asked {
                head: [""; 4],
                n: 0,
                more: Vec::new(),
            }),
            next: Cell::new(0),
        }
    }

    /// The dotted prefix of this table's keys in messages: `credit.`, `contact[2].`.
    fn prefix(&self) -> std::borrow::Cow<'_, str> {
        match &self.prefix {
            Prefix::Text(p) => std::borrow::Cow::Borrowed(p),
            Prefix::Child { key, item } => std::borrow::Cow::Owned(join_prefix("", key, *item)),
        }
    }

    fn mark_used(&self, i: usize) {
        let bit = 1u64 << (i % 64);
        match i / 64 {
            0 => self.used.set(self.used.get() | bit),
            w => {
                let mut more = self.used_more.borrow_mut();
                if more.len() < w {
                    more.resize(w, 0);
                }
                more[w - 1] |= bit;
            }
        }
    }

    fn was_used(&self, i: usize) -> bool {
        let word = match i / 64 {
            0 => self.used.get(),
            w => self.used_more.borrow().get(w - 1).copied().unwrap_or(0),
        };
        word & (1u64 << (i % 64)) != 0
    }

    pub fn sink(&self) -> &'s Sink {
        self.sink
    }
    pub fn at(&self) -> Span {
        self.at.clone()
    }
    pub fn keys(&self) -> impl Iterator<Item = (&'a str, Span)> + '_ {
        let tbl: &'a toml_tree::Table<'a> = self.tbl;
        tbl.entries
            .iter()
            .map(|e| (e.key.as_ref(), self.sink.span(e.key_span.clone())))
    }

    fn raw(&self, key: &'a str, req: Req) -> Option<&'a Val<'a>> {
        {
            self.asked.borrow_mut().push(key);
        }
        let entries: &'a [toml_tree::Entry<'a>] = &self.tbl.entries;
        let start = self.next.get();
        let is_key = |e: &toml_tree::Entry| e.key == key;
        let at = match entries[start..].iter().position(is_key) {
            Some(i) => Some(start + i),
            None => entries[..start].iter().position(is_key),
        };
        let found = at.map(|i| {
            self.next.set(i + 1);
            self.mark_used(i);
            &entries[i].node
        });
        if found.is_none() && req == REQ {
            self.sink.report(
                &rules::MISSING_KEY,
                Some(self.at.clone()),
                format!("missing required key `{}{key}`", self.prefix()),
                Some(format!("add `{key} = …` here")),
            );
        }
        found
    }

    /// Report a value of the wrong type; always returns None for `?` chaining.
    fn wrong<T>(&self, key: &'a str, v: &Val, want: &str, help: Option<String>) -> Option<T> {
        let help = help.or_else(|| match &v.value {
            Value::String(s) if want.contains("number") || want.contains("integer") => {
                Some(format!("remove the quotes: `{key} = {s}`"))
            }
            Value::String(s) if want.contains("date") => {
                Some(format!("dates are written without quotes: `{key} = {s}`"))
            }
            _ => None,
        });
        self.sink.report(
            &rules::WRONG_TYPE,
            Some(self.sink.span(v.span.clone())),
            format!(
                "`{}{key}` must be {want}, found {}",
                self.prefix(),
                v.value.type_name()
            ),
            help,
        );
        None
    }

    fn sp<T>(&self, v: &Val, t: T) -> Sp<T> {
        Sp::new(t, self.sink.span(v.span.clone()))
    }

    pub fn str(&self, key: &'a str, req: Req) -> Option<Sp<String>> {
        let v = self.raw(key, req)?;
        match &v.value {
            Value::String(s) => Some(self.sp(v, s.to_string())),
            _ => self.wrong(key, v, "a string", None),
        }
    }

    /// A string that must not be blank when present.
    pub fn text(&self, key: &'a str, req: Req) -> Option<Sp<String>> {
        let s = self.str(key, req)?;
        if s.v.trim().is_empty() {
            self.sink.report(
                &rules::EMPTY,
                Some(s.span.clone()),
                format!("`{}{key}` is empty", self.prefix()),
                None,
            );
        }
        Some(s)
    }

    pub fn enumeration(&self, key: &'a str, allowed: &[&str], req: Req) -> Option<Sp<String>> {
        let s = self.str(key, req)?;
        self.check_enum(key, &s, allowed);
        Some(s)
    }

    pub fn check_enum(&self, key: &'a str, s: &Sp<String>, allowed: &[&str]) -> bool {
        if allowed.contains(&s.v.as_str()) {
            return true;
        }
        let hint = match did_you_mean(&s.v, allowed.iter().copied()) {
            Some(m) => format!("did you mean `{m}`? allowed: {}", allowed.join(", ")),
            None => format!("allowed: {}", allowed.join(", ")),
        };
        self.sink.report(
            &rules::BAD_ENUM,
            Some(s.span.clone()),
            format!(
                "`{}{key}` is `{}`, not one of the allowed values",
                self.prefix(),
                s.v
            ),
            Some(hint),
        );
        false
    }

    pub fn bool(&self, key: &'a str, req: Req) -> Option<Sp<bool>> {
        let v = self.raw(key, req)?;
        match &v.value {
            Value::Boolean(b) => Some(self.sp(v, *b)),
            _ => self.wrong(key, v, "a boolean (true or false)", None),
        }
    }

    pub fn int(&self, key: &'a str, req: Req) -> Option<Sp<i64>> {
        let v = self.raw(key, req)?;
        match &v.value {
            Value::Integer { text, radix } => match i64::from_str_radix(text, *radix) {
                Ok(n) => Some(self.sp(v, n)),
                Err(_) => self.wrong(key, v, "an integer that fits in 64 bits", None),
            },
            Value::Float(f) => {
                let help = Some(format!(
                    "write a whole number, e.g. `{key} = {}`",
                    f.split('.').next().unwrap_or("0")
                ));
                self.wrong(key, v, "an integer", help)
            }
            _ => self.wrong(key, v, "an integer", None),
        }
    }

    /// An integer within `lo..=hi` (range finding otherwise; the value is still returned).
    pub fn int_in(&self, key: &'a str, req: Req, lo: i64, hi: i64) -> Option<Sp<i64>> {
        let n = self.int(key, req)?;
        self.check_range(key, n.v, lo, hi, &n.span);
        Some(n)
    }

    pub fn check_range(&self, key: &'a str, n: i64, lo: i64, hi: i64, span: &Span) -> bool {
        if (lo..=hi).contains(&n) {
            return true;
        }
        let range = if hi == i64::MAX {
            format!("at least {lo}")
        } else {
            format!("between {lo} and {hi}")
        };
        self.sink.report(
            &rules::OUT_OF_RANGE,
            Some(span.clone()),
            format!("`{}{key}` is {n}, must be {range}", self.prefix()),
            None,
        );
        false
    }

    /// Any number, exactly as written.
    pub fn decimal(&self, key: &'a str, req: Req) -> Option<Sp<Decimal>> {
        let v = self.raw(key, req)?;
        let text = match &v.value {
            Value::Integer { text, radix: 10 } => text,
            Value::Float(f) => f,
            _ => return self.wrong(key, v, "a number", None),
        };
        match Decimal::parse(text) {
            Some(d) => Some(self.sp(v, d)),
            None => self.wrong(key, v, "a finite number", None),
        }
    }

    /// A percentage 0..=100.
    pub fn pct(&self, key: &'a str, req: Req) -> Option<Sp<Decimal>> {
        let d = self.decimal(key, req)?;
        if d.v < Decimal::ZERO || d.v > Decimal::from_int(100) {
            self.sink.report(
                &rules::OUT_OF_RANGE,
                Some(d.span.clone()),
                format!(
                    "`{}{key}` is {}, must be between 0 and 100",
                    self.prefix(),
                    d.v
                ),
                None,
            );
        }
        Some(d)
    }

    /// A non-negative amount of money in whole currency units.
    pub fn money(&self, key: &'a str, req: Req) -> Option<Sp<Money>> {
        let d = self.decimal(key, req)?;
        let Some(m) = Money::from_decimal(d.v) else {
            return self.wrong(
                key,
                self.raw(key, OPT)?,
                "an amount of money that fits in 64 bits",
                None,
            );
        };
        if m.0 < 0 {
            self.sink.report(
                &rules::OUT_OF_RANGE,
                Some(d.span.clone()),
                format!(
                    "`{}{key}` is {}, money must not be negative",
                    self.prefix(),
                    d.v
                ),
                None,
            );
        }
        Some(Sp::new(m, d.span))
    }

    pub fn date(&self, key: &'a str, req: Req) -> Option<Sp<Date>> {
        let v = self.raw(key, req)?;
        match &v.value {
            Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => match Date::new(d.year.into(), d.month, d.day) {
                    Some(date) => Some(self.sp(v, date)),
                    None => self.wrong(key, v, "a real calendar date", None),
                },
                (Some(d), _, _) => self.wrong(
                    key,
                    v,
                    "a date (YYYY-MM-DD) without a time",
                    Some(format!(
                        "drop the time: `{key} = {:04}-{:02}-{:02}`",
                        d.year, d.month, d.day
                    )),
                ),
                _ => self.wrong(key, v, "a date (YYYY-MM-DD)", None),
            },
            _ => self.wrong(key, v, "a date (YYYY-MM-DD)", None),
        }
    }

    /// A date recording something that happened: it may not lie after today.
    pub fn past_date(&self, key: &'a str, req: Req) -> Option<Sp<Date>> {
        let d = self.date(key, req)?;
        if d.v > self.sink.today {
            self.sink.report(
                &rules::FUTURE_DATE,
                Some(d.span.clone()),
                format!("`{}{key}` is {}, after today ({})", self.prefix(), d.v, self.sink.today),
                Some("only due dates and next_review may lie in the future; set `today` in dossier.toml or pass --today to pin the date".into()),
            );
        }
        Some(d)
    }

    /// An array of strings (each element checked).
    pub fn str_list(&self, key: &'a str, req: Req) -> Option<Sp<Vec<Sp<String>>>> {
        let v = self.raw(key, req)?;
        let Value::Array(Array { items, .. }) = &v.value else {
            return self.wrong(
                key,
                v,
                "an array of strings",
                Some(format!("write `{key} = [\"…\"]`")),
            );
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match &item.value {
                Value::String(s) => out.push(self.sp(item, s.to_string())),
                other => {
                    self.sink.report(
                        &rules::WRONG_TYPE,
                        Some(self.sink.span(item.span.clone())),
                        format!(
                            "`{}{key}` must contain strings only, found {}",
                            self.prefix(),
                            other.type_name()
                        ),
                        None,
                    );
                }
            }
        }
        Some(self.sp(v, out))
    }

    /// A sub-table (`[credit]` or `credit = { … }`).
    pub fn table(&self, key: &'a str, req: Req) -> Option<Table<'a, 's>> {
        let v = self.raw(key, req)?;
        match &v.value {
            Value::Table(t) => {
                let at = self.sink.span(v.span.clone());
                Some(Table::with_prefix(
                    self.sink,
                    t,
                    at.start..at.start,
                    self.child_prefix(key, None),
                ))
            }
            _ => self.wrong(
                key,
                v,
                "a table",
                Some(format!("write it as a `[{}{key}]` section", self.prefix())),
            ),
        }
    }

    /// The prefix of a table under this one: its parts for a table under a top-level
    /// one (joined by a finding that needs them), written out deeper down.
    fn child_prefix(&self, key: &'a str, item: Option<usize>) -> Prefix<'a> {
        match &self.prefix {
            Prefix::Text(p) if p.is_empty() => Prefix::Child { key, item },
            _ => Prefix::Text(join_prefix(&self.prefix(), key, item)),
        }
    }

    /// An array of tables (`[[contact]]`). A missing key is an empty list.
    pub fn tables(&self, key: &'a str) -> Vec<Table<'a, 's>> {
        let Some(v) = self.raw(key, OPT) else {
            return Vec::new();
        };
        let Value::Array(Array { items, .. }) = &v.value else {
            self.wrong::<()>(
                key,
                v,
                "an array of tables",
                Some(format!("write each entry as `[[{}{key}]]`", self.prefix())),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match &item.value {
                Value::Table(t) => {
                    let at = self.sink.span(item.span.clone());
                    out.push(Table::with_prefix(
                        self.sink,
                        t,
                        at.start..at.start,
                        self.child_prefix(key, Some(i + 1)),
                    ));
                }
                other => self.sink.report(
                    &rules::WRONG_TYPE,
                    Some(self.sink.span(item.span.clone())),
                    format!(
                        "`{}{key}` must contain tables only, found {}",
                        self.prefix(),
                        other.type_name()
                    ),
                    None,
                ),
            }
        }
        out
    }

    /// A table of free-form string values (`[contact.private]`).
    pub fn str_map(&self, key: &'a str) -> Vec<(String, String)> {
        let Some(t) = self.table(key, OPT) else {
            return Vec::new();
        };
        let keys: Vec<(&str, Span)> = t.keys().collect();
        let mut out = Vec::new();
        for (k, _) in keys {
            if let Some(v) = t.str(k, OPT) {
                out.push((k.to_string(), v.v));
            }
        }
        out
    }

    /// Report every key that was never asked for as unknown.
    pub fn finish(self) {
        let mut unknown = (self.tbl.entries.iter().enumerate())
            .filter(|(i, _)| !self.was_used(*i))
            .peekable();
        if unknown.peek().is_none() {
            return; // the usual case: no need to list the known keys
        }
        let asked = self.asked.borrow().keys();
        for (_, e) in unknown {
            let (k, span) = (e.key.as_ref(), self.sink.span(e.key_span.clone()));
            let help = match did_you_mean(k, asked.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("known keys here: {}", asked.join(", ")),
            };
            self.sink.report(
                &rules::UNKNOWN_KEY,
                Some(span.clone()),
                format!("unknown key `{}{k}`", self.prefix()),
                Some(help),
            );
        }
    }
}

/// Parse TOML text (from `base` in its file): the quick reader where it can, the toml
/// crate where it declines (brackets nested deeper than `max_nesting` among others).
pub fn parse<'a>(sink: &Sink, text: &'a str, max_nesting: usize) -> Option<toml_tree::Table<'a>> {
    super::quick_toml::parse(text, max_nesting, usize::MAX).or_else(|| parse_with_toml(sink, text))
}

/// Parse TOML text with the toml crate, and report a syntax error with its span.
pub fn parse_with_toml<'a>(sink: &Sink, text: &'a str) -> Option<toml_tree::Table<'a>> {
    match toml::de::DeTable::parse(text) {
        Ok(t) => Some(toml_tree::from_toml(t.get_ref())),
        Err(e) => {
            let span = e
                .span()
                .map(|s| sink.span(s))
                .unwrap_or(sink.base..sink.base);
            let msg = e.message().trim().to_string();
            sink.report(
                &rules::TOML_SYNTAX,
                Some(span),
                format!("TOML syntax error: {msg}"),
                None,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings name the 10th contact `contact[10].`, not `contact[1].` or `contact[0]`.
    #[test]
    fn item_numbers_in_prefixes_have_every_digit() {
        for n in [0, 7, 10, 99, 100, 12_345] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
