//! Markdown → safe HTML for dossier pages.
//!
//! Pipeline: pulldown-cmark events (with source offsets) → one rewrite pass
//! (heading ids, links, code highlighting, footnotes, tables, search text,
//! problems) → pulldown-cmark's HTML writer → ammonia.
//!
//! ammonia is the security boundary. The rewrite pass shapes the output and
//! reports problems to the author, but nothing before ammonia is relied on
//! for safety: contributor raw HTML reaches it unchanged or not at all.
//!
//! Rendering time is linear in the input. pulldown-cmark is linear by design,
//! but html5ever (inside ammonia) has two quadratic spots that this module
//! works around:
//! - tree building scans the stack of open elements, so deep nesting costs
//!   O(depth) per tag: Markdown nesting is capped at `MAX_NESTING` and raw
//!   HTML that would nest deeper than `MAX_RAW_DEPTH` is dropped;
//! - serialising rescans a text node or attribute value to its end at every
//!   `&` or U+0080–U+00BF character: long text runs are split with empty
//!   comments (`<!---->`, stripped by ammonia, which leaves separate short
//!   text nodes) and attribute values are length-capped.
//!
//! The HTML is sanitised in chunks of top-level blocks, so memory stays
//! proportional to a chunk (plus input and output), not to the document.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use ammonia::Builder;
use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};
use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;
use unicode_normalization::UnicodeNormalization;

/// Highlighting classes are prefixed so that scope names such as `comment`
/// or `string` cannot clash with the site's own CSS.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };
/// Highlighting cost per line depends on the grammar's regexes; capping lines
/// and line length keeps a block's cost linear and bounded. The rest of a
/// block past either cap is shown as plain escaped text.
const MAX_HL_LINES: usize = 2_000;
const MAX_HL_LINE_BYTES: usize = 1_024;
/// Deepest nesting of lists, quotes and emphasis that keeps its markup;
/// deeper levels keep only their content.
const MAX_NESTING: usize = 32;
/// Deepest (estimated) nesting of contributor raw HTML elements.
const MAX_RAW_DEPTH: usize = 128;
/// Longest raw HTML tag (attributes included) that is kept.
const MAX_RAW_TAG_BYTES: usize = 1_024;
/// Longest text node handed to the sanitiser (see module docs).
const TEXT_CHUNK: usize = 512;
const SPLIT: &str = "<!---->";
/// Events rendered before sanitising a chunk (see [`Markdown::render`]).
const FLUSH_EVENTS: usize = 4_096;
/// Caps for attribute values we generate (see module docs).
const MAX_URL_BYTES: usize = 2_048;
const MAX_ATTR_CHARS: usize = 512;
const MAX_ID_CHARS: usize = 80;

/// Tags kept by the sanitiser: what our Markdown rendering emits, plus a few
/// harmless inline tags authors commonly write by hand.
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "a", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "mark", "ol", "p", "pre", "section", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
];
/// Tags removed together with their content (not unwrapped into text).
/// Includes every element whose content html5ever parses as raw text.
#[rustfmt::skip]
const DROP_WITH_CONTENT: &[&str] = &[
    "applet", "audio", "button", "canvas", "embed", "form", "frame", "frameset", "iframe", "math",
    "noembed", "noframes", "noscript", "object", "plaintext", "script", "select", "style", "svg",
    "template", "textarea", "title", "video", "xmp",
];
/// Classes our own output uses; any other class (besides the `hl-` and
/// `language-` families) is stripped so raw HTML cannot borrow site styling.
#[rustfmt::skip]
const CLASSES: &[&str] = &[
    "align-center", "align-left", "align-right", "anchor", "broken-link", "footnote-definition",
    "footnote-definition-label", "footnote-reference", "highlight",
];
/// HTML elements without content: they never stay open.
#[rustfmt::skip]
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];
/// Elements whose end tag html5ever implies when closing a block around them.
const IMPLIED_END: &[&str] = &[
    "dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc",
];
/// Block elements: their start tag closes an open `p`, their end tag closes
/// elements with implied end tags.
#[rustfmt::skip]
const BLOCKS: &[&str] = &[
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "li", "listing", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "ul",
];
/// html5ever's "formatting elements": they stay in its list of active
/// formatting elements even after being closed implicitly.
#[rustfmt::skip]
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// The renderer: a syntax set and a sanitiser, built once by [`Markdown::new`]
/// and shared (it is `Send + Sync`) by all threads rendering pages.
pub struct Markdown {
    syntaxes: SyntaxSet,
    sanitizer: Builder<'static>,
}

#[derive(Clone, Copy)]
pub struct RenderOptions<'a> {
    /// Byte offset of `src` inside its file (front matter before it), so reported offsets are file offsets.
    pub base_offset: usize,
    /// Resolves a relative link target (already stripped of `#fragment` and `?query`, and
    /// percent-decoded) that ends in `.md` or points to an asset, e.g. "reviews/2026-09-18-q3.md",
    /// "assets/org.svg" or "../other-account/plan.md". Returns the URL to put in href/src, or None
    /// if the target does not exist. Also called for targets with a leading `/` (after reporting
    /// [`ProblemKind::AbsolutePathLink`]), so it decides whether those are usable.
    pub resolve: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Make a `<h2>`..`<h6>` table of contents only when the document has at least this many
    /// `<h2>`..`<h6>` headings.
    pub toc_min_headings: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitised HTML, safe to embed in a page.
    pub html: String,
    /// h2–h6 headings, empty when there are fewer than `toc_min_headings`.
    pub toc: Vec<TocEntry>,
    /// Plain text split at each heading, for the search index.
    pub sections: Vec<Section>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// Heading id; None for text before the first heading.
    pub anchor: Option<String>,
    pub heading: String,
    /// Whitespace-collapsed plain text, code blocks included.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// File byte offsets (`base_offset` already added).
    pub start: usize,
    pub end: usize,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// Relative link/image whose target `resolve` does not know, or an empty or over-long target.
    BrokenLink,
    /// Link/image with a scheme other than http(s) (links: also mailto, tel); removed.
    UnsafeUrl,
    /// Raw HTML (one per HTML block or inline tag) that is more than comments, text and
    /// attribute-less allowed tags, so the sanitiser may have changed it; or that was
    /// dropped whole: unterminated, over-long (> 1 KiB) tags or nesting deeper than 128.
    RawHtmlRemoved,
    /// Target starting with `/` (or `\`): works only at one deployment root.
    AbsolutePathLink,
}

impl Default for Markdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Markdown {
    /// Loads the syntax set and builds the sanitiser: do it once and share.
    pub fn new() -> Markdown {
        let set = |items: &[&'static str]| items.iter().copied().collect::<HashSet<_>>();
        let mut tag_attributes = HashMap::new();
        tag_attributes.insert("a", set(&["href", "title", "rel", "aria-hidden"]));
        tag_attributes.insert("img", set(&["src", "alt", "title"]));
        tag_attributes.insert("input", set(&["checked", "disabled"]));
        tag_attributes.insert("ol", set(&["start"]));
        // Ids are needed for heading anchors and footnotes; heading attribute
        // syntax is off, so authors can only set them through raw HTML.
        for tag in [
            "h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "div", "section",
        ] {
            tag_attributes.insert(tag, set(&["id"]));
        }
        let mut input_values = HashMap::new();
        input_values.insert("type", set(&["checkbox"]));
        let mut tag_attribute_values = HashMap::new();
        tag_attribute_values.insert("input", input_values);

        let mut sanitizer = Builder::empty();
        sanitizer
            .tags(set(TAGS))
            .clean_content_tags(set(DROP_WITH_CONTENT))
            .tag_attributes(tag_attributes)
            .tag_attribute_values(tag_attribute_values)
            // Checkboxes are always read-only, even in raw HTML.
            .set_tag_attribute_value("input", "disabled", "")
            .generic_attributes(set(&["class"]))
            .generic_attribute_prefixes(HashSet::new())
            .url_schemes(set(&["http", "https", "mailto", "tel"]))
            // We add rel ourselves, only on external links.
            .link_rel(None)
            .strip_comments(true)
            .id_prefix(None)
            .attribute_filter(|_element, attribute, value| {
                if matches!(attribute, "href" | "src") && leaves_site(value) {
                    return None;
                }
                if attribute != "class" {
                    return Some(value.into());
                }
                let kept: Vec<&str> = value
                    .split_ascii_whitespace()
                    .filter(|c| class_allowed(c))
                    .collect();
                (!kept.is_empty()).then(|| kept.join(" ").into())
            });
        Markdown {
            syntaxes: two_face::syntax::extra_newlines(),
            sanitizer,
        }
    }

    /// Renders one page body. Never panics; time and memory are linear in `src.len()`.
    /// Run inside [`with_link_depth`] to drop raw-HTML links that climb out of the site.
    pub fn render(&self, src: &str, opts: &RenderOptions<'_>) -> Rendered {
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_STRIKETHROUGH;
        let mut pass = Pass::new(self, opts);
        for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
            let top_level_end = matches!(event, Event::End(_)) && pass.depth == 1;
            pass.event(event, range);
            // Sanitise in chunks between top-level blocks, once no raw HTML
            // is left open: the parser then is in its initial state anyway,
            // and memory stays bounded for huge documents.
            if top_level_end && pass.out.len() >= FLUSH_EVENTS && pass.raw.is_empty() {
                pass.flush();
            }
        }
        pass.finish_section();
        pass.flush();
        let html = pass.html;

        let toc: Vec<TocEntry> = pass.headings.into_iter().filter(|h| h.level >= 2).collect();
        let toc = if toc.len() >= opts.toc_min_headings {
            toc
        } else {
            Vec::new()
        };
        Rendered {
            html,
            toc,
            sections: pass.sections,
            problems: pass.problems,
        }
    }

    fn find_syntax(&self, lang: &str) -> Option<&SyntaxReference> {
        let lang = lang.to_ascii_lowercase();
        let token = match lang.as_str() {
            "shell" | "sh" | "zsh" | "console" | "shell-session" => "bash",
            "text" | "txt" | "plain" | "plaintext" => return None,
            other => other,
        };
        self.syntaxes.find_syntax_by_token(token)
    }

    /// `<pre><code>` for a code block; `lang` is already restricted to `[A-Za-z0-9_+-]`.
    fn code_block(&self, lang: Option<&str>, code: &str) -> String {
        let class = lang
            .map(|l| format!(" class=\"language-{l}\""))
            .unwrap_or_default();
        match lang
            .and_then(|l| self.find_syntax(l))
            .and_then(|s| self.highlight(s, code))
        {
            Some(body) => {
                format!("<pre class=\"highlight hl-code\"><code{class}>{body}</code></pre>\n")
            }
            None => format!(
                "<pre class=\"hl-code\"><code{class}>{}</code></pre>\n",
                escape_split(code)
            ),
        }
    }

    fn highlight(&self, syntax: &SyntaxReference, code: &str) -> Option<String> {
        let mut generator =
            ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, CLASS_STYLE);
        let mut done = 0;
        for (i, line) in LinesWithEndings::from(code).enumerate() {
            if i >= MAX_HL_LINES || line.len() > MAX_HL_LINE_BYTES {
                break;
            }
            // An error means a broken grammar: fall back to plain text.
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
            done += line.len();
        }
        let mut html = generator.finalize();
        html.push_str(&escape_split(&code[done..]));
        Some(html)
    }
}

/// Light highlighting stylesheet (InspiredGitHub), wrapped in
/// `@media (prefers-color-scheme: light)`.
///
/// Both stylesheets are wrapped in mutually exclusive media queries rather
/// than layering dark over light: the two themes colour different sets of
/// scopes, so a dark sheet layered on top would leave some light colours
/// (unreadable on a dark background) in place. Link both, in any order.
pub fn highlight_css_light() -> String {
    theme_css("InspiredGitHub", "light")
}

/// Dark highlighting stylesheet (base16-ocean.dark), wrapped in
/// `@media (prefers-color-scheme: dark)` (see [`highlight_css_light`]).
pub fn highlight_css_dark() -> String {
    theme_css("base16-ocean.dark", "dark")
}

fn theme_css(theme: &str, scheme: &str) -> String {
    // Both themes ship with syntect's `default-themes` feature.
    let themes = ThemeSet::load_defaults();
    let css = css_for_theme_with_class_style(&themes.themes[theme], CLASS_STYLE)
        .expect("syntect CSS generation only fails on a write error to String");
    let indented: String = css
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                "\n".to_string()
            } else {
                format!("  {l}\n")
            }
        })
        .collect();
    format!(
        "/* syntect theme {theme} */\n@media (prefers-color-scheme: {scheme}) {{\n{indented}}}\n"
    )
}

fn class_allowed(class: &str) -> bool {
    class.starts_with("hl-") || class.starts_with("language-") || CLASSES.contains(&class)
}

/// Escapes text for use in element content and double-quoted attributes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] for element content, split into short text nodes.
fn escape_split(s: &str) -> String {
    text_pieces(s)
        .into_iter()
        .map(escape)
        .collect::<Vec<_>>()
        .join(SPLIT)
}

/// Splits text into pieces of about [`TEXT_CHUNK`] bytes, at char
/// boundaries and never inside a character reference like `&amp;`.
fn text_pieces(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut reference) = (0, None);
    for (i, c) in s.char_indices() {
        let in_reference = reference
            .is_some_and(|r: usize| i - r < 40 && (c.is_ascii_alphanumeric() || "#;".contains(c)));
        if !in_reference {
            reference = None;
            if i - start >= TEXT_CHUNK {
                pieces.push(&s[start..i]);
                start = i;
            }
        }
        match c {
            '&' => reference = Some(i),
            ';' => reference = None,
            _ => {}
        }
    }
    pieces.push(&s[start..]);
    pieces
}

/// Truncates an attribute value to [`MAX_ATTR_CHARS`].
fn truncate(s: &str) -> &str {
    s.char_indices()
        .nth(MAX_ATTR_CHARS)
        .map_or(s, |(i, _)| &s[..i])
}

/// Heading id: NFC, ASCII letters/digits lowercased, every other ASCII char
/// and non-alphanumeric non-ASCII char becomes a (collapsed) `-`; non-ASCII
/// letters and digits (CJK, accented letters) are kept as they are.
fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.nfc().take(4 * MAX_ID_CHARS) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(MAX_ID_CHARS).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug.to_string()
    }
}

/// The URL scheme, lowercased, if `url` (already stripped of whitespace and
/// control characters) has one.
fn scheme_of(url: &str) -> Option<String> {
    let scheme = &url[..url.find(':')?];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Decodes `%XX` escapes so `resolve` sees file names; invalid UTF-8 keeps the raw text.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Collapses whitespace runs into single spaces and trims.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One piece of raw HTML as html5ever's tokenizer would see it (closely
/// enough for the estimates below).
enum RawToken {
    Text(usize),
    /// Comment, doctype, CDATA, processing instruction; `plain` for a `<!--…-->` comment.
    Comment {
        len: usize,
        plain: bool,
    },
    Tag {
        len: usize,
        end: bool,
        name: String,
        attributes: bool,
    },
    /// A tag or comment without its end: html5ever would read on into whatever follows.
    Unterminated,
}

fn raw_token(s: &str) -> RawToken {
    let b = s.as_bytes();
    let starts_markup = |i: usize| {
        b[i] == b'<'
            && b.get(i + 1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || b"/!?".contains(&c))
    };
    if !starts_markup(0) {
        return RawToken::Text((1..b.len()).find(|&i| starts_markup(i)).unwrap_or(b.len()));
    }
    let to_gt = |from: usize| s[from..].find('>').map(|i| from + i + 1);
    if s.starts_with("<!--") {
        // `<!-->` and `<!--->` are complete comments for html5ever, as is one ending in `--!>`.
        let end = [
            s[2..].find("-->").map(|i| i + 5),
            s[2..].find("--!>").map(|i| i + 6),
        ]
        .into_iter()
        .flatten()
        .min();
        return end.map_or(RawToken::Unterminated, |len| RawToken::Comment {
            len,
            plain: true,
        });
    }
    let end = b[1] == b'/';
    if b[1] == b'!' || b[1] == b'?' || (end && !b.get(2).is_some_and(|c| c.is_ascii_alphabetic())) {
        return to_gt(1).map_or(RawToken::Unterminated, |len| RawToken::Comment {
            len,
            plain: false,
        });
    }
    // Tag name, then attributes: `name`, `name=value`, `name="value"`, `name='value'`.
    let start = if end { 2 } else { 1 };
    let mut i = start;
    while i < b.len() && !b[i].is_ascii_whitespace() && !b"/>".contains(&b[i]) {
        i += 1;
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attributes = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return RawToken::Unterminated,
            Some(b'>') => {
                return RawToken::Tag {
                    len: i + 1,
                    end,
                    name,
                    attributes,
                }
            }
            Some(_) => attributes = true,
        }
        i += 1; // an attribute name may start with `=`
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"/>=".contains(&b[i]) {
            i += 1;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => match s[i + 1..].find(q as char) {
                    Some(close) => i += close + 2,
                    None => return RawToken::Unterminated,
                },
                _ => {
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                }
            }
        }
    }
}

/// Conservative model of how deep html5ever nests contributor raw HTML
/// (open elements plus active formatting elements), to refuse raw HTML
/// that would make parsing quadratic.
#[derive(Default)]
struct RawHtml {
    open: Vec<String>,
    formatting: HashMap<String, usize>,
    formatting_total: usize,
}

enum Undo {
    Opened,
    Closed(String),
    Formatting(String),
    Unformatting(String),
}

impl RawHtml {
    fn is_empty(&self) -> bool {
        self.open.is_empty() && self.formatting_total == 0
    }

    /// Checks one raw HTML event. Returns the HTML to emit (long text runs
    /// split) and whether it is *plain*, or why it is dropped.
    ///
    /// Plain means only comments, text and attribute-less tags from
    /// the allow-list, i.e. the sanitiser keeps it as written. Anything else
    /// is reported as `RawHtmlRemoved`: deliberately conservative, since an
    /// attribute the sanitiser keeps (say `<a href>`) is reported too —
    /// telling for sure would mean re-implementing the sanitiser.
    ///
    /// Dropped (not emitted at all): unterminated or over-long tags (they
    /// would swallow the following markup), and anything nesting deeper than
    /// [`MAX_RAW_DEPTH`].
    fn admit(&mut self, html: &str) -> Result<(String, bool), &'static str> {
        let mut out = String::with_capacity(html.len() + html.len() / 64);
        let mut plain = true;
        let mut undo = Vec::new();
        let mut rest = html;
        let verdict = loop {
            if rest.is_empty() {
                break Ok(());
            }
            let len = match raw_token(rest) {
                RawToken::Text(len) => {
                    out.push_str(&text_pieces(&rest[..len]).join(SPLIT));
                    rest = &rest[len..];
                    continue;
                }
                RawToken::Unterminated => break Err("unterminated tag or comment dropped"),
                RawToken::Comment {
                    len,
                    plain: comment,
                } => {
                    plain &= comment;
                    len
                }
                RawToken::Tag { len, .. } if len > MAX_RAW_TAG_BYTES => {
                    break Err("over-long tag dropped")
                }
                RawToken::Tag {
                    len,
                    end,
                    name,
                    attributes,
                } => {
                    plain &= !attributes && TAGS.contains(&name.as_str());
                    if end {
                        self.close(&name, &mut undo);
                    } else if !self.open(name, &mut undo) {
                        break Err("too deeply nested HTML dropped");
                    }
                    len
                }
            };
            out.push_str(&rest[..len]);
            rest = &rest[len..];
        };
        match verdict {
            Ok(()) => Ok((out, plain)),
            Err(why) => {
                self.undo(undo);
                Err(why)
            }
        }
    }

    fn open(&mut self, name: String, undo: &mut Vec<Undo>) -> bool {
        // Blocks close an open `<p>`; siblings like `<li><li>` close each other.
        if BLOCKS.contains(&name.as_str()) && self.open.last().is_some_and(|top| top == "p") {
            undo.push(Undo::Closed(self.open.pop().unwrap_or_default()));
        }
        let sibling = ["p", "li", "dt", "dd", "td", "th", "tr", "option"].contains(&name.as_str());
        if sibling && self.open.last() == Some(&name) {
            undo.push(Undo::Closed(self.open.pop().unwrap_or_default()));
        }
        if FORMATTING.contains(&name.as_str()) {
            *self.formatting.entry(name.clone()).or_default() += 1;
            self.formatting_total += 1;
            undo.push(Undo::Formatting(name.clone()));
        }
        if !VOID.contains(&name.as_str()) {
            self.open.push(name);
            undo.push(Undo::Opened);
        }
        self.open.len() + self.formatting_total <= MAX_RAW_DEPTH
    }

    /// Closes only what html5ever certainly closes too: the element itself
    /// if it is the current node, or (for block elements) if only elements
    /// with implied end tags are open inside it. Anything else may be an
    /// end tag html5ever ignores, so the model keeps the element open.
    fn close(&mut self, name: &str, undo: &mut Vec<Undo>) {
        let implied_above = BLOCKS.contains(&name);
        let at = self
            .open
            .iter()
            .rposition(|n| n == name || !(implied_above && IMPLIED_END.contains(&n.as_str())))
            .filter(|&at| self.open[at] == name);
        if let Some(at) = at {
            undo.extend(self.open.drain(at..).rev().map(Undo::Closed));
        }
        // html5ever forgets a formatting element on its end tag unless the
        // element is still open but out of reach (then the model keeps it).
        let unreachable = at.is_none() && self.open.iter().any(|n| n == name);
        if let Some(count) = self
            .formatting
            .get_mut(name)
            .filter(|c| **c > 0 && !unreachable)
        {
            *count -= 1;
            self.formatting_total -= 1;
            undo.push(Undo::Unformatting(name.to_string()));
        }
    }

    fn undo(&mut self, undo: Vec<Undo>) {
        for step in undo.into_iter().rev() {
            match step {
                Undo::Opened => {
                    self.open.pop();
                }
                Undo::Closed(name) => self.open.push(name),
                Undo::Formatting(name) => {
                    *self.formatting.entry(name).or_default() -= 1;
                    self.formatting_total -= 1;
                }
                Undo::Unformatting(name) => {
                    *self.formatting.entry(name).or_default() += 1;
                    self.formatting_total += 1;
                }
            }
        }
    }
}

struct OpenHeading {
    level: u8,
    /// Index in `out` of the placeholder replaced by `<hN id=…>` once the text (and so the id) is known.
    placeholder: usize,
    text: String,
}

struct OpenImage {
    /// Images nest inside image alt text; only the outermost one is emitted.
    depth: usize,
    src: Option<String>,
    title: String,
    alt: String,
}

/// State of the single rewrite pass over pulldown-cmark's events.
struct Pass<'a, 'o> {
    md: &'a Markdown,
    opts: &'a RenderOptions<'o>,
    out: Vec<Event<'a>>,
    /// Sanitised HTML of the events already flushed.
    html: String,
    /// Nesting depth of pulldown-cmark's Start/End events.
    depth: usize,
    /// Bytes of text emitted since the last markup (see [`TEXT_CHUNK`]).
    text_run: usize,
    problems: Vec<Problem>,
    used_ids: HashSet<String>,
    id_suffixes: HashMap<String, usize>,
    headings: Vec<TocEntry>,
    heading: Option<OpenHeading>,
    sections: Vec<Section>,
    section: Section,
    /// For each open nestable tag, whether its markup was kept (see [`MAX_NESTING`]).
    nesting: Vec<bool>,
    kept_nesting: usize,
    /// Closing tag for each open link (`</a>`, or `</span>` for a dropped link).
    links: Vec<&'static str>,
    image: Option<OpenImage>,
    /// Sanitised language and text of the open code block.
    code: Option<(Option<String>, String)>,
    /// Source range and text of the open raw HTML block.
    html_block: Option<(Range<usize>, String)>,
    raw: RawHtml,
    aligns: Vec<Alignment>,
    in_table_head: bool,
    cell: usize,
    /// Footnote label (lowercased, labels match case-insensitively) → number, in order of first use.
    footnotes: HashMap<String, usize>,
}

impl<'a, 'o> Pass<'a, 'o> {
    fn new(md: &'a Markdown, opts: &'a RenderOptions<'o>) -> Self {
        Pass {
            md,
            opts,
            out: Vec::new(),
            html: String::new(),
            depth: 0,
            text_run: 0,
            problems: Vec::new(),
            used_ids: HashSet::new(),
            id_suffixes: HashMap::new(),
            headings: Vec::new(),
            heading: None,
            sections: Vec::new(),
            section: Section::default(),
            nesting: Vec::new(),
            kept_nesting: 0,
            links: Vec::new(),
            image: None,
            code: None,
            html_block: None,
            raw: RawHtml::default(),
            aligns: Vec::new(),
            in_table_head: false,
            cell: 0,
            footnotes: HashMap::new(),
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        match &event {
            Event::Start(_) => self.depth += 1,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&text);
                } else {
                    self.plain(&text);
                    self.emit(Event::Text(text));
                }
            }
            Event::Code(text) => {
                self.plain(&text);
                self.emit(Event::Code(text));
            }
            Event::Html(html) => match &mut self.html_block {
                Some((_, block)) => block.push_str(&html),
                None => self.raw_html(&html, &range, "HTML"),
            },
            Event::InlineHtml(html) => self.raw_html(&html, &range, "inline HTML"),
            Event::FootnoteReference(label) => {
                let n = self.footnote(&label);
                let html =
                    format!("<sup class=\"footnote-reference\"><a href=\"#fn:{n}\">{n}</a></sup>");
                self.emit(Event::Html(html.into()));
            }
            Event::SoftBreak | Event::HardBreak => {
                self.plain(" ");
                self.emit(event);
            }
            other => self.emit(other),
        }
    }

    fn start(&mut self, tag: Tag<'a>, range: Range<usize>) {
        if let Some(image) = &mut self.image {
            // Inside alt text only text matters; nested images just nest.
            image.depth += matches!(tag, Tag::Image { .. }) as usize;
            return;
        }
        match tag {
            Tag::Heading { level, .. } => {
                self.finish_section();
                let placeholder = self.out.len();
                self.push(Event::Html(CowStr::Borrowed("")));
                self.heading = Some(OpenHeading {
                    level: level as u8,
                    placeholder,
                    text: String::new(),
                });
            }
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        // The info string is untrusted: keep the first word's safe characters.
                        let word = info
                            .split(|c: char| c.is_whitespace() || c == ',')
                            .next()
                            .unwrap_or("");
                        let lang: String = word
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || "_+-".contains(*c))
                            .take(32)
                            .collect();
                        (!lang.is_empty()).then_some(lang)
                    }
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang, String::new()));
            }
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                // Email autolinks carry the bare address.
                let dest = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                match self.target(&dest, &range, false) {
                    Some((href, external)) => {
                        let mut html = format!("<a href=\"{}\"", escape(&href));
                        if !title.is_empty() {
                            html += &format!(" title=\"{}\"", escape(truncate(&title)));
                        }
                        if external {
                            html += " rel=\"noopener noreferrer\"";
                        }
                        html.push('>');
                        self.push(Event::Html(html.into()));
                        self.links.push("</a>");
                    }
                    None => {
                        self.push(Event::Html("<span class=\"broken-link\">".into()));
                        self.links.push("</span>");
                    }
                }
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let src = self.target(&dest_url, &range, true).map(|(src, _)| src);
                self.image = Some(OpenImage {
                    depth: 1,
                    src,
                    title: title.to_string(),
                    alt: String::new(),
                });
            }
            Tag::Table(aligns) => {
                self.aligns = aligns;
                self.push(Event::Html("<table>".into()));
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.cell = 0;
                self.push(Event::Html("<thead><tr>".into()));
            }
            Tag::TableRow => {
                self.cell = 0;
                self.push(Event::Html("<tr>".into()));
            }
            Tag::TableCell => {
                // Alignment as a class, so no style attribute needs to be allowed.
                let class = match self.aligns.get(self.cell) {
                    Some(Alignment::Left) => " class=\"align-left\"",
                    Some(Alignment::Center) => " class=\"align-center\"",
                    Some(Alignment::Right) => " class=\"align-right\"",
                    _ => "",
                };
                let cell = if self.in_table_head { "th" } else { "td" };
                self.push(Event::Html(format!("<{cell}{class}>").into()));
            }
            Tag::FootnoteDefinition(label) => {
                // Numbered ids (`fn:N`) instead of the author's label: cannot
                // collide with heading slugs, which never contain `:`.
                let n = self.footnote(&label);
                let html = format!(
                    "<div class=\"footnote-definition\" id=\"fn:{n}\"><sup class=\"footnote-definition-label\">{n}</sup>"
                );
                self.push(Event::Html(html.into()));
            }
            Tag::HtmlBlock => self.html_block = Some((range, String::new())),
            tag @ (Tag::List(_)
            | Tag::Item
            | Tag::BlockQuote(_)
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough) => {
                let keep = self.kept_nesting < MAX_NESTING;
                self.nesting.push(keep);
                if keep {
                    self.kept_nesting += 1;
                    self.push(Event::Start(tag));
                }
            }
            other => self.push(Event::Start(other)),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if let Some(image) = &mut self.image {
            if tag == TagEnd::Image {
                image.depth -= 1;
                if image.depth == 0 {
                    self.end_image();
                }
            }
            return;
        }
        match tag {
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::CodeBlock => {
                let (lang, code) = self.code.take().unwrap_or_default();
                let html = self.md.code_block(lang.as_deref(), &code);
                self.push(Event::Html(html.into()));
                self.plain(&code);
                self.plain(" ");
            }
            TagEnd::Link => {
                let close = self.links.pop().unwrap_or("</a>");
                self.push(Event::Html(close.into()));
            }
            TagEnd::Table => self.push(Event::Html("</tbody></table>\n".into())),
            TagEnd::TableHead => {
                self.in_table_head = false;
                self.push(Event::Html("</tr></thead><tbody>\n".into()));
            }
            TagEnd::TableRow => self.push(Event::Html("</tr>\n".into())),
            TagEnd::TableCell => {
                let cell = if self.in_table_head { "</th>" } else { "</td>" };
                self.push(Event::Html(cell.into()));
                self.cell += 1;
                self.plain(" ");
            }
            TagEnd::FootnoteDefinition => self.push(Event::Html("</div>\n".into())),
            TagEnd::HtmlBlock => {
                if let Some((range, html)) = self.html_block.take() {
                    self.raw_html(&html, &range, "HTML block");
                }
            }
            other => {
                // Block ends separate words in the search text; inline ends do not.
                let inline = matches!(
                    other,
                    TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough
                );
                if !inline {
                    self.plain(" ");
                }
                if inline
                    || matches!(
                        other,
                        TagEnd::List(_) | TagEnd::Item | TagEnd::BlockQuote(_)
                    )
                {
                    match self.nesting.pop() {
                        Some(false) => return,
                        Some(true) => self.kept_nesting -= 1,
                        None => {}
                    }
                }
                self.push(Event::End(other));
            }
        }
    }

    /// Passes contributor raw HTML on to the sanitiser (or drops it), reporting it if needed.
    fn raw_html(&mut self, html: &str, range: &Range<usize>, what: &str) {
        match self.raw.admit(html) {
            Ok((html, plain)) => {
                if !plain {
                    self.problem(
                        ProblemKind::RawHtmlRemoved,
                        range,
                        format!("{what} changed or removed by the sanitiser"),
                    );
                }
                self.emit(Event::Html(html.into()));
            }
            Err(why) => self.problem(ProblemKind::RawHtmlRemoved, range, format!("{what}: {why}")),
        }
    }

    fn end_heading(&mut self) {
        let Some(heading) = self.heading.take() else {
            return;
        };
        let text = collapse(&heading.text);
        let base = slugify(&text);
        // Remember the last suffix per base, so many equal headings stay linear.
        let n = self.id_suffixes.entry(base.clone()).or_insert(0);
        let mut id = base.clone();
        while !self.used_ids.insert(id.clone()) {
            *n += 1;
            id = format!("{base}-{n}");
        }
        let level = heading.level;
        self.out[heading.placeholder] = Event::Html(format!("<h{level} id=\"{id}\">").into());
        let close =
            format!(" <a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\">#</a></h{level}>\n");
        self.push(Event::Html(close.into()));
        self.headings.push(TocEntry {
            level,
            id: id.clone(),
            text: text.clone(),
        });
        self.section = Section {
            anchor: Some(id),
            heading: text,
            text: String::new(),
        };
    }

    fn end_image(&mut self) {
        let Some(image) = self.image.take() else {
            return;
        };
        let alt = escape(truncate(&collapse(&image.alt)));
        let html = match image.src {
            Some(src) => {
                let title = match truncate(&image.title) {
                    "" => String::new(),
                    title => format!(" title=\"{}\"", escape(title)),
                };
                format!("<img src=\"{}\" alt=\"{alt}\"{title}>", escape(&src))
            }
            None => format!("<span class=\"broken-link\">{alt}</span>"),
        };
        self.push(Event::Html(html.into()));
    }

    /// Renders and sanitises the events so far.
    fn flush(&mut self) {
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, self.out.drain(..));
        self.html
            .push_str(&self.md.sanitizer.clean(&html).to_string());
    }

    /// Emits markup.
    fn push(&mut self, event: Event<'a>) {
        self.text_run = 0;
        self.out.push(event);
    }

    /// Emits an inline event, or adds it to the alt text of the open image.
    fn emit(&mut self, event: Event<'a>) {
        if let Some(image) = &mut self.image {
            match &event {
                Event::Text(t) | Event::Code(t) => image.alt.push_str(t),
                Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
                _ => {}
            }
            return;
        }
        match event {
            Event::Text(text) if self.text_run + text.len() > TEXT_CHUNK => self.split_text(&text),
            Event::Text(text) => {
                self.text_run += text.len();
                self.out.push(Event::Text(text));
            }
            Event::SoftBreak => {
                self.text_run += 1;
                self.out.push(event);
            }
            Event::Code(text) if text.len() > TEXT_CHUNK => {
                self.push(Event::Html("<code>".into()));
                self.split_text(&text);
                self.push(Event::Html("</code>".into()));
            }
            other => self.push(other),
        }
    }

    /// Emits long text as pieces separated by empty comments (see [`TEXT_CHUNK`]).
    fn split_text(&mut self, text: &str) {
        for piece in text_pieces(text) {
            self.push(Event::Html(SPLIT.into()));
            self.out.push(Event::Text(piece.to_string().into()));
            self.text_run = piece.len();
        }
    }

    /// Appends to the search text (the heading's, while one is open).
    fn plain(&mut self, text: &str) {
        match &mut self.heading {
            Some(heading) => heading.text.push_str(text),
            None => self.section.text.push_str(text),
        }
    }

    fn finish_section(&mut self) {
        let mut section = std::mem::take(&mut self.section);
        section.text = collapse(&section.text);
        if section.anchor.is_some() || !section.text.is_empty() {
            self.sections.push(section);
        }
    }

    fn footnote(&mut self, label: &str) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(label.to_lowercase()).or_insert(next)
    }

    fn problem(&mut self, kind: ProblemKind, range: &Range<usize>, detail: String) {
        let base = self.opts.base_offset;
        self.problems.push(Problem {
            kind,
            start: base + range.start,
            end: base + range.end,
            detail,
        });
    }

    /// Decides what a link/image target becomes: `Some((url, external))`, or
    /// None (after recording a problem) when the link must be dropped.
    fn target(&mut self, dest: &str, range: &Range<usize>, image: bool) -> Option<(String, bool)> {
        if dest.len() > MAX_URL_BYTES {
            self.problem(
                ProblemKind::BrokenLink,
                range,
                format!("target longer than {MAX_URL_BYTES} bytes"),
            );
            return None;
        }
        // Browsers ignore whitespace and control characters inside a scheme
        // (`java\tscript:`); entities (`&#106;`) were already decoded by the parser.
        let squashed: String = dest
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        if let Some(scheme) = scheme_of(&squashed) {
            let allowed: &[&str] = if image {
                &["http", "https"]
            } else {
                &["http", "https", "mailto", "tel"]
            };
            if allowed.contains(&scheme.as_str()) {
                return Some((dest.trim().to_string(), true));
            }
            self.problem(
                ProblemKind::UnsafeUrl,
                range,
                format!("`{scheme}:` URLs are not allowed"),
            );
            return None;
        }
        let dest = dest.trim();
        if dest.starts_with('#') {
            return Some((dest.to_string(), false));
        }
        let (rest, fragment) = dest.split_at(dest.find('#').unwrap_or(dest.len()));
        let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
        if path.is_empty() {
            self.problem(ProblemKind::BrokenLink, range, "empty link target".into());
            return None;
        }
        let absolute = path.starts_with(['/', '\\']);
        if absolute {
            self.problem(
                ProblemKind::AbsolutePathLink,
                range,
                format!("`{path}` is an absolute path; link relative to this file instead"),
            );
        }
        let path = percent_decode(path);
        match (self.opts.resolve)(&path) {
            Some(url) if url.len() + query.len() + fragment.len() <= MAX_URL_BYTES => {
                Some((format!("{url}{query}{fragment}"), false))
            }
            _ => {
                if !absolute {
                    self.problem(
                        ProblemKind::BrokenLink,
                        range,
                        format!("`{path}` does not exist"),
                    );
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;
    use std::time::Instant;

    fn md() -> &'static Markdown {
        static MD: OnceLock<Markdown> = OnceLock::new();
        MD.get_or_init(Markdown::new)
    }

    /// Known files: a few pages and an asset, in the layout of a real dossier.
    fn resolve(path: &str) -> Option<String> {
        match path {
            "reviews/2026-09-18-q3.md" => Some("reviews/2026-09-18-q3.html".into()),
            "../other-account/plan.md" => Some("../other-account/plan.html".into()),
            "assets/org.svg" | "assets/org chart.svg" => Some("assets/org.svg".into()),
            _ => None,
        }
    }

    fn render_with(src: &str, base_offset: usize, toc_min_headings: usize) -> Rendered {
        md().render(
            src,
            &RenderOptions {
                base_offset,
                resolve: &resolve,
                toc_min_headings,
            },
        )
    }

    fn render(src: &str) -> Rendered {
        render_with(src, 0, 3)
    }

    fn kinds(r: &Rendered) -> Vec<ProblemKind> {
        r.problems.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn markdown_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Markdown>();
    }

    #[test]
    fn heading_ids_english_chinese_and_duplicates() {
        let r = render(
            "# Hello, World!\n\n## Hello World\n\n## 风险\n\n## 风险\n\n## !!!\n\n## Café Q3 — Plan\n",
        );
        let ids: Vec<&str> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            ["hello-world-1", "风险", "风险-1", "section", "café-q3-plan"]
        );
        assert!(
            r.html.contains(
                "<h1 id=\"hello-world\">Hello, World! <a class=\"anchor\" href=\"#hello-world\""
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"风险\">"));
        assert!(r.html.contains("<h2 id=\"风险-1\">"));
        assert_eq!(r.toc[1].text, "风险");
        assert_eq!(r.toc[1].level, 2);
    }

    #[test]
    fn heading_attribute_syntax_is_not_honoured() {
        let r = render("## Risks {#evil .admin}\n");
        assert!(
            r.html
                .contains("<h2 id=\"risks-evil-admin\">Risks {#evil .admin} <a"),
            "{}",
            r.html
        );
    }

    #[test]
    fn toc_threshold() {
        let src = "# Title\n\n## A\n\n### B\n\n## C\n";
        assert_eq!(render_with(src, 0, 3).toc.len(), 3);
        assert!(render_with(src, 0, 4).toc.is_empty());
        assert_eq!(render_with(src, 0, 0).toc[0].text, "A");
    }

    #[test]
    fn task_list_checkboxes_are_disabled() {
        let r = render("- [x] signed\n- [ ] invoiced\n");
        assert_eq!(r.html.matches("<input").count(), 2, "{}", r.html);
        assert_eq!(r.html.matches("disabled=\"\"").count(), 2, "{}", r.html);
        assert_eq!(r.html.matches("checked=\"\"").count(), 1, "{}", r.html);
        // Raw HTML checkboxes are forced read-only too.
        let r = render("<input type=checkbox> <input type=text>");
        assert!(
            r.html.contains("<input type=\"checkbox\" disabled=\"\">"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("text"), "{}", r.html);
    }

    #[test]
    fn footnotes() {
        let r =
            render("Renewal risk[^risk] and more[^b].\n\n[^b]: Second.\n[^risk]: Budget freeze.\n");
        assert!(
            r.html
                .contains("<sup class=\"footnote-reference\"><a href=\"#fn:1\">1</a></sup>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"#fn:2\">2</a>"), "{}", r.html);
        assert!(r.html.contains("<div class=\"footnote-definition\" id=\"fn:1\"><sup class=\"footnote-definition-label\">1</sup>"), "{}", r.html);
        assert!(r.html.contains("Budget freeze."));
        // An undefined footnote stays text.
        assert!(render("see [^nope").html.contains("[^nope"));
    }

    #[test]
    fn table_with_alignment_classes() {
        let r = render("| Name | ARR |\n|:-----|----:|\n| Acme | 1.2M |\n");
        assert!(r.html.contains("<table><thead><tr><th class=\"align-left\">Name</th><th class=\"align-right\">ARR</th></tr></thead><tbody>"), "{}", r.html);
        assert!(
            r.html.contains("<td class=\"align-right\">1.2M</td>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("style"));
    }

    #[test]
    fn strikethrough() {
        assert!(render("~~old price~~ new")
            .html
            .contains("<del>old price</del>"));
    }

    #[test]
    fn highlighting_produces_class_spans() {
        for (lang, code) in [
            ("toml", "[account]\nname = \"Acme\"\n"),
            ("sql", "SELECT id FROM deals WHERE arr > 10;\n"),
            ("json", "{\"a\": [1, true]}\n"),
            ("yaml", "owner: jane\nrisks:\n  - budget\n"),
            ("bash", "for f in *.md; do echo \"$f\"; done\n"),
            ("sh", "echo hi\n"),
            ("rust", "fn main() { let x = 1; }\n"),
            ("python", "def f(x):\n    return x\n"),
        ] {
            let r = render(&format!("```{lang}\n{code}```\n"));
            assert!(
                r.html
                    .contains(&format!("<code class=\"language-{lang}\">")),
                "{lang}: {}",
                r.html
            );
            assert!(r.html.contains("<span class=\"hl-"), "{lang}: {}", r.html);
        }
    }

    #[test]
    fn unknown_language_and_hostile_info_string_are_escaped() {
        let r = render("```nosuchlang\n<script>alert(1)</script>\n```\n");
        assert!(r.html.contains("<pre class=\"hl-code\"><code class=\"language-nosuchlang\">&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>"), "{}", r.html);
        let r = render("```\"><img src=x onerror=alert(1)>\nx\n```\n");
        assert!(
            r.html.contains("<code class=\"language-img\">"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(r.problems.is_empty());
        // Search text includes code.
        assert!(render("```sql\nSELECT 1\n```").sections[0]
            .text
            .contains("SELECT 1"));
    }

    #[test]
    fn highlighting_is_capped_per_block() {
        let code: String = (0..MAX_HL_LINES + 50)
            .map(|i| format!("let x{i} = {i};\n"))
            .collect();
        let r = render(&format!("```rust\n{code}```\n"));
        let tail = &r.html[r
            .html
            .find(&format!("let x{MAX_HL_LINES} ="))
            .expect("tail rendered")..];
        assert!(!tail.contains("<span"), "tail must be plain text");
        assert!(r.html.contains("let x2049 = 2049;"));
    }

    #[test]
    fn broken_relative_link_reports_file_offsets() {
        let src = "Intro.\n\nSee [the Q2 review](reviews/q2.md#risks) now.\n";
        let r = render_with(src, 120, 3);
        assert_eq!(kinds(&r), [ProblemKind::BrokenLink]);
        let link = "[the Q2 review](reviews/q2.md#risks)";
        let start = src.find(link).unwrap();
        assert_eq!(
            (r.problems[0].start, r.problems[0].end),
            (120 + start, 120 + start + link.len())
        );
        assert!(r.problems[0].detail.contains("reviews/q2.md"));
        assert!(
            r.html
                .contains("<span class=\"broken-link\">the Q2 review</span>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("href"));
    }

    #[test]
    fn resolved_links_keep_fragment() {
        let r = render(
            "[Q3](reviews/2026-09-18-q3.md#next-steps) [plan](../other-account/plan.md?x=1) [top](#intro)",
        );
        assert!(
            r.html
                .contains("<a href=\"reviews/2026-09-18-q3.html#next-steps\">Q3</a>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<a href=\"../other-account/plan.html?x=1\">plan</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"#intro\">top</a>"), "{}", r.html);
        assert!(r.problems.is_empty());
        // Percent-encoded names are decoded before resolving.
        assert!(render("![org](assets/org%20chart.svg)")
            .html
            .contains("<img src=\"assets/org.svg\" alt=\"org\">"));
    }

    #[test]
    fn external_links_get_rel() {
        let r =
            render("[site](https://example.com/a?b=1&c=2 \"Title\") <mail@example.com> [call](tel:+4912345)");
        assert!(r.html.contains("<a href=\"https://example.com/a?b=1&amp;c=2\" title=\"Title\" rel=\"noopener noreferrer\">site</a>"), "{}", r.html);
        assert!(
            r.html
                .contains("<a href=\"mailto:mail@example.com\" rel=\"noopener noreferrer\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"tel:+4912345\""), "{}", r.html);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn unsafe_urls_are_removed() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](javascript&colon;alert(1))",
            "[x](%20javascript:alert(1))",
            "[x](vbscript:msgbox)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](data:image/svg+xml,<svg/onload=alert(1)>)",
            "[x]: javascript:alert(1)\n\n[x]",
        ] {
            let r = render(src);
            assert!(
                !r.html.contains("href") && !r.html.contains("src="),
                "{src}: {}",
                r.html
            );
            assert!(
                !r.html.to_lowercase().contains("javascript:"),
                "{src}: {}",
                r.html
            );
            assert!(r.html.contains('x'), "{src}: text kept: {}", r.html);
            let expected = if src.starts_with("[x](%20") {
                ProblemKind::BrokenLink
            } else {
                ProblemKind::UnsafeUrl
            };
            assert_eq!(kinds(&r), [expected], "{src}");
        }
        // A control character makes it no link at all: plain text.
        assert!(!render("[x](\u{1}javascript:alert(1))")
            .html
            .contains("href"));
    }

    #[test]
    fn absolute_paths_are_reported() {
        let r = render("[pw](/etc/passwd) [x](//evil.example/x.md)");
        assert_eq!(
            kinds(&r),
            [ProblemKind::AbsolutePathLink, ProblemKind::AbsolutePathLink]
        );
        assert!(!r.html.contains("href"), "{}", r.html);
        // `resolve` decides whether the target is usable.
        let root = |p: &str| (p == "/x.md").then(|| "x.html".to_string());
        let r = md().render(
            "[x](/x.md)",
            &RenderOptions {
                base_offset: 0,
                resolve: &root,
                toc_min_headings: 0,
            },
        );
        assert!(r.html.contains("<a href=\"x.html\">x</a>"), "{}", r.html);
        assert_eq!(kinds(&r), [ProblemKind::AbsolutePathLink]);
    }

    #[test]
    fn images() {
        let r = render("![Org \\<chart\\> \"q\"](assets/org.svg \"Org\") ![gone](assets/nope.png) ![ext](https://example.com/a.png)");
        assert!(
            r.html.contains(
                "<img src=\"assets/org.svg\" alt=\"Org &lt;chart&gt; &quot;q&quot;\" title=\"Org\">"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<span class=\"broken-link\">gone</span>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<img src=\"https://example.com/a.png\" alt=\"ext\">"),
            "{}",
            r.html
        );
        assert_eq!(kinds(&r), [ProblemKind::BrokenLink]);
    }

    #[test]
    fn raw_html_is_sanitised_and_reported() {
        let src = "Hi <b>there</b>.\n\n<script>alert(1)</script>\n\n<div onclick=\"x()\">ok</div>\n\n<iframe src=x>inside</iframe>\n\n<!-- note -->\n\n<details><summary>More</summary>\n\nHidden\n\n</details>\n";
        let r = render_with(src, 7, 3);
        assert!(!r.html.contains("alert"), "{}", r.html);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(!r.html.contains("inside"), "{}", r.html);
        assert!(!r.html.contains("note"), "{}", r.html);
        assert!(r.html.contains("<div>ok</div>"), "{}", r.html);
        assert!(r.html.contains("<b>there</b>"), "{}", r.html);
        assert!(
            r.html.contains("<details><summary>More</summary>"),
            "{}",
            r.html
        );
        assert_eq!(
            kinds(&r),
            [ProblemKind::RawHtmlRemoved; 3],
            "{:?}",
            r.problems
        );
        let script = src.find("<script>").unwrap() + 7;
        assert_eq!(r.problems[0].start, script);
        assert!(r.problems[0].end > script + "<script>alert(1)</script>".len() - 1);
    }

    #[test]
    fn script_in_text_is_escaped() {
        let r = render("Text </script><script>x</script> and `</script>`\n");
        assert!(!r.html.to_lowercase().contains("<script"), "{}", r.html);
        assert!(r.html.contains("&lt;/script&gt;"), "{}", r.html);
    }

    #[test]
    fn long_text_survives_splitting() {
        let text = "R&D · Q3 ° 5 < 6 ".repeat(300);
        let r = render(&text);
        assert_eq!(
            r.html,
            format!("<p>{}</p>\n", escape(text.trim_end()).replace("&#39;", "'"))
        );
        let r = render(&format!("```\n{text}\n```\n`{text}`"));
        assert!(
            r.html.contains(&escape(&text)) && !r.html.contains("<!--"),
            "{}",
            r.html
        );
    }

    #[test]
    fn deep_raw_html_is_dropped() {
        let r = render(&"<div>".repeat(MAX_RAW_DEPTH + 1));
        assert_eq!(r.html, "");
        assert!(
            r.problems[0].detail.contains("too deeply nested"),
            "{:?}",
            r.problems
        );
        let r = render("<div title=\"x\n\ntext");
        assert_eq!(kinds(&r), [ProblemKind::RawHtmlRemoved]);
        assert!(r.html.contains("<p>text</p>"), "{}", r.html);
        // Balanced HTML does not accumulate depth.
        let r = render(
            &"<details><summary>s</summary>\n\nbody\n\n</details>\n\n".repeat(MAX_RAW_DEPTH * 2),
        );
        assert!(r.problems.is_empty(), "{:?}", &r.problems[..1]);
        assert_eq!(r.html.matches("<details>").count(), MAX_RAW_DEPTH * 2);
    }

    #[test]
    fn chunked_sanitising_keeps_open_raw_html_together() {
        let src = "para\n\n".repeat(FLUSH_EVENTS)
            + "<details><summary>s</summary>\n\n"
            + &"inside\n\n".repeat(FLUSH_EVENTS)
            + "</details>\n\nafter\n";
        let html = render(&src).html;
        let details = &html[html.find("<details>").unwrap()..html.find("</details>").unwrap()];
        assert_eq!(details.matches("<p>inside</p>").count(), FLUSH_EVENTS);
        assert!(
            html.ends_with("</details>\n<p>after</p>\n"),
            "{}",
            &html[html.len() - 100..]
        );
        assert_eq!(html.matches("<p>para</p>").count(), FLUSH_EVENTS);
    }

    #[test]
    fn deep_markdown_nesting_keeps_content() {
        let r = render(&("- ".repeat(100) + "deep"));
        assert_eq!(r.html.matches("<ul>").count(), MAX_NESTING / 2);
        assert!(r.html.contains("deep"));
    }

    #[test]
    fn sections_split_by_heading() {
        let r = render("Lead   text.\n\n## Risks\n\nBudget *freeze*\nin Q4.\n\n```\ncode here\n```\n\n## 风险\n\n- a\n- b\n");
        assert_eq!(
            r.sections,
            [
                Section {
                    anchor: None,
                    heading: String::new(),
                    text: "Lead text.".into()
                },
                Section {
                    anchor: Some("risks".into()),
                    heading: "Risks".into(),
                    text: "Budget freeze in Q4. code here".into()
                },
                Section {
                    anchor: Some("风险".into()),
                    heading: "风险".into(),
                    text: "a b".into()
                },
            ]
        );
    }

    #[test]
    fn css_is_class_based_and_scoped() {
        let light = highlight_css_light();
        let dark = highlight_css_dark();
        assert!(light.contains("@media (prefers-color-scheme: light)") && light.contains(".hl-"));
        assert!(dark.contains("@media (prefers-color-scheme: dark)") && dark.contains(".hl-"));
        // Code blocks carry `hl-code`, the class syntect styles with the theme's colours.
        assert!(light.contains(".hl-code {") && dark.contains(".hl-code {"));
        assert!(render("```toml\na = 1\n```")
            .html
            .starts_with("<pre class=\"highlight hl-code\">"));
    }

    /// Writes the stylesheets shipped next to this module: `cargo test -- --ignored write_css`.
    #[test]
    #[ignore]
    fn write_css_files() {
        std::fs::create_dir_all("static").unwrap();
        std::fs::write("static/highlight-light.css", highlight_css_light()).unwrap();
        std::fs::write("static/highlight-dark.css", highlight_css_dark()).unwrap();
    }

    fn pathological(n: usize) -> Vec<String> {
        vec![
            "- ".repeat(n) + "x",
            "1. ".repeat(n) + "x",
            "> ".repeat(n) + "x",
            "[".repeat(n),
            "]".repeat(n),
            "*a".repeat(n),
            "_a**".repeat(n),
            "<".repeat(n),
            "<a ".repeat(n),
            "`".repeat(n),
            "a`".repeat(n),
            "[^x".repeat(n),
            "[^x]: [^x]\n".repeat(n),
            "![[a](".repeat(n),
            "[a](<".repeat(n),
            "<div>".repeat(n),
            "<b><i>".repeat(n),
            "<!--".repeat(n),
            "| a | b |\n|---|---|\n".to_string() + &"| 1 | 2 |\n".repeat(n),
            "|".repeat(n),
            "# ".repeat(n),
            "~~a".repeat(n),
            "&#".repeat(n),
            "- [ ] ".repeat(n),
        ]
    }

    #[test]
    fn pathological_inputs_do_not_panic() {
        for src in pathological(10_000) {
            let r = render(&src);
            assert!(r.html.len() < src.len() * 40 + 1000);
        }
    }

    /// A realistic page repeated to `mb` megabytes.
    fn big_document(mb: usize) -> String {
        let page = "## Account review\n\nRenewal of *Acme* is at risk[^r], see [Q3](reviews/2026-09-18-q3.md#risks).\n\n\
            | Owner | ARR |\n|---|--:|\n| Jane | 1.2M |\n\n- [x] call CFO\n- [ ] send offer\n\n\
            ```toml\n[deal]\nvalue = 1200000\n```\n\n[^r]: Budget freeze.\n\n";
        page.repeat(mb * 1_000_000 / page.len())
    }

    /// Heavy: 5 MB and 10 MB renders must scale linearly. Run in release:
    /// `cargo test --release -- --ignored large_documents`.
    #[test]
    #[ignore]
    fn large_documents_render_in_linear_time() {
        let time = |src: &str| {
            let t = Instant::now();
            std::hint::black_box(render(src));
            t.elapsed()
        };
        let (small, large) = (big_document(5), big_document(10));
        let (t1, t2) = (time(&small), time(&large));
        eprintln!("5 MB: {t1:?}, 10 MB: {t2:?}");
        assert!(t2.as_secs_f64() / t1.as_secs_f64() < 3.0);
    }

    /// Heavy: the 50 MB document from the requirements. Run in release.
    #[test]
    #[ignore]
    fn fifty_megabytes() {
        let t = Instant::now();
        let r = render(&big_document(50));
        eprintln!("50 MB: {:?}, {} bytes of HTML", t.elapsed(), r.html.len());
    }

    const DANGEROUS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.example/a.js>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1) \"t\")",
        "![x](javascript:alert(1))",
        "<iframe src=\"https://x.example\"></iframe>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
        "<a href=\"&#106;avascript:alert(1)\">e</a>",
        "<a href=\"java\tscript:alert(1)\">t</a>",
        "[y](data:text/html;base64,PHNjcmlwdD4=)",
        "<style>body{display:none}</style>",
        "<object data=x></object>",
        "<embed src=x>",
        "<math><mi xlink:href=\"javascript:alert(1)\">m</mi></math>",
        "<!--",
        "-->",
        "]]>",
        "<![CDATA[",
        "<form action=\"https://x.example\"><input name=p></form>",
        "<div style=\"background:url(javascript:alert(1))\">s</div>",
        "<a href='x' onclick='alert(1)'>c</a>",
        "<p onmouseover=alert(1)>p</p>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea><script>alert(1)</script></textarea>",
        "[l]: javascript:alert(1)",
        "[l]",
        "```\"><script>alert(1)</script>\ncode\n```",
        "`<script>`",
        "<http://x.example/\"onmouseover=alert(1)>",
        "## h <img src=x onerror=alert(1)>",
        "| <script> | b |\n|---|---|\n| c | d |",
        "[^f]\n\n[^f]: <script>alert(1)</script>",
        "<base href=\"javascript:/\">",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=x>",
        "<javascript:alert(1)>",
        "<data:text/html,<script>alert(1)</script>>",
        "[z](<javascript:alert(1)> \"t\")",
    ];

    const GLUE: &[&str] = &[
        "", " ", "\n", "\n\n", "> ", "- ", "[", "](", "`", "<", "\"", "*", "|",
    ];

    /// Checks every tag of sanitised output: no dangerous element, no event
    /// handler attribute, no script-capable URL in href/src.
    fn assert_safe(html: &str) -> Result<(), TestCaseError> {
        let lower = html.to_ascii_lowercase();
        for bad in [
            "<script", "<iframe", "<object", "<embed", "<style", "<svg", "<math", "<form",
        ] {
            prop_assert!(!lower.contains(bad), "{bad} in {html}");
        }
        // Text never holds a raw `<` (it is escaped), and attribute values
        // are double-quoted with `"` escaped, so tags can be scanned exactly.
        for tag in lower.split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let mut rest = tag.trim_start_matches(|c: char| c != ' ' && c != '/');
            while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
                rest = &rest[start..];
                let end = rest.find(['=', ' ', '/']).unwrap_or(rest.len());
                let name = &rest[..end];
                prop_assert!(!name.starts_with("on"), "event handler {name} in {html}");
                prop_assert!(name != "style", "style attribute in {html}");
                rest = &rest[end..];
                if let Some(value) = rest.strip_prefix("=\"") {
                    let close = value.find('"').unwrap_or(value.len());
                    let url: String = value[..close]
                        .replace("&quot;", "\"")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&")
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect();
                    if name == "href" || name == "src" {
                        for scheme in ["javascript:", "vbscript:", "data:"] {
                            prop_assert!(!url.starts_with(scheme), "{scheme} in {html}");
                        }
                    }
                    rest = &value[(close + 1).min(value.len())..];
                }
            }
        }
        Ok(())
    }

    #[test]
    fn dangerous_fragments_one_by_one() {
        for src in DANGEROUS {
            let r = render(src);
            assert_safe(&r.html).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn output_is_always_safe(parts in prop::collection::vec((prop::sample::select(DANGEROUS), prop::sample::select(GLUE)), 1..16)) {
            let src: String = parts.iter().map(|(d, g)| format!("{d}{g}")).collect();
            assert_safe(&render(&src).html)?;
        }

        #[test]
        fn pathological_mixes_do_not_panic(parts in prop::collection::vec((0usize..24, 1usize..3_000), 1..4)) {
            let shapes = pathological(1);
            let src: String = parts.iter().map(|&(shape, n)| shapes[shape].repeat(n)).collect();
            assert_safe(&render(&src).html)?;
        }

        #[test]
        fn arbitrary_strings_do_not_panic(src in any::<String>(), base in 0usize..1000) {
            let r = render_with(&src, base, 1);
            for p in &r.problems {
                prop_assert!(base <= p.start && p.start <= p.end && p.end <= base + src.len());
            }
        }

        #[test]
        fn markdown_like_strings_do_not_panic(src in "[-\\[\\]()*_`<>!#|:^~ \\n\t>a-z0-9/\\\\&;.\"'=]{0,400}") {
            let r = render_with(&src, 5, 1);
            assert_safe(&r.html)?;
            for p in &r.problems {
                prop_assert!(5 <= p.start && p.start <= p.end && p.end <= 5 + src.len());
            }
        }
    }
}

thread_local! {
    /// How many `..` a relative URL on the page being rendered may climb before it
    /// leaves the site root (None: not known, not checked).
    static LINK_DEPTH: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Render with the page's depth below the site root known, so that links in raw HTML
/// (which the Markdown link resolver never sees) cannot point outside the site.
pub fn with_link_depth<R>(depth: usize, f: impl FnOnce() -> R) -> R {
    let prev = LINK_DEPTH.with(|d| d.replace(Some(depth)));
    let r = f();
    LINK_DEPTH.with(|d| d.set(prev));
    r
}

/// An absolute path, or a relative path climbing above the site root.
fn leaves_site(url: &str) -> bool {
    let u = url.trim();
    if u.starts_with('/') || u.starts_with('\\') {
        return true;
    }
    let Some(max_up) = LINK_DEPTH.with(|d| d.get()) else {
        return false;
    };
    if u.contains(':') && !u.starts_with('.') {
        return false; // a scheme: ammonia's scheme allow-list decides
    }
    let path = u.split(['#', '?']).next().unwrap_or("");
    let mut level: isize = 0;
    for seg in path.split(['/', '\\']) {
        match seg {
            ".." => {
                level -= 1;
                if -level > max_up as isize {
                    return true;
                }
            }
            "" | "." => {}
            _ => level += 1,
        }
    }
    false
}
