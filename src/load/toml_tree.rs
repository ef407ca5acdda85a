//! A parsed TOML document as the loader reads it: every key and value with its span
//! (byte offsets in the parsed text).
//!
//! Two parsers produce it. [`super::quick_toml`] reads the plain TOML that account
//! files are written in, without copying strings; the toml crate reads everything else
//! and reports every syntax error, and [`from_toml`] converts its result. Both give the
//! same tree for the same text (a property test holds them to it), so which one ran
//! never shows in the output.

use std::borrow::Cow;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
pub use toml::value::{Date as TomlDate, Datetime};

pub type Span = Range<usize>;

/// A value and where it was written: the token, the brackets of an array or inline
/// table, or the `[header]` of a table (for a table created by a longer header, such
/// as `a` by `[a.b]`, its key).
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub span: Span,
    pub value: Value<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    String(Cow<'a, str>),
    /// As written, without `_` and without a `0x`/`0o`/`0b` prefix; sign kept.
    Integer {
        text: Cow<'a, str>,
        radix: u32,
    },
    /// As written, without `_`.
    Float(Cow<'a, str>),
    Boolean(bool),
    Datetime(Datetime),
    Array(Array<'a>),
    Table(Table<'a>),
}

impl Value<'_> {
    /// "a string", "an integer", … for findings.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer { .. } => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date/time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Array<'a> {
    pub items: Vec<Node<'a>>,
    /// Made by `[[header]]`s (more may be appended), not written as `[…]`.
    pub(crate) of_tables: bool,
}

/// How a table came to be; decides what a later `[header]` may do with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The document itself, or a `[header]` / `[[header]]` item.
    #[default]
    Header,
    /// Only named on the way to a longer header (`a` in `[a.b]`).
    Implicit,
    /// `{ … }`: closed, nothing may be added later.
    Inline,
}

/// Entries in the order they were written.
#[derive(Debug, Clone, Default)]
pub struct Table<'a> {
    pub entries: Vec<Entry<'a>>,
    pub(crate) origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_span: Span,
    pub node: Node<'a>,
}

impl<'a> Table<'a> {
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }
}

// How a table or array was made is parse state, not content: two trees are equal when
// their keys, values and spans are.
impl PartialEq for Table<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl PartialEq for Array<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

/// The tree of a document the toml crate parsed.
pub fn from_toml<'a>(t: &DeTable<'a>) -> Table<'a> {
    Table {
        entries: t
            .iter()
            .map(|(k, v)| Entry {
                key: k.get_ref().clone(),
                key_span: k.span(),
                node: node(v),
            })
            .collect(),
        origin: Origin::Header,
    }
}

fn node<'a>(v: &toml::Spanned<DeValue<'a>>) -> Node<'a> {
    let value = match v.get_ref() {
        DeValue::String(s) => Value::String(s.clone()),
        DeValue::Integer(i) => Value::Integer {
            text: Cow::Owned(i.as_str().to_string()),
            radix: i.radix(),
        },
        DeValue::Float(f) => Value::Float(Cow::Owned(f.as_str().to_string())),
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(*d),
        DeValue::Array(a) => Value::Array(Array {
            items: a.iter().map(node).collect(),
            of_tables: false,
        }),
        DeValue::Table(t) => Value::Table(from_toml(t)),
    };
    Node {
        span: v.span(),
        value,
    }
}
