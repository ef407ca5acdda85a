//! Inline SVG portfolio charts for the dashboard and per-owner pages.
//!
//! Every public function returns a self-contained HTML fragment:
//!
//! ```text
//! <figure class="chart chart-KIND" lang="…">
//!   <div class="chart-scroll"><div class="chart-canvas">
//!     <svg role="img" aria-labelledby="ID-title ID-desc" viewBox="…" width="100%">
//!       <title id="ID-title">…</title><desc id="ID-desc">…</desc> …
//!     </svg>
//!   </div></div>
//!   <figcaption>…</figcaption>
//!   <details class="chart-data"><summary>Data</summary><table>…</table></details>
//! </figure>
//! ```
//!
//! Design rules (see the tests at the bottom of this file):
//!
//! * No JavaScript, no chart library, no `<style>` element: text and axes use
//!   `currentColor` (so the charts follow the page's light or dark text colour),
//!   bars use a fixed mid-luminance palette that reads on both, and every
//!   element carries a class so the host stylesheet can restyle it.
//! * All text is escaped; links are emitted only for relative URLs
//!   ([`safe_href`]).
//! * Output is deterministic: no hash-map iteration, fixed float formatting,
//!   element ids derived from a hash of the content.
//! * The SVG is drawn at 12–13 px in viewBox units and the wrapper keeps the
//!   rendered width between 11/12 of the viewBox width and the full width, so
//!   text never renders below 11 px (narrow screens scroll horizontally).

use std::collections::BTreeSet;
use std::fmt::Write as _;

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// Language of all fixed strings (titles, captions, legends, table headers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// Pick the string for this language.
    fn t(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    fn html_lang(self) -> &'static str {
        self.t("en", "zh-Hans")
    }
}

/// One bar of [`tier_bars`]: `tier` is the short tier name ("A"), `label` its
/// description ("Strategic").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierCount {
    pub tier: String,
    pub label: String,
    pub count: usize,
}

/// One account of [`utilisation_bars`]. `pct` is the credit-limit
/// utilisation in percent; `None` means the account has no limit (limit 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Utilisation {
    pub name: String,
    pub url: String,
    pub pct: Option<f64>,
    pub currency: String,
}

/// One account of [`tier_matrix`].
#[derive(Clone, Debug, PartialEq)]
pub struct ScorePoint {
    pub name: String,
    pub url: String,
    pub score: f64,
    pub declared: String,
    pub computed: String,
}

/// One account of [`recency_strip`]. `days_since` is `None` when the account
/// has never been reviewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recency {
    pub name: String,
    pub url: String,
    pub days_since: Option<i64>,
    pub cadence_days: i64,
}

// ---------------------------------------------------------------------------
// Palette and layout constants
// ---------------------------------------------------------------------------

/// Mid-luminance fills chosen to read on white and on near-black backgrounds.
const BLUE: &str = "#4e79a7";
const GREEN: &str = "#59a14f";
const YELLOW: &str = "#e6c229";
const ORANGE: &str = "#f28e2b";
const AMBER: &str = "#f0a830";
const RED: &str = "#e15759";

const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', \
                    'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/// Width of every chart's viewBox (except very wide matrices).
const WIDTH: f64 = 720.0;
/// Estimated pixels per width unit at 12 px (1 unit per ASCII char, 2 per CJK).
const UNIT_PX: f64 = 7.0;
/// Longest account name (in width units) shown next to a utilisation bar.
const NAME_UNITS: usize = 26;
/// Cells per row of the recency strip.
const CELLS_PER_ROW: usize = 50;
/// Above this many accounts the recency strip becomes a histogram.
const AGGREGATE_ABOVE: usize = 2_000;

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// Escape text for HTML/SVG text and attribute values. Control characters
/// are dropped (tabs and newlines become spaces).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Return the escaped href if `url` is a relative reference, `None` otherwise.
///
/// Rejected: empty URLs, anything with a `:` before the first `/` (a scheme
/// such as `javascript:` or `https:`), network-path references (`//host`),
/// backslashes (browsers treat them as `/`) and control characters.
fn safe_href(url: &str) -> Option<String> {
    let u = url.trim();
    if u.is_empty() || u.starts_with("//") || u.contains('\\') || u.chars().any(|c| c.is_control())
    {
        return None;
    }
    let head = match u.find('/') {
        Some(i) => &u[..i],
        None => u,
    };
    if head.contains(':') {
        return None;
    }
    Some(esc(u))
}

/// Display width of one character: 2 units for CJK / East Asian wide
/// characters, 1 otherwise.
fn char_units(c: char) -> usize {
    let cp = c as u32;
    let wide = matches!(
        cp,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x2FFFD
            | 0x30000..=0x3FFFD
    );
    if wide {
        2
    } else {
        1
    }
}

/// Estimated display width of `s` in units.
fn text_units(s: &str) -> usize {
    s.chars().map(char_units).sum()
}

/// Shorten `s` to at most `max` units, ending with `…` when cut.
fn truncate_units(s: &str, max: usize) -> String {
    if text_units(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_units(c);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Estimated rendered width in px of `s` at 12 px.
fn text_px(s: &str) -> f64 {
    text_units(s) as f64 * UNIT_PX
}

// ---------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------

fn group_digits(digits: &str) -> String {
    let len = digits.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Integer with thousands separators: `1234` → `1,234`.
fn fmt_int(n: i64) -> String {
    let g = group_digits(&n.unsigned_abs().to_string());
    if n < 0 {
        format!("-{g}")
    } else {
        g
    }
}

fn fmt_count(n: usize) -> String {
    group_digits(&n.to_string())
}

/// One decimal with thousands separators; `—` for non-finite values.
fn fmt_f1(v: f64) -> String {
    fmt_fixed(v, 1)
}

fn fmt_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let s = format!("{v:.decimals$}");
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (r.chars().any(|c| c.is_ascii_digit() && c != '0'), r),
        None => (false, s.as_str()),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&group_digits(int));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Percentage with one decimal: `85.26` → `85.3%`, `1234.5` → `1,234.5%`.
fn fmt_pct(v: f64) -> String {
    if v.is_finite() {
        format!("{}%", fmt_f1(v))
    } else {
        "—".to_string()
    }
}

/// SVG coordinate: one decimal, trailing `.0` dropped.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// A "nice" tick step (1, 2, 2.5, 5 × 10^k) giving about `target` ticks.
fn nice_step(max: f64, target: f64, integer: bool) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / target;
    let mag = 10f64.powf(raw.log10().floor());
    let r = raw / mag;
    let m = if r <= 1.0 {
        1.0
    } else if r <= 2.0 {
        2.0
    } else if r <= 2.5 && !integer {
        2.5
    } else if r <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = m * mag;
    if integer {
        step.max(1.0).round()
    } else {
        step
    }
}

/// FNV-1a, used for deterministic element ids.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

// ---------------------------------------------------------------------------
// Figure frame shared by all charts
// ---------------------------------------------------------------------------

struct Frame<'a> {
    kind: &'a str,
    lang: Lang,
    /// Plain text (escaped here).
    title: &'a str,
    /// Plain text (escaped here).
    desc: &'a str,
    /// Plain text (escaped here).
    caption: &'a str,
    width: f64,
    height: f64,
    /// SVG markup.
    body: &'a str,
    /// HTML markup of the fallback, or `None` for no `<details>`.
    table: Option<&'a str>,
}

fn render_figure(f: &Frame) -> String {
    let id = format!(
        "chart-{}-{:012x}",
        f.kind,
        fnv1a(&[
            f.kind,
            f.title,
            f.desc,
            f.caption,
            f.body,
            f.table.unwrap_or("")
        ]) >> 16
    );
    let min_w = (f.width * 11.0 / 12.0).ceil();
    let mut s = String::with_capacity(f.body.len() + f.table.map_or(0, str::len) + 1024);
    let _ = write!(
        s,
        r#"<figure class="chart chart-{kind}" lang="{lang}"><div class="chart-scroll" style="overflow-x:auto"><div class="chart-canvas" style="max-width:{w}px;min-width:{min_w}px"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="100%" font-family="{FONT}" font-size="12" fill="currentColor"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        kind = f.kind,
        lang = f.lang.html_lang(),
        w = num(f.width),
        h = num(f.height),
        min_w = num(min_w),
        title = esc(f.title),
        desc = esc(f.desc),
    );
    s.push_str(f.body);
    let _ = write!(
        s,
        "</svg></div></div><figcaption>{}</figcaption>",
        esc(f.caption)
    );
    if let Some(table) = f.table {
        let _ = write!(
            s,
            r#"<details class="chart-data"><summary>{}</summary>{table}</details>"#,
            f.lang.t("Data", "数据")
        );
    }
    s.push_str("</figure>");
    s
}

fn no_data(kind: &str, title: &str, lang: Lang) -> String {
    let msg = lang.t("No data", "暂无数据");
    let body = format!(
        r#"<text class="no-data" x="{}" y="29" text-anchor="middle" font-size="13" fill-opacity="0.75">{msg}</text>"#,
        num(WIDTH / 2.0)
    );
    let caption = match lang {
        Lang::En => format!("{title}: no data"),
        Lang::Zh => format!("{title}：暂无数据"),
    };
    render_figure(&Frame {
        kind,
        lang,
        title,
        desc: msg,
        caption: &caption,
        width: WIDTH,
        height: 48.0,
        body: &body,
        table: None,
    })
}

// ---------------------------------------------------------------------------
// Small SVG / HTML building blocks
// ---------------------------------------------------------------------------

/// `<text>` with optional full-text `<title>` when `shown` differs from `full`.
fn text_el(attrs: &str, shown: &str, full: &str) -> String {
    if shown == full {
        format!("<text {attrs}>{}</text>", esc(shown))
    } else {
        format!(
            "<text {attrs}>{}<title>{}</title></text>",
            esc(shown),
            esc(full)
        )
    }
}

/// Wrap `inner` in `<a href>` when `url` is a safe relative URL.
fn link(url: &str, inner: &str) -> String {
    match safe_href(url) {
        Some(h) => format!(r#"<a href="{h}">{inner}</a>"#),
        None => inner.to_string(),
    }
}

struct LegendItem {
    fill: &'static str,
    class: &'static str,
    label: String,
}

/// Horizontal legend starting at (`x0`, `y0`), wrapping within `max_w`.
/// Returns the markup and the height used.
fn legend(items: &[LegendItem], x0: f64, y0: f64, max_w: f64) -> (String, f64) {
    let mut out = String::from(r#"<g class="legend">"#);
    let (mut x, mut y) = (x0, y0);
    for it in items {
        let w = 18.0 + text_px(&it.label) + 20.0;
        if x > x0 && x + w > x0 + max_w {
            x = x0;
            y += 20.0;
        }
        let _ = write!(
            out,
            r#"<g class="legend-item {cls}"><rect x="{x}" y="{y}" width="12" height="12" rx="2" fill="{fill}"/><text x="{tx}" y="{ty}">{label}</text></g>"#,
            cls = it.class,
            x = num(x),
            y = num(y),
            fill = it.fill,
            tx = num(x + 18.0),
            ty = num(y + 10.5),
            label = esc(&it.label),
        );
        x += w;
    }
    out.push_str("</g>");
    (out, y - y0 + 14.0)
}

/// Start a data table with the given column headers (`true` = numeric).
fn table_head(class: &str, cols: &[(&str, bool)]) -> String {
    let mut t = format!(r#"<table class="{class}"><thead><tr>"#);
    for (c, numeric) in cols {
        if *numeric {
            let _ = write!(t, r#"<th scope="col" class="num">{}</th>"#, esc(c));
        } else {
            let _ = write!(t, r#"<th scope="col">{}</th>"#, esc(c));
        }
    }
    t.push_str("</tr></thead><tbody>");
    t
}

fn td(s: &str) -> String {
    format!("<td>{}</td>", esc(s))
}

fn td_num(s: &str) -> String {
    format!(r#"<td class="num">{}</td>"#, esc(s))
}

/// Row-header cell with the account name, linked when the URL is safe.
fn th_account(name: &str, url: &str) -> String {
    format!(r#"<th scope="row">{}</th>"#, link(url, &esc(name)))
}

// ---------------------------------------------------------------------------
// Vertical bars (tier_bars and the aggregated recency histogram)
// ---------------------------------------------------------------------------

struct VBar {
    line1: String,
    line2: String,
    value: usize,
    value_label: String,
    fill: &'static str,
    class: &'static str,
    tip: String,
}

/// Returns (body, width, height).
fn vbars(bars: &[VBar], axis_title: &str) -> (String, f64, f64) {
    let (w, h) = (WIDTH, 280.0);
    let (ml, mr, mt, mb) = (64.0, 16.0, 40.0, 50.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let base = mt + ph;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let step = nice_step(max, 4.0, true);
    let ticks = (max / step).ceil().max(1.0) as usize;
    let top = ticks as f64 * step;
    let mut b = String::new();

    let _ = write!(
        b,
        r#"<text class="axis-title" x="{}" y="16" font-weight="600">{}</text>"#,
        num(ml - 8.0),
        esc(axis_title)
    );
    b.push_str(r#"<g class="grid" stroke="currentColor" stroke-opacity="0.15">"#);
    for k in 1..=ticks {
        let y = base - k as f64 * step / top * ph;
        let _ = write!(
            b,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
            num(ml),
            num(w - mr),
            y = num(y)
        );
    }
    b.push_str("</g>");
    b.push_str(r#"<g class="axis y-axis" text-anchor="end" fill-opacity="0.8">"#);
    for k in 0..=ticks {
        let v = k as f64 * step;
        let y = base - v / top * ph;
        let _ = write!(
            b,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(ml - 8.0),
            num(y + 4.0),
            fmt_int(v as i64)
        );
    }
    b.push_str("</g>");

    let n = bars.len().max(1) as f64;
    let slot = pw / n;
    let bw = (slot * 0.62).min(88.0);
    let label_units = ((slot - 6.0) / UNIT_PX).floor().max(1.0) as usize;
    for (i, bar) in bars.iter().enumerate() {
        let cx = ml + slot * (i as f64 + 0.5);
        let bh = bar.value as f64 / top * ph;
        let y = base - bh;
        let _ = write!(
            b,
            r#"<g class="{cls}"><rect x="{x}" y="{y}" width="{bw}" height="{bh}" fill="{fill}"><title>{tip}</title></rect>"#,
            cls = bar.class,
            x = num(cx - bw / 2.0),
            y = num(y),
            bw = num(bw),
            bh = num(bh),
            fill = bar.fill,
            tip = esc(&bar.tip),
        );
        let _ = write!(
            b,
            r#"<text class="value" x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="600">{}</text>"#,
            num(cx),
            num(y - 6.0),
            esc(&bar.value_label)
        );
        let l1 = truncate_units(&bar.line1, label_units);
        b.push_str(&text_el(
            &format!(
                r#"class="label" x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="600""#,
                num(cx),
                num(base + 18.0)
            ),
            &l1,
            &bar.line1,
        ));
        if !bar.line2.is_empty() {
            let l2 = truncate_units(&bar.line2, label_units);
            b.push_str(&text_el(
                &format!(
                    r#"class="sublabel" x="{}" y="{}" text-anchor="middle" fill-opacity="0.8""#,
                    num(cx),
                    num(base + 35.0)
                ),
                &l2,
                &bar.line2,
            ));
        }
        b.push_str("</g>");
    }
    let _ = write!(
        b,
        r#"<line class="axis x-axis" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="currentColor" stroke-opacity="0.6"/>"#,
        num(ml),
        num(w - mr),
        y = num(base)
    );
    (b, w, h)
}

// ---------------------------------------------------------------------------
// tier_bars
// ---------------------------------------------------------------------------

/// Vertical bars, one per tier in the given order, with the count on each bar.
pub fn tier_bars(tiers: &[TierCount], lang: Lang) -> String {
    let title = lang.t("Accounts by tier", "各等级客户数量");
    if tiers.is_empty() {
        return no_data("tiers", title, lang);
    }
    let total: usize = tiers.iter().map(|t| t.count).sum();
    let share = |c: usize| {
        if total == 0 {
            0.0
        } else {
            c as f64 * 100.0 / total as f64
        }
    };
    let name = |t: &TierCount| {
        if t.label.is_empty() {
            t.tier.clone()
        } else {
            format!("{} {}", t.tier, t.label)
        }
    };
    let bars: Vec<VBar> = tiers
        .iter()
        .map(|t| VBar {
            line1: t.tier.clone(),
            line2: t.label.clone(),
            value: t.count,
            value_label: fmt_count(t.count),
            fill: BLUE,
            class: "bar tier",
            tip: match lang {
                Lang::En => format!(
                    "{}: {} accounts ({})",
                    name(t),
                    fmt_count(t.count),
                    fmt_pct(share(t.count))
                ),
                Lang::Zh => format!(
                    "{}：{} 个客户（{}）",
                    name(t),
                    fmt_count(t.count),
                    fmt_pct(share(t.count))
                ),
            },
        })
        .collect();
    let (body, w, h) = vbars(&bars, lang.t("Accounts", "客户数"));

    let parts: Vec<String> = tiers
        .iter()
        .map(|t| format!("{} {}", name(t), fmt_count(t.count)))
        .collect();
    let (desc, caption) = match lang {
        Lang::En => (
            format!("Bar chart of accounts per tier: {}.", parts.join("; ")),
            format!("Accounts by tier, {} in total.", fmt_count(total)),
        ),
        Lang::Zh => (
            format!("各等级客户数量柱状图：{}。", parts.join("；")),
            format!("各等级客户数量，合计 {} 个。", fmt_count(total)),
        ),
    };

    let mut table = table_head(
        "chart-table",
        &[
            (lang.t("Tier", "等级"), false),
            (lang.t("Label", "名称"), false),
            (lang.t("Accounts", "客户数"), true),
            (lang.t("Share", "占比"), true),
        ],
    );
    for t in tiers {
        let _ = write!(
            table,
            r#"<tr><th scope="row">{}</th>{}{}{}</tr>"#,
            esc(&t.tier),
            td(&t.label),
            td_num(&fmt_count(t.count)),
            td_num(&fmt_pct(share(t.count)))
        );
    }
    table.push_str("</tbody></table>");

    render_figure(&Frame {
        kind: "tiers",
        lang,
        title,
        desc: &desc,
        caption: &caption,
        width: w,
        height: h,
        body: &body,
        table: Some(&table),
    })
}

// ---------------------------------------------------------------------------
// utilisation_bars
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UBand {
    Normal,
    Warn,
    Over,
    NoLimit,
}

impl UBand {
    fn of(pct: Option<f64>, warn: f64, max: f64) -> UBand {
        match finite(pct) {
            None => UBand::NoLimit,
            Some(p) if p > max => UBand::Over,
            Some(p) if p >= warn => UBand::Warn,
            Some(_) => UBand::Normal,
        }
    }

    fn fill(self) -> &'static str {
        match self {
            UBand::Normal => BLUE,
            UBand::Warn => AMBER,
            UBand::Over => RED,
            UBand::NoLimit => "none",
        }
    }

    fn class(self) -> &'static str {
        match self {
            UBand::Normal => "band-normal",
            UBand::Warn => "band-warn",
            UBand::Over => "band-over",
            UBand::NoLimit => "band-none",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            UBand::Normal => lang.t("Normal", "正常"),
            UBand::Warn => lang.t("Warning", "预警"),
            UBand::Over => lang.t("Over limit", "超限"),
            UBand::NoLimit => lang.t("No limit set", "未设额度"),
        }
    }
}

/// Utilisation label that never contradicts its band: a value just below the
/// warning level is rounded down (79.96 → "79.9%", not "80.0%") and a value
/// just above the limit is rounded up (100.04 → "100.1%").
fn fmt_util(pct: Option<f64>, band: UBand, warn: f64, max: f64) -> String {
    let Some(p) = finite(pct) else {
        return "—".to_string();
    };
    let rounded = (p * 10.0).round() / 10.0;
    let v = match band {
        UBand::Normal if rounded >= warn => (p * 10.0).floor() / 10.0,
        UBand::Over if rounded <= max => (p * 10.0).ceil() / 10.0,
        _ => p,
    };
    fmt_pct(v)
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Horizontal utilisation bars, highest first, coloured by band, with dashed
/// threshold lines at `warn_pct` and `max_pct`.
///
/// At most `limit` bars are drawn (`limit == 0` means no limit); the caption
/// then says "showing top N of M". The data table always lists every account.
/// Accounts without a limit (`pct == None`, or a non-finite value) sort last
/// and show "—". Bars beyond twice the highest threshold are clipped at the
/// plot edge (class `clipped`); their label still shows the real value.
pub fn utilisation_bars(
    items: &[Utilisation],
    warn_pct: f64,
    max_pct: f64,
    limit: usize,
    lang: Lang,
) -> String {
    let title = lang.t("Credit limit utilisation", "信用额度使用率");
    if items.is_empty() {
        return no_data("utilisation", title, lang);
    }
    let mut sorted: Vec<&Utilisation> = items.iter().collect();
    sorted.sort_by(|a, b| {
        match (finite(a.pct), finite(b.pct)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.url.cmp(&b.url))
    });
    let total = sorted.len();
    let shown = if limit == 0 { total } else { limit.min(total) };
    let bands: Vec<UBand> = sorted
        .iter()
        .map(|u| UBand::of(u.pct, warn_pct, max_pct))
        .collect();
    let count = |b: UBand| bands.iter().filter(|x| **x == b).count();
    let (n_over, n_warn, n_none) = (
        count(UBand::Over),
        count(UBand::Warn),
        count(UBand::NoLimit),
    );

    // Layout.
    let w = WIDTH;
    let name_end = 196.0;
    let x0 = 206.0;
    let x1 = w - 78.0;
    let pw = x1 - x0;
    let top = 48.0;
    let row_h = 22.0;
    let bar_h = 14.0;
    let thresholds: Vec<f64> = [warn_pct, max_pct]
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let thr_max = thresholds.iter().copied().fold(0.0, f64::max);
    let observed = sorted[..shown]
        .iter()
        .filter_map(|u| finite(u.pct))
        .fold(0.0, f64::max);
    let mut dmax = observed.max(thr_max).max(1.0) * 1.05;
    if thr_max > 0.0 {
        dmax = dmax.min(thr_max * 2.0);
    }
    let step = nice_step(dmax, 5.0, false);
    let dmax = (dmax / step).ceil() * step;
    let ticks = (dmax / step).round() as usize;
    let sx = |p: f64| x0 + p.clamp(0.0, dmax) / dmax * pw;
    let plot_bottom = top + shown as f64 * row_h;

    let mut b = String::new();
    // Grid and x-axis ticks.
    b.push_str(r#"<g class="grid" stroke="currentColor" stroke-opacity="0.12">"#);
    for k in 1..=ticks {
        let x = num(sx(k as f64 * step));
        let _ = write!(
            b,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            num(top - 4.0),
            num(plot_bottom)
        );
    }
    b.push_str("</g>");
    b.push_str(r#"<g class="axis x-axis" text-anchor="middle" fill-opacity="0.8">"#);
    for k in 0..=ticks {
        let v = k as f64 * step;
        let _ = write!(
            b,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(sx(v)),
            num(plot_bottom + 17.0),
            fmt_pct(v)
        );
    }
    b.push_str("</g>");

    // Threshold lines with labels, drawn first so bars and value labels sit
    // on top (warn label left of its line, max label right of its line;
    // stacked when they would collide).
    let warn_label = format!("{} {}", lang.t("Warning", "预警"), fmt_pct(warn_pct));
    let max_label = format!("{} {}", lang.t("Limit", "上限"), fmt_pct(max_pct));
    let mut placed: Vec<(f64, f64)> = Vec::new(); // (left, right) extents on the lower row
    for (v, label, class, dash, prefer_end) in [
        (warn_pct, &warn_label, "threshold warn", "4 3", true),
        (max_pct, &max_label, "threshold max", "8 4", false),
    ] {
        if !v.is_finite() || v < 0.0 {
            continue;
        }
        let x = sx(v);
        let lw = text_px(label);
        let mut end = prefer_end;
        if end && x - 4.0 - lw < 4.0 {
            end = false;
        }
        if !end && x + 4.0 + lw > w - 4.0 {
            end = true;
        }
        let (l, r, tx, anchor) = if end {
            (x - 4.0 - lw, x - 4.0, x - 4.0, "end")
        } else {
            (x + 4.0, x + 4.0 + lw, x + 4.0, "start")
        };
        let collides = placed.iter().any(|(pl, pr)| l < *pr + 6.0 && r > *pl - 6.0);
        let ty = if collides { top - 24.0 } else { top - 10.0 };
        if !collides {
            placed.push((l, r));
        }
        let _ = write!(
            b,
            r#"<g class="{class}"><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="currentColor" stroke-opacity="0.75" stroke-width="1.5" stroke-dasharray="{dash}"/><text x="{tx}" y="{ty}" text-anchor="{anchor}">{label}</text></g>"#,
            x = num(x),
            y1 = num(ty + 4.0),
            y2 = num(plot_bottom),
            tx = num(tx),
            ty = num(ty),
            label = esc(label),
        );
    }

    // Bars.
    for (i, (u, band)) in sorted.iter().zip(&bands).take(shown).enumerate() {
        let y = top + i as f64 * row_h;
        let cy = y + row_h / 2.0;
        let short = truncate_units(&u.name, NAME_UNITS);
        let name_el = text_el(
            &format!(
                r#"class="name" x="{}" y="{}" text-anchor="end""#,
                num(name_end),
                num(cy + 4.0)
            ),
            &short,
            &u.name,
        );
        let _ = write!(
            b,
            r#"<g class="row {}">{}"#,
            band.class(),
            link(&u.url, &name_el)
        );
        match finite(u.pct) {
            Some(p) => {
                let end = sx(p);
                let clipped = p > dmax;
                let label = fmt_util(u.pct, *band, warn_pct, max_pct);
                let tip = format!(
                    "{}: {}{}{}",
                    u.name,
                    label,
                    if u.currency.is_empty() { "" } else { " · " },
                    u.currency
                );
                let _ = write!(
                    b,
                    r#"<rect class="bar {cls}{clip}" x="{x}" y="{y}" width="{bw}" height="{bh}" fill="{fill}"><title>{tip}</title></rect>"#,
                    cls = band.class(),
                    clip = if clipped { " clipped" } else { "" },
                    x = num(x0),
                    y = num(cy - bar_h / 2.0),
                    bw = num((end - x0).max(0.0)),
                    bh = num(bar_h),
                    fill = band.fill(),
                    tip = esc(&tip),
                );
                if clipped {
                    // Two short slashes mark the broken (clipped) bar end.
                    let _ = write!(
                        b,
                        r#"<path class="break" d="M{} {}l4 -8M{} {}l4 -8" stroke="currentColor" stroke-width="1.5"/>"#,
                        num(end - 10.0),
                        num(cy + 4.0),
                        num(end - 5.0),
                        num(cy + 4.0)
                    );
                }
                let _ = write!(
                    b,
                    r#"<text class="value" x="{}" y="{}" font-weight="600">{}</text>"#,
                    num(end + 6.0),
                    num(cy + 4.0),
                    label
                );
            }
            None => {
                let _ = write!(
                    b,
                    r#"<text class="value no-limit" x="{}" y="{}" fill-opacity="0.75">—<title>{}</title></text>"#,
                    num(x0 + 6.0),
                    num(cy + 4.0),
                    UBand::NoLimit.label(lang)
                );
            }
        }
        b.push_str("</g>");
    }
    let _ = write!(
        b,
        r#"<line class="axis y-axis" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="currentColor" stroke-opacity="0.6"/>"#,
        num(top - 4.0),
        num(plot_bottom),
        x = num(x0)
    );

    // Legend.
    let legend_items = [
        LegendItem {
            fill: BLUE,
            class: "band-normal",
            label: match lang {
                Lang::En => format!("Below {}", fmt_pct(warn_pct)),
                Lang::Zh => format!("低于 {}", fmt_pct(warn_pct)),
            },
        },
        LegendItem {
            fill: AMBER,
            class: "band-warn",
            label: match lang {
                Lang::En => format!("{}–{} (warning)", fmt_pct(warn_pct), fmt_pct(max_pct)),
                Lang::Zh => format!("{}–{}（预警）", fmt_pct(warn_pct), fmt_pct(max_pct)),
            },
        },
        LegendItem {
            fill: RED,
            class: "band-over",
            label: match lang {
                Lang::En => format!("Above {} (over limit)", fmt_pct(max_pct)),
                Lang::Zh => format!("高于 {}（超限）", fmt_pct(max_pct)),
            },
        },
    ];
    let (leg, leg_h) = legend(&legend_items, x0, plot_bottom + 34.0, x1 - x0);
    b.push_str(&leg);
    let h = plot_bottom + 34.0 + leg_h + 8.0;

    // Text.
    let cut = shown < total;
    let (desc, caption) = match lang {
        Lang::En => {
            let mut d = format!(
                "Horizontal bar chart of credit limit utilisation for {} accounts, highest first: {} over the {} limit, {} at or above the {} warning level",
                fmt_count(total),
                fmt_count(n_over),
                fmt_pct(max_pct),
                fmt_count(n_warn),
                fmt_pct(warn_pct)
            );
            if n_none > 0 {
                let _ = write!(d, ", {} without a limit", fmt_count(n_none));
            }
            d.push('.');
            let mut c = format!(
                "Credit limit utilisation, highest first: {} over limit, {} at warning level",
                fmt_count(n_over),
                fmt_count(n_warn)
            );
            if cut {
                let _ = write!(
                    c,
                    "; showing top {} of {}",
                    fmt_count(shown),
                    fmt_count(total)
                );
            }
            c.push('.');
            (d, c)
        }
        Lang::Zh => {
            let mut d = format!(
                "{} 个客户的信用额度使用率横向柱状图（从高到低）：超过 {} 上限 {} 个，达到 {} 预警线 {} 个",
                fmt_count(total),
                fmt_pct(max_pct),
                fmt_count(n_over),
                fmt_pct(warn_pct),
                fmt_count(n_warn)
            );
            if n_none > 0 {
                let _ = write!(d, "，未设额度 {} 个", fmt_count(n_none));
            }
            d.push('。');
            let mut c = format!(
                "信用额度使用率（从高到低）：超限 {} 个，预警 {} 个",
                fmt_count(n_over),
                fmt_count(n_warn)
            );
            if cut {
                let _ = write!(
                    c,
                    "；显示前 {} 个，共 {} 个",
                    fmt_count(shown),
                    fmt_count(total)
                );
            }
            c.push('。');
            (d, c)
        }
    };

    let mut table = table_head(
        "chart-table",
        &[
            ("#", true),
            (lang.t("Account", "客户"), false),
            (lang.t("Utilisation", "使用率"), true),
            (lang.t("Status", "状态"), false),
            (lang.t("Currency", "币种"), false),
        ],
    );
    for (i, (u, band)) in sorted.iter().zip(&bands).enumerate() {
        let _ = write!(
            table,
            r#"<tr class="{}">{}{}{}{}{}</tr>"#,
            band.class(),
            td_num(&fmt_count(i + 1)),
            th_account(&u.name, &u.url),
            td_num(&fmt_util(u.pct, *band, warn_pct, max_pct)),
            td(band.label(lang)),
            td(&u.currency)
        );
    }
    table.push_str("</tbody></table>");

    render_figure(&Frame {
        kind: "utilisation",
        lang,
        title,
        desc: &desc,
        caption: &caption,
        width: w,
        height: h,
        body: &b,
        table: Some(&table),
    })
}

// ---------------------------------------------------------------------------
// tier_matrix
// ---------------------------------------------------------------------------

/// Fill for a matrix cell by distance from the diagonal.
fn matrix_fill(dist: usize) -> (&'static str, &'static str) {
    match dist {
        0 => (GREEN, "agree"),
        1 => (AMBER, "mismatch off-1"),
        _ => (RED, "mismatch off-2"),
    }
}

/// Declared tier (rows) × computed tier (columns) with counts in the cells.
///
/// `tiers` gives the order (best first); tier names found in `points` but not
/// in `tiers` are appended in alphabetical order. Diagonal cells (agreement)
/// are green, cells one tier off amber, further off red. The fallback holds
/// the count matrix and a table of the mismatched accounts (largest gap
/// first).
pub fn tier_matrix(points: &[ScorePoint], tiers: &[String], lang: Lang) -> String {
    let title = lang.t("Declared vs computed tier", "申报等级与计算等级对比");
    if points.is_empty() {
        return no_data("matrix", title, lang);
    }
    let mut axis: Vec<&str> = Vec::new();
    for t in tiers {
        if !axis.contains(&t.as_str()) {
            axis.push(t);
        }
    }
    let mut extra: BTreeSet<&str> = BTreeSet::new();
    for p in points {
        for t in [p.declared.as_str(), p.computed.as_str()] {
            if !axis.contains(&t) {
                extra.insert(t);
            }
        }
    }
    axis.extend(extra);
    let n = axis.len();
    let pos = |t: &str| axis.iter().position(|a| *a == t).unwrap_or(0);

    let mut counts = vec![0usize; n * n];
    let mut mismatches: Vec<(usize, usize, usize, &ScorePoint)> = Vec::new();
    for p in points {
        let (r, c) = (pos(&p.declared), pos(&p.computed));
        counts[r * n + c] += 1;
        if r != c {
            mismatches.push((r.abs_diff(c), r, c, p));
        }
    }
    mismatches.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then_with(|| b.3.score.total_cmp(&a.3.score))
            .then_with(|| a.3.name.cmp(&b.3.name))
            .then_with(|| a.3.url.cmp(&b.3.url))
    });
    let total = points.len();
    let agree = total - mismatches.len();
    let agree_pct = agree as f64 * 100.0 / total as f64;
    let max_count = counts.iter().copied().max().unwrap_or(1).max(1) as f64;

    // Layout.
    let cw = (440.0 / n as f64).clamp(34.0, 76.0);
    let ch = 40.0;
    let label_units = axis
        .iter()
        .map(|t| text_units(t))
        .max()
        .unwrap_or(1)
        .clamp(2, 16);
    let ml = 40.0 + label_units as f64 * UNIT_PX + 12.0;
    let mt = 58.0;
    let grid_w = n as f64 * cw;
    let grid_h = n as f64 * ch;
    let legend_x = ml + grid_w + 36.0;
    let w = WIDTH.max(legend_x + 250.0);
    let col_units = ((cw - 6.0) / UNIT_PX).floor().max(1.0) as usize;

    let mut b = String::new();
    // Axis titles.
    let _ = write!(
        b,
        r#"<text class="axis-title" x="{}" y="18" text-anchor="middle" font-weight="600">{}</text>"#,
        num(ml + grid_w / 2.0),
        lang.t("Computed tier", "计算等级")
    );
    match lang {
        // Latin text reads bottom-to-top; CJK stays upright in a vertical line.
        Lang::En => {
            let _ = write!(
                b,
                r#"<text class="axis-title" transform="rotate(-90)" x="{}" y="20" text-anchor="middle" font-weight="600">Declared tier</text>"#,
                num(-(mt + grid_h / 2.0)),
            );
        }
        Lang::Zh => {
            let _ = write!(
                b,
                r#"<text class="axis-title" writing-mode="vertical-rl" x="16" y="{}" text-anchor="middle" font-weight="600">申报等级</text>"#,
                num(mt + grid_h / 2.0),
            );
        }
    }
    // Column and row labels.
    for (i, t) in axis.iter().enumerate() {
        let shown = truncate_units(t, col_units);
        b.push_str(&text_el(
            &format!(
                r#"class="col-label" x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="600""#,
                num(ml + cw * (i as f64 + 0.5)),
                num(mt - 10.0)
            ),
            &shown,
            t,
        ));
        let shown = truncate_units(t, label_units);
        b.push_str(&text_el(
            &format!(
                r#"class="row-label" x="{}" y="{}" text-anchor="end" font-size="13" font-weight="600""#,
                num(ml - 10.0),
                num(mt + ch * (i as f64 + 0.5) + 4.5)
            ),
            &shown,
            t,
        ));
    }
    // Cells.
    for r in 0..n {
        for c in 0..n {
            let v = counts[r * n + c];
            let x = ml + c as f64 * cw;
            let y = mt + r as f64 * ch;
            let dist = r.abs_diff(c);
            let tip = match lang {
                Lang::En => format!(
                    "Declared {} → computed {}: {} accounts",
                    axis[r],
                    axis[c],
                    fmt_count(v)
                ),
                Lang::Zh => format!(
                    "申报 {} → 计算 {}：{} 个客户",
                    axis[r],
                    axis[c],
                    fmt_count(v)
                ),
            };
            let (rect_attrs, text_attrs, cls) = if v == 0 {
                (
                    r#"fill="currentColor" fill-opacity="0.04" stroke="currentColor" stroke-opacity="0.15""#
                        .to_string(),
                    r#" fill-opacity="0.45""#,
                    if dist == 0 { "agree empty" } else { "empty" },
                )
            } else {
                let (fill, cls) = matrix_fill(dist);
                let op = 0.25 + 0.45 * v as f64 / max_count;
                let stroke = if dist == 0 {
                    String::new()
                } else {
                    format!(r#" stroke="{fill}" stroke-width="2""#)
                };
                (
                    format!(r#"fill="{fill}" fill-opacity="{op:.2}"{stroke}"#),
                    r#" font-weight="600""#,
                    cls,
                )
            };
            let _ = write!(
                b,
                r#"<g class="cell {cls}"><rect x="{x}" y="{y}" width="{w}" height="{h}" {rect_attrs}><title>{tip}</title></rect><text x="{tx}" y="{ty}" text-anchor="middle" font-size="13"{text_attrs}>{val}</text></g>"#,
                x = num(x + 1.0),
                y = num(y + 1.0),
                w = num(cw - 2.0),
                h = num(ch - 2.0),
                tip = esc(&tip),
                tx = num(x + cw / 2.0),
                ty = num(y + ch / 2.0 + 4.5),
                val = fmt_count(v),
            );
        }
    }
    // Legend (vertical) and summary.
    let items = [
        LegendItem {
            fill: GREEN,
            class: "agree",
            label: lang.t("Agreement", "一致").to_string(),
        },
        LegendItem {
            fill: AMBER,
            class: "off-1",
            label: lang.t("Off by one tier", "相差一级").to_string(),
        },
        LegendItem {
            fill: RED,
            class: "off-2",
            label: lang.t("Off by two or more", "相差两级及以上").to_string(),
        },
    ];
    let (leg, leg_h) = legend(&items, legend_x, mt + 2.0, 1.0);
    b.push_str(&leg);
    let sy = mt + 2.0 + leg_h + 24.0;
    let (s1, s2) = match lang {
        Lang::En => (
            format!(
                "{} of {} agree ({})",
                fmt_count(agree),
                fmt_count(total),
                fmt_pct(agree_pct)
            ),
            format!("{} mismatched", fmt_count(total - agree)),
        ),
        Lang::Zh => (
            format!(
                "一致 {} 个，共 {} 个（{}）",
                fmt_count(agree),
                fmt_count(total),
                fmt_pct(agree_pct)
            ),
            format!("不一致 {} 个", fmt_count(total - agree)),
        ),
    };
    let _ = write!(
        b,
        r#"<g class="summary"><text x="{x}" y="{y1}" font-weight="600">{s1}</text><text x="{x}" y="{y2}">{s2}</text></g>"#,
        x = num(legend_x),
        y1 = num(sy),
        y2 = num(sy + 18.0),
        s1 = esc(&s1),
        s2 = esc(&s2),
    );
    let h = (mt + grid_h + 14.0).max(sy + 30.0);

    let (desc, caption) = match lang {
        Lang::En => (
            format!(
                "Matrix of declared tier (rows) against computed tier (columns) for {} accounts over tiers {}: {} agree ({}), {} mismatched.",
                fmt_count(total),
                axis.join(", "),
                fmt_count(agree),
                fmt_pct(agree_pct),
                fmt_count(total - agree)
            ),
            format!(
                "Declared tier (rows) vs computed tier (columns): {} of {} accounts agree ({}); {} mismatched accounts are listed in the data table.",
                fmt_count(agree),
                fmt_count(total),
                fmt_pct(agree_pct),
                fmt_count(total - agree)
            ),
        ),
        Lang::Zh => (
            format!(
                "{} 个客户的申报等级（行）与计算等级（列）矩阵，等级：{}；一致 {} 个（{}），不一致 {} 个。",
                fmt_count(total),
                axis.join("、"),
                fmt_count(agree),
                fmt_pct(agree_pct),
                fmt_count(total - agree)
            ),
            format!(
                "申报等级（行）与计算等级（列）：{} 个客户中 {} 个一致（{}）；不一致的 {} 个客户见数据表。",
                fmt_count(total),
                fmt_count(agree),
                fmt_pct(agree_pct),
                fmt_count(total - agree)
            ),
        ),
    };

    // Fallback: count matrix, then the mismatched accounts.
    let corner = lang.t("Declared \\ computed", "申报 \\ 计算");
    let mut cols: Vec<(&str, bool)> = vec![(corner, false)];
    cols.extend(axis.iter().map(|t| (*t, true)));
    let mut table = table_head("chart-table chart-matrix", &cols);
    for r in 0..n {
        let _ = write!(table, r#"<tr><th scope="row">{}</th>"#, esc(axis[r]));
        for c in 0..n {
            table.push_str(&td_num(&fmt_count(counts[r * n + c])));
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table>");
    table.push_str(&table_head(
        "chart-table chart-mismatches",
        &[
            (lang.t("Account", "客户"), false),
            (lang.t("Declared", "申报等级"), false),
            (lang.t("Computed", "计算等级"), false),
            (lang.t("Score", "评分"), true),
        ],
    ));
    if mismatches.is_empty() {
        let _ = write!(
            table,
            r#"<tr class="empty"><td colspan="4">{}</td></tr>"#,
            lang.t("No mismatches", "无不一致")
        );
    }
    for (dist, r, c, p) in &mismatches {
        let _ = write!(
            table,
            r#"<tr class="mismatch off-{}">{}{}{}{}</tr>"#,
            (*dist).min(2),
            th_account(&p.name, &p.url),
            td(axis[*r]),
            td(axis[*c]),
            td_num(&fmt_f1(p.score))
        );
    }
    table.push_str("</tbody></table>");

    render_figure(&Frame {
        kind: "matrix",
        lang,
        title,
        desc: &desc,
        caption: &caption,
        width: w,
        height: h,
        body: &b,
        table: Some(&table),
    })
}

// ---------------------------------------------------------------------------
// recency_strip
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RBand {
    Green,
    Yellow,
    Orange,
    Red,
}

impl RBand {
    const ALL: [RBand; 4] = [RBand::Green, RBand::Yellow, RBand::Orange, RBand::Red];

    fn of(ratio: Option<f64>) -> RBand {
        match ratio {
            Some(r) if r <= 0.5 => RBand::Green,
            Some(r) if r <= 1.0 => RBand::Yellow,
            Some(r) if r <= 1.5 => RBand::Orange,
            _ => RBand::Red,
        }
    }

    fn fill(self) -> &'static str {
        match self {
            RBand::Green => GREEN,
            RBand::Yellow => YELLOW,
            RBand::Orange => ORANGE,
            RBand::Red => RED,
        }
    }

    fn class(self) -> &'static str {
        match self {
            RBand::Green => "band-green",
            RBand::Yellow => "band-yellow",
            RBand::Orange => "band-orange",
            RBand::Red => "band-red",
        }
    }

    fn short(self, lang: Lang) -> &'static str {
        match self {
            RBand::Green => lang.t("On track", "正常"),
            RBand::Yellow => lang.t("Due", "临近"),
            RBand::Orange => lang.t("Overdue", "逾期"),
            RBand::Red => lang.t("Critical", "严重逾期"),
        }
    }

    fn range(self, lang: Lang) -> &'static str {
        match self {
            RBand::Green => lang.t("≤ 0.5× cadence", "≤ 0.5 倍周期"),
            RBand::Yellow => lang.t("0.5–1×", "0.5–1 倍"),
            RBand::Orange => lang.t("1–1.5×", "1–1.5 倍"),
            RBand::Red => lang.t("> 1.5× or no review", "> 1.5 倍或无回访"),
        }
    }

    fn full(self, lang: Lang) -> String {
        match lang {
            Lang::En => format!("{} ({})", self.short(lang), self.range(lang)),
            Lang::Zh => format!("{}（{}）", self.short(lang), self.range(lang)),
        }
    }
}

/// days_since / cadence; `None` when never reviewed or the cadence is not
/// positive (both count as red).
fn recency_ratio(r: &Recency) -> Option<f64> {
    match r.days_since {
        Some(d) if r.cadence_days > 0 => Some(d as f64 / r.cadence_days as f64),
        _ => None,
    }
}

fn days_text(d: i64, lang: Lang) -> String {
    match lang {
        Lang::En if d == 1 || d == -1 => format!("{} day", fmt_int(d)),
        Lang::En => format!("{} days", fmt_int(d)),
        Lang::Zh => format!("{} 天", fmt_int(d)),
    }
}

/// Heat strip of review recency, one linked cell per account, most overdue
/// first, 50 cells per row. Above 2,000 accounts it becomes a histogram of
/// the ratio bands (the caption says so and the fallback table lists the
/// bands instead of the accounts).
pub fn recency_strip(items: &[Recency], lang: Lang) -> String {
    let title = lang.t("Review recency", "回访时效");
    if items.is_empty() {
        return no_data("recency", title, lang);
    }
    let mut rows: Vec<(&Recency, Option<f64>, RBand)> = items
        .iter()
        .map(|r| {
            let ratio = recency_ratio(r);
            (r, ratio, RBand::of(ratio))
        })
        .collect();
    rows.sort_by(|a, b| {
        let ka = a.1.unwrap_or(f64::INFINITY);
        let kb = b.1.unwrap_or(f64::INFINITY);
        kb.total_cmp(&ka)
            // Never reviewed before "cadence unknown", then by days.
            .then_with(|| a.0.days_since.is_some().cmp(&b.0.days_since.is_some()))
            .then_with(|| b.0.days_since.cmp(&a.0.days_since))
            .then_with(|| a.0.name.cmp(&b.0.name))
            .then_with(|| a.0.url.cmp(&b.0.url))
    });
    let total = rows.len();
    let band_counts: Vec<(RBand, usize)> = RBand::ALL
        .iter()
        .map(|b| (*b, rows.iter().filter(|r| r.2 == *b).count()))
        .collect();
    let n_red = band_counts[3].1;
    let n_never = items.iter().filter(|r| r.days_since.is_none()).count();
    let share = |c: usize| c as f64 * 100.0 / total as f64;

    let summary = match lang {
        Lang::En => format!(
            "{}; {} never reviewed",
            band_counts
                .iter()
                .map(|(b, c)| format!("{} {}", b.full(lang), fmt_count(*c)))
                .collect::<Vec<_>>()
                .join(", "),
            fmt_count(n_never)
        ),
        Lang::Zh => format!(
            "{}；其中无回访记录 {} 个",
            band_counts
                .iter()
                .map(|(b, c)| format!("{} {} 个", b.full(lang), fmt_count(*c)))
                .collect::<Vec<_>>()
                .join("，"),
            fmt_count(n_never)
        ),
    };

    if total > AGGREGATE_ABOVE {
        let bars: Vec<VBar> = band_counts
            .iter()
            .map(|(band, c)| VBar {
                line1: band.short(lang).to_string(),
                line2: band.range(lang).to_string(),
                value: *c,
                value_label: format!("{} ({})", fmt_count(*c), fmt_pct(share(*c))),
                fill: band.fill(),
                class: band.class(),
                tip: match lang {
                    Lang::En => format!("{}: {} accounts", band.full(lang), fmt_count(*c)),
                    Lang::Zh => format!("{}：{} 个客户", band.full(lang), fmt_count(*c)),
                },
            })
            .collect();
        let (body, w, h) = vbars(&bars, lang.t("Accounts", "客户数"));
        let (desc, caption) = match lang {
            Lang::En => (
                format!(
                    "Histogram of {} accounts by days since last review relative to their review cadence: {}.",
                    fmt_count(total),
                    summary
                ),
                format!(
                    "Review recency for {} accounts, aggregated into cadence bands (more than {} accounts are too many to show one by one); {} need attention.",
                    fmt_count(total),
                    fmt_count(AGGREGATE_ABOVE),
                    fmt_count(n_red)
                ),
            ),
            Lang::Zh => (
                format!(
                    "{} 个客户按距上次回访天数与回访周期之比分组的直方图：{}。",
                    fmt_count(total),
                    summary
                ),
                format!(
                    "{} 个客户的回访时效，已按周期区间汇总显示（超过 {} 个客户不逐个显示）；{} 个需要关注。",
                    fmt_count(total),
                    fmt_count(AGGREGATE_ABOVE),
                    fmt_count(n_red)
                ),
            ),
        };
        let mut table = table_head(
            "chart-table",
            &[
                (lang.t("Band", "区间"), false),
                (lang.t("Accounts", "客户数"), true),
                (lang.t("Share", "占比"), true),
            ],
        );
        for (band, c) in &band_counts {
            let _ = write!(
                table,
                r#"<tr class="{}"><th scope="row">{}</th>{}{}</tr>"#,
                band.class(),
                esc(&band.full(lang)),
                td_num(&fmt_count(*c)),
                td_num(&fmt_pct(share(*c)))
            );
        }
        table.push_str("</tbody></table>");
        return render_figure(&Frame {
            kind: "recency",
            lang,
            title,
            desc: &desc,
            caption: &caption,
            width: w,
            height: h,
            body: &body,
            table: Some(&table),
        });
    }

    // Cells: compact markup, one <a><rect><title> per account, grouped by
    // band so the fill is inherited from the group.
    let pitch: usize = if total <= 25 { 28 } else { 14 };
    let cell = pitch - 2;
    let x0 = 10usize;
    let y0 = 10usize;
    let n_rows = total.div_ceil(CELLS_PER_ROW);
    let mut b = String::with_capacity(total * 96);
    let mut cur: Option<RBand> = None;
    for (i, (r, _, band)) in rows.iter().enumerate() {
        if cur != Some(*band) {
            if cur.is_some() {
                b.push_str("</g>");
            }
            let _ = write!(
                b,
                r#"<g class="cells {}" fill="{}">"#,
                band.class(),
                band.fill()
            );
            cur = Some(*band);
        }
        let x = x0 + (i % CELLS_PER_ROW) * pitch;
        let y = y0 + (i / CELLS_PER_ROW) * pitch;
        let days = match r.days_since {
            Some(d) => days_text(d, lang),
            None => lang.t("no review", "无回访记录").to_string(),
        };
        let tip = match lang {
            Lang::En => format!("{}: {} (cadence {})", r.name, days, fmt_int(r.cadence_days)),
            Lang::Zh => format!(
                "{}：{}（周期 {} 天）",
                r.name,
                days,
                fmt_int(r.cadence_days)
            ),
        };
        let rect = format!(
            r#"<rect x="{x}" y="{y}" width="{cell}" height="{cell}"><title>{}</title></rect>"#,
            esc(&tip)
        );
        b.push_str(&link(&r.url, &rect));
    }
    b.push_str("</g>");
    let strip_bottom = (y0 + n_rows * pitch) as f64;
    let _ = write!(
        b,
        r#"<text class="note" x="{}" y="{}" fill-opacity="0.8">{}</text>"#,
        x0,
        num(strip_bottom + 14.0),
        lang.t("← most overdue first", "← 最逾期的排在最前")
    );
    let items_leg: Vec<LegendItem> = band_counts
        .iter()
        .map(|(band, c)| LegendItem {
            fill: band.fill(),
            class: band.class(),
            label: match lang {
                Lang::En => format!("{}: {}", band.full(lang), fmt_count(*c)),
                Lang::Zh => format!("{}：{}", band.full(lang), fmt_count(*c)),
            },
        })
        .collect();
    let (leg, leg_h) = legend(&items_leg, x0 as f64, strip_bottom + 28.0, WIDTH - 20.0);
    b.push_str(&leg);
    let h = strip_bottom + 28.0 + leg_h + 8.0;

    let (desc, caption) = match lang {
        Lang::En => (
            format!(
                "Heat strip of {} accounts, most overdue first, coloured by days since last review relative to the review cadence: {}.",
                fmt_count(total),
                summary
            ),
            format!(
                "Review recency, most overdue first: {} of {} accounts are more than 1.5× past their cadence or never reviewed.",
                fmt_count(n_red),
                fmt_count(total)
            ),
        ),
        Lang::Zh => (
            format!(
                "{} 个客户的回访时效色带（最逾期的在前），按距上次回访天数与回访周期之比着色：{}。",
                fmt_count(total),
                summary
            ),
            format!(
                "回访时效（最逾期的在前）：{} 个客户中有 {} 个超过周期 1.5 倍或从未回访。",
                fmt_count(total),
                fmt_count(n_red)
            ),
        ),
    };

    let mut table = table_head(
        "chart-table",
        &[
            (lang.t("Account", "客户"), false),
            (lang.t("Days since review", "距上次回访（天）"), true),
            (lang.t("Cadence (days)", "回访周期（天）"), true),
            (lang.t("Ratio", "比例"), true),
            (lang.t("Status", "状态"), false),
        ],
    );
    for (r, ratio, band) in &rows {
        let _ = write!(
            table,
            r#"<tr class="{}">{}{}{}{}{}</tr>"#,
            band.class(),
            th_account(&r.name, &r.url),
            td_num(&r.days_since.map_or_else(|| "—".to_string(), fmt_int)),
            td_num(&fmt_int(r.cadence_days)),
            td_num(&ratio.map_or_else(|| "—".to_string(), |v| format!("{}×", fmt_fixed(v, 2)))),
            td(band.short(lang))
        );
    }
    table.push_str("</tbody></table>");

    render_figure(&Frame {
        kind: "recency",
        lang,
        title,
        desc: &desc,
        caption: &caption,
        width: WIDTH,
        height: h,
        body: &b,
        table: Some(&table),
    })
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOSTILE: &str = "<script>alert(1)</script>";

    // ----- helpers --------------------------------------------------------

    /// Checks that every tag is closed in order (the charts use no void HTML
    /// elements; SVG leaves are self-closed) and that text holds no raw `<`.
    fn assert_well_formed(html: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            let j = rest[i..].find('>').expect("unterminated tag") + i;
            let tag = &rest[i + 1..j];
            assert!(!tag.contains('<'), "raw < inside tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
                assert_eq!(open, name, "mismatched close tag");
            } else if !tag.ends_with('/') {
                let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
                stack.push(name);
            }
            rest = &rest[j + 1..];
        }
        assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    }

    /// Generic checks every chart must pass.
    fn assert_common(html: &str) {
        assert_well_formed(html);
        assert!(html.starts_with(r#"<figure class="chart "#));
        assert!(html.ends_with("</figure>"));
        assert!(html.contains(r#"role="img""#));
        assert!(html.contains("aria-labelledby=\"chart-"));
        assert!(html.contains(r#"width="100%""#));
        assert!(html.contains(r#"viewBox="0 0 "#));
        assert!(html.contains("<title id=") && html.contains("<desc id="));
        assert!(html.contains("<figcaption>"));
        assert!(!html.contains("<style"), "no <style> allowed");
        assert!(!html.contains("<script"), "no script allowed");
        assert!(!html.contains("NaN") && !html.contains("inf"));
        // aria-labelledby points at ids that exist.
        let a = html.find("aria-labelledby=\"").unwrap() + 17;
        let ids = &html[a..a + html[a..].find('"').unwrap()];
        for id in ids.split(' ') {
            assert!(html.contains(&format!("id=\"{id}\"")), "missing id {id}");
        }
        // Fonts never below 12 in viewBox units (so >= 11 px at min width).
        for part in html.split("font-size=\"").skip(1) {
            let v: f64 = part[..part.find('"').unwrap()].parse().unwrap();
            assert!((12.0..=13.0).contains(&v), "font-size {v}");
        }
    }

    /// Rows in the `<tbody>` of the first table whose class contains `class`.
    fn table_rows(html: &str, class: &str) -> usize {
        let start = html
            .find(&format!(r#"<table class="chart-table {class}"#))
            .or_else(|| html.find(&format!(r#"<table class="{class}"#)))
            .unwrap_or_else(|| panic!("no table {class}"));
        let t = &html[start..];
        let t = &t[..t.find("</table>").unwrap()];
        let body = &t[t.find("<tbody>").unwrap()..];
        body.matches("<tr").count()
    }

    fn svg(html: &str) -> &str {
        let a = html.find("<svg").unwrap();
        let b = html.find("</svg>").unwrap();
        &html[a..b]
    }

    fn util(name: &str, url: &str, pct: Option<f64>) -> Utilisation {
        Utilisation {
            name: name.into(),
            url: url.into(),
            pct,
            currency: "EUR".into(),
        }
    }

    fn point(name: &str, declared: &str, computed: &str, score: f64) -> ScorePoint {
        ScorePoint {
            name: name.into(),
            url: format!("accounts/{}.html", name.to_lowercase()),
            score,
            declared: declared.into(),
            computed: computed.into(),
        }
    }

    fn rec(name: &str, days: Option<i64>, cadence: i64) -> Recency {
        Recency {
            name: name.into(),
            url: format!("accounts/{}.html", name.to_lowercase()),
            days_since: days,
            cadence_days: cadence,
        }
    }

    fn tiers4() -> Vec<String> {
        ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect()
    }

    fn sample_tiers() -> Vec<TierCount> {
        vec![
            TierCount {
                tier: "A".into(),
                label: "Strategic".into(),
                count: 3,
            },
            TierCount {
                tier: "B".into(),
                label: "Key".into(),
                count: 1234,
            },
            TierCount {
                tier: "C".into(),
                label: "Growth".into(),
                count: 0,
            },
        ]
    }

    fn sample_util() -> Vec<Utilisation> {
        vec![
            util("Alpha", "accounts/alpha.html", Some(45.0)),
            util("Bravo", "accounts/bravo.html", Some(112.5)),
            util("Charlie", "accounts/charlie.html", None),
            util("Delta", "accounts/delta.html", Some(85.26)),
            util("Echo", "accounts/echo.html", Some(100.0)),
        ]
    }

    fn sample_points() -> Vec<ScorePoint> {
        vec![
            point("Alpha", "A", "A", 91.0),
            point("Bravo", "A", "B", 70.0),
            point("Charlie", "B", "B", 66.0),
            point("Delta", "B", "D", 20.0),
            point("Echo", "C", "C", 40.0),
        ]
    }

    fn sample_recency() -> Vec<Recency> {
        vec![
            rec("Alpha", Some(10), 90),  // 0.11 green
            rec("Bravo", Some(80), 90),  // 0.89 yellow
            rec("Charlie", None, 90),    // red (never)
            rec("Delta", Some(120), 90), // 1.33 orange
            rec("Echo", Some(300), 90),  // 3.33 red
        ]
    }

    // ----- text and number helpers -----------------------------------------

    #[test]
    fn escapes_all_special_characters() {
        assert_eq!(esc(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(esc("tab\there\u{0}"), "tab here");
    }

    #[test]
    fn safe_href_accepts_relative_and_rejects_schemes() {
        assert_eq!(
            safe_href("accounts/a.html").as_deref(),
            Some("accounts/a.html")
        );
        assert_eq!(
            safe_href("../x.html?a=1&b=2").as_deref(),
            Some("../x.html?a=1&amp;b=2")
        );
        assert_eq!(
            safe_href("/abs/path.html").as_deref(),
            Some("/abs/path.html")
        );
        assert_eq!(safe_href("a/b:c.html").as_deref(), Some("a/b:c.html"));
        assert_eq!(safe_href("#frag").as_deref(), Some("#frag"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>",
            "https://evil.example/",
            "mailto:x@y",
            "//evil.example/x",
            "\\\\evil.example",
            "a:b",
            "",
            "   ",
        ] {
            assert_eq!(safe_href(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_int(0), "0");
        assert_eq!(fmt_int(999), "999");
        assert_eq!(fmt_int(1000), "1,000");
        assert_eq!(fmt_int(1234567), "1,234,567");
        assert_eq!(fmt_int(-1234), "-1,234");
        assert_eq!(fmt_int(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(fmt_count(10_000), "10,000");
        assert_eq!(fmt_pct(85.26), "85.3%");
        assert_eq!(fmt_pct(99.96), "100.0%");
        assert_eq!(fmt_pct(1234.5), "1,234.5%");
        assert_eq!(fmt_pct(0.0), "0.0%");
        assert_eq!(fmt_pct(-0.01), "0.0%");
        assert_eq!(fmt_pct(-12.34), "-12.3%");
        assert_eq!(fmt_pct(f64::NAN), "—");
        assert_eq!(fmt_fixed(2.0 / 3.0, 2), "0.67");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.25), format!("{:.1}", 12.25));
        assert_eq!(num(-0.01), "0");
    }

    #[test]
    fn band_consistent_utilisation_labels() {
        assert_eq!(fmt_util(Some(79.96), UBand::Normal, 80.0, 100.0), "79.9%");
        assert_eq!(fmt_util(Some(100.04), UBand::Over, 80.0, 100.0), "100.1%");
        assert_eq!(fmt_util(Some(85.0), UBand::Warn, 80.0, 100.0), "85.0%");
        assert_eq!(fmt_util(None, UBand::NoLimit, 80.0, 100.0), "—");
    }

    #[test]
    fn width_units_and_truncation() {
        assert_eq!(text_units("abc"), 3);
        assert_eq!(text_units("华东"), 4);
        assert_eq!(text_units("A华"), 3);
        assert_eq!(truncate_units("short", 10), "short");
        assert_eq!(truncate_units("abcdefghij", 5), "abcd…");
        // CJK counts double: 4 wide chars (8 units) + … fit in 9.
        assert_eq!(truncate_units("深圳星海电子科技", 9), "深圳星海…");
        assert_eq!(truncate_units("ab cdef", 4), "ab…");
        assert!(
            text_units(&truncate_units(
                "深圳星海电子科技集团股份有限公司",
                NAME_UNITS
            )) <= NAME_UNITS
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(6.0, 4.0, true), 2.0);
        assert_eq!(nice_step(1.0, 4.0, true), 1.0);
        assert_eq!(nice_step(1234.0, 4.0, true), 500.0);
        assert_eq!(nice_step(126.0, 5.0, false), 50.0);
        assert_eq!(nice_step(105.0, 5.0, false), 25.0);
        assert_eq!(nice_step(f64::NAN, 5.0, false), 1.0);
    }

    // ----- tier_bars -------------------------------------------------------

    #[test]
    fn tier_bars_labels_values_and_table() {
        let html = tier_bars(&sample_tiers(), Lang::En);
        assert_common(&html);
        assert!(html.contains("chart-tiers"));
        for s in [
            "Strategic",
            "Key",
            "Growth",
            ">3<",
            ">1,234<",
            ">0<",
            "Accounts by tier",
        ] {
            assert!(html.contains(s), "missing {s}");
        }
        assert!(html.contains("1,237 in total"));
        assert_eq!(table_rows(&html, "chart-table"), 3);
        assert!(html.contains("<summary>Data</summary>"));
        // Given order is kept.
        let s = svg(&html);
        let (a, b, c) = (
            s.find(">Strategic<").unwrap(),
            s.find(">Key<").unwrap(),
            s.find(">Growth<").unwrap(),
        );
        assert!(a < b && b < c);
        assert_eq!(s.matches(r#"<rect x="#).count(), 3);
    }

    #[test]
    fn tier_bars_chinese_empty_hostile_deterministic() {
        let zh = tier_bars(&sample_tiers(), Lang::Zh);
        assert_common(&zh);
        assert!(zh.contains("各等级客户数量") && zh.contains("<summary>数据</summary>"));
        assert!(zh.contains("合计 1,237 个") && zh.contains(r#"lang="zh-Hans""#));
        assert!(zh.contains(">等级<") && zh.contains(">占比<"));

        for lang in [Lang::En, Lang::Zh] {
            let e = tier_bars(&[], lang);
            assert_common(&e);
            assert!(e.contains(lang.t("No data", "暂无数据")));
            assert!(!e.contains("<details"));
        }

        let hostile = vec![TierCount {
            tier: HOSTILE.into(),
            label: format!("{HOSTILE}\"' & more"),
            count: 2,
        }];
        let h = tier_bars(&hostile, Lang::En);
        assert_common(&h);
        assert!(h.contains("&lt;script&gt;"));

        assert_eq!(
            tier_bars(&sample_tiers(), Lang::En),
            tier_bars(&sample_tiers(), Lang::En)
        );
    }

    // ----- utilisation_bars --------------------------------------------------

    #[test]
    fn utilisation_sorted_highest_first_with_none_last() {
        let html = utilisation_bars(&sample_util(), 80.0, 100.0, 10, Lang::En);
        assert_common(&html);
        let s = svg(&html);
        let order: Vec<usize> = ["Bravo", "Echo", "Delta", "Alpha", "Charlie"]
            .iter()
            .map(|n| s.find(&format!(">{n}<")).unwrap_or_else(|| panic!("{n}")))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        // Table in the same order, one row per item.
        assert_eq!(table_rows(&html, "chart-table"), 5);
        let t = &html[html.find("<table").unwrap()..];
        assert!(t.find(">Bravo<").unwrap() < t.find(">Charlie<").unwrap());
        // Values and labels.
        for v in [
            "112.5%",
            "100.0%",
            "85.3%",
            "45.0%",
            "Warning 80.0%",
            "Limit 100.0%",
        ] {
            assert!(html.contains(v), "missing {v}");
        }
        assert!(s.contains(r#"fill-opacity="0.75">—<title>No limit set</title>"#));
        assert!(html.contains("stroke-dasharray"));
        assert!(!html.contains("showing top"));
        // Links inside the SVG.
        assert!(s.contains(r#"<a href="accounts/bravo.html"><text class="name""#));
    }

    #[test]
    fn utilisation_bands_coloured() {
        let html = utilisation_bars(&sample_util(), 80.0, 100.0, 0, Lang::En);
        let s = svg(&html);
        let bar = |name: &str| {
            let i = s.find(&format!(">{name}<")).unwrap();
            let r = &s[i..];
            let r = &r[r.find("<rect class=\"bar ").unwrap()..];
            r[..r.find('>').unwrap()].to_string()
        };
        assert!(bar("Alpha").contains("band-normal") && bar("Alpha").contains(BLUE));
        assert!(bar("Delta").contains("band-warn") && bar("Delta").contains(AMBER));
        // Exactly at max is still amber (warn..=max).
        assert!(bar("Echo").contains("band-warn") && bar("Echo").contains(AMBER));
        assert!(bar("Bravo").contains("band-over") && bar("Bravo").contains(RED));
        assert_eq!(UBand::of(Some(80.0), 80.0, 100.0), UBand::Warn);
        assert_eq!(UBand::of(Some(79.999), 80.0, 100.0), UBand::Normal);
        assert_eq!(UBand::of(Some(100.001), 80.0, 100.0), UBand::Over);
        assert_eq!(UBand::of(Some(f64::NAN), 80.0, 100.0), UBand::NoLimit);
        assert!(html.contains("1 over limit, 2 at warning level"));
    }

    #[test]
    fn utilisation_cut_off_caption_and_full_table() {
        let items: Vec<Utilisation> = (0..15)
            .map(|i| {
                util(
                    &format!("Acct{i:02}"),
                    &format!("a/{i}.html"),
                    Some(i as f64 * 9.0),
                )
            })
            .collect();
        let html = utilisation_bars(&items, 80.0, 100.0, 10, Lang::En);
        assert_common(&html);
        assert!(html.contains("showing top 10 of 15"));
        let s = svg(&html);
        assert_eq!(s.matches(r#"<rect class="bar "#).count(), 10);
        assert!(s.contains(">Acct14<") && s.contains(">Acct05<"));
        assert!(!s.contains(">Acct04<"), "lowest accounts are cut");
        assert_eq!(table_rows(&html, "chart-table"), 15);
        // 1,000+ accounts get thousands separators in the caption.
        let many: Vec<Utilisation> = (0..1500)
            .map(|i| util(&format!("A{i}"), "a.html", Some((i % 120) as f64)))
            .collect();
        let big = utilisation_bars(&many, 80.0, 100.0, 20, Lang::En);
        assert!(big.contains("showing top 20 of 1,500"));
        let zh = utilisation_bars(&items, 80.0, 100.0, 10, Lang::Zh);
        assert!(zh.contains("显示前 10 个，共 15 个"));
    }

    #[test]
    fn utilisation_truncates_long_names_with_full_title() {
        let long = "Contoso Pharmaceuticals International Holdings";
        let cjk = "深圳星海电子科技集团股份有限公司";
        let html = utilisation_bars(
            &[
                util(long, "a.html", Some(50.0)),
                util(cjk, "b.html", Some(60.0)),
            ],
            80.0,
            100.0,
            10,
            Lang::En,
        );
        let s = svg(&html);
        let short = truncate_units(long, NAME_UNITS);
        assert!(short.ends_with('…') && text_units(&short) <= NAME_UNITS);
        assert!(s.contains(&format!(">{short}<title>{long}</title>")));
        let short_cjk = truncate_units(cjk, NAME_UNITS);
        assert_eq!(short_cjk, "深圳星海电子科技集团股份…");
        assert!(s.contains(&short_cjk));
    }

    #[test]
    fn utilisation_hostile_javascript_chinese_empty_deterministic() {
        let items = vec![
            util(HOSTILE, "javascript:alert(1)", Some(90.0)),
            util("Ok", "accounts/ok.html", Some(10.0)),
            util("Evil2", "https://evil.example/x", Some(20.0)),
        ];
        let html = utilisation_bars(&items, 80.0, 100.0, 10, Lang::En);
        assert_common(&html);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("evil.example"));
        assert_eq!(
            html.matches("<a href=").count(),
            2,
            "svg + table link for Ok only"
        );

        let zh = utilisation_bars(&sample_util(), 80.0, 100.0, 10, Lang::Zh);
        assert_common(&zh);
        for s in [
            "信用额度使用率",
            "预警 80.0%",
            "上限 100.0%",
            "未设额度",
            "超限 1 个",
            "<summary>数据</summary>",
        ] {
            assert!(zh.contains(s), "missing {s}");
        }
        let e = utilisation_bars(&[], 80.0, 100.0, 10, Lang::En);
        assert_common(&e);
        assert!(e.contains("No data"));
        assert_eq!(
            utilisation_bars(&sample_util(), 80.0, 100.0, 3, Lang::En),
            utilisation_bars(&sample_util(), 80.0, 100.0, 3, Lang::En)
        );
        // Input order does not matter (ties broken by name).
        let mut rev = sample_util();
        rev.reverse();
        assert_eq!(
            utilisation_bars(&rev, 80.0, 100.0, 3, Lang::En),
            utilisation_bars(&sample_util(), 80.0, 100.0, 3, Lang::En)
        );
    }

    #[test]
    fn utilisation_extreme_values_stay_in_bounds() {
        let items = vec![
            util("Huge", "a.html", Some(5000.0)),
            util("Neg", "b.html", Some(-20.0)),
            util("Nan", "c.html", Some(f64::NAN)),
            util("Inf", "d.html", Some(f64::INFINITY)),
        ];
        let html = utilisation_bars(&items, 80.0, 100.0, 0, Lang::En);
        assert_common(&html);
        assert!(html.contains("5,000.0%") && html.contains("-20.0%"));
        assert!(html.contains("clipped"));
        // Every x coordinate inside the viewBox.
        for part in svg(&html).split(" x=\"").skip(1) {
            let v: f64 = part[..part.find('"').unwrap()].parse().unwrap();
            assert!((0.0..=WIDTH).contains(&v), "x={v}");
        }
        // Odd thresholds do not panic.
        assert_common(&utilisation_bars(&items, f64::NAN, -5.0, 2, Lang::Zh));
        assert_common(&utilisation_bars(&items, 120.0, 100.0, 2, Lang::En));
    }

    // ----- tier_matrix -----------------------------------------------------

    #[test]
    fn matrix_counts_highlight_and_mismatch_table() {
        let html = tier_matrix(&sample_points(), &tiers4(), Lang::En);
        assert_common(&html);
        assert!(html.contains("3 of 5 accounts agree (60.0%)"));
        let s = svg(&html);
        assert_eq!(s.matches(r#"<g class="cell "#).count(), 16);
        assert_eq!(s.matches(r#"<g class="cell agree""#).count(), 3);
        assert_eq!(s.matches(r#"<g class="cell mismatch off-1""#).count(), 1);
        assert_eq!(s.matches(r#"<g class="cell mismatch off-2""#).count(), 1);
        assert!(s.contains("Declared A → computed B: 1 accounts"));
        assert!(s.contains("Declared tier") && s.contains("Computed tier"));
        // Mismatch table: one row per mismatched account, biggest gap first.
        assert_eq!(table_rows(&html, "chart-mismatches"), 2);
        let t = &html[html.find("chart-mismatches").unwrap()..];
        assert!(t.find(">Delta<").unwrap() < t.find(">Bravo<").unwrap());
        assert!(t.contains("20.0") && t.contains(r#"href="accounts/delta.html""#));
        // Count matrix in the fallback too.
        assert_eq!(table_rows(&html, "chart-matrix"), 4);
    }

    #[test]
    fn matrix_unknown_tiers_appended_and_no_mismatch_row() {
        let pts = vec![point("X", "A", "Z", 1.0), point("Y", "Q", "A", 2.0)];
        let html = tier_matrix(&pts, &["A".to_string(), "A".to_string()], Lang::En);
        assert_common(&html);
        let s = svg(&html);
        let (a, q, z) = (
            s.find(r#"font-weight="600">A<"#).unwrap(),
            s.find(r#"font-weight="600">Q<"#).unwrap(),
            s.find(r#"font-weight="600">Z<"#).unwrap(),
        );
        assert!(a < q && q < z);
        assert_eq!(s.matches(r#"<g class="cell "#).count(), 9);

        let agree = vec![point("X", "A", "A", 1.0)];
        let html = tier_matrix(&agree, &tiers4(), Lang::En);
        assert!(html.contains("No mismatches"));
        assert!(html.contains("1 of 1 accounts agree (100.0%)"));
    }

    #[test]
    fn matrix_chinese_hostile_empty_deterministic() {
        let zh = tier_matrix(&sample_points(), &tiers4(), Lang::Zh);
        assert_common(&zh);
        for s in [
            "申报等级",
            "计算等级",
            "一致",
            "相差一级",
            "相差两级及以上",
            "评分",
            "<summary>数据</summary>",
        ] {
            assert!(zh.contains(s), "missing {s}");
        }
        let mut pts = sample_points();
        pts.push(ScorePoint {
            name: HOSTILE.into(),
            url: "javascript:alert(1)".into(),
            score: f64::NAN,
            declared: HOSTILE.into(),
            computed: "A".into(),
        });
        let h = tier_matrix(&pts, &tiers4(), Lang::En);
        assert_common(&h);
        assert!(h.contains("&lt;script&gt;") && !h.contains("javascript:"));
        assert_eq!(table_rows(&h, "chart-mismatches"), 3);
        for lang in [Lang::En, Lang::Zh] {
            let e = tier_matrix(&[], &tiers4(), lang);
            assert_common(&e);
            assert!(e.contains(lang.t("No data", "暂无数据")));
        }
        assert_eq!(
            tier_matrix(&sample_points(), &tiers4(), Lang::En),
            tier_matrix(&sample_points(), &tiers4(), Lang::En)
        );
    }

    // ----- recency_strip ---------------------------------------------------

    #[test]
    fn recency_cells_sorted_coloured_and_titled() {
        let html = recency_strip(&sample_recency(), Lang::En);
        assert_common(&html);
        let s = svg(&html);
        assert_eq!(
            s.matches("<rect x=").count() - 4,
            5,
            "5 cells + 4 legend swatches"
        );
        // Most overdue first: never reviewed, then 3.33, 1.33, 0.89, 0.11.
        let order: Vec<usize> = [
            "Charlie: no review",
            "Echo: 300 days",
            "Delta: 120",
            "Bravo: 80",
            "Alpha: 10",
        ]
        .iter()
        .map(|n| s.find(n).unwrap_or_else(|| panic!("{n}")))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert!(s.contains("<title>Echo: 300 days (cadence 90)</title>"));
        assert!(s.contains(r#"<a href="accounts/alpha.html"><rect "#));
        // Band groups carry the colours.
        let band_of = |name: &str| {
            let i = s.find(&format!("<title>{name}:")).unwrap();
            let g = s[..i].rfind("<g class=\"cells ").unwrap();
            s[g..g + 60].to_string()
        };
        assert!(band_of("Alpha").contains(GREEN));
        assert!(band_of("Bravo").contains(YELLOW));
        assert!(band_of("Delta").contains(ORANGE));
        assert!(band_of("Echo").contains(RED));
        assert!(band_of("Charlie").contains(RED));
        assert_eq!(RBand::of(Some(0.5)), RBand::Green);
        assert_eq!(RBand::of(Some(1.0)), RBand::Yellow);
        assert_eq!(RBand::of(Some(1.5)), RBand::Orange);
        assert_eq!(RBand::of(Some(1.51)), RBand::Red);
        assert_eq!(RBand::of(None), RBand::Red);
        // Legend lists all bands, table has one row per account.
        for s in [
            "On track (≤ 0.5× cadence): 1",
            "Due (0.5–1×): 1",
            "Overdue (1–1.5×): 1",
            "Critical (&gt; 1.5× or no review): 2",
        ] {
            assert!(html.contains(s), "missing {s}");
        }
        assert_eq!(table_rows(&html, "chart-table"), 5);
        assert!(html.contains("2 of 5 accounts are more than 1.5× past"));
    }

    #[test]
    fn recency_wraps_rows_of_fifty() {
        let items: Vec<Recency> = (0..120)
            .map(|i| rec(&format!("N{i:03}"), Some(i), 100))
            .collect();
        let html = recency_strip(&items, Lang::En);
        assert_common(&html);
        let s = svg(&html);
        let mut per_row = std::collections::BTreeMap::new();
        for part in s
            .split("<rect x=\"")
            .skip(1)
            .filter(|p| p.contains("width=\"12\" height=\"12\"><title>"))
        {
            let y: String = part
                .split("y=\"")
                .nth(1)
                .unwrap()
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            *per_row.entry(y.parse::<i64>().unwrap()).or_insert(0) += 1;
        }
        assert_eq!(
            per_row.values().copied().collect::<Vec<_>>(),
            vec![50, 50, 20]
        );
        assert_eq!(table_rows(&html, "chart-table"), 120);
    }

    #[test]
    fn recency_markup_per_cell_is_small() {
        let items: Vec<Recency> = (0..2000)
            .map(|i| rec(&format!("A{i:04}"), Some(i % 200), 90))
            .collect();
        let html = recency_strip(&items, Lang::En);
        let s = svg(&html);
        assert_eq!(
            s.matches("<a href=").count(),
            2000,
            "not aggregated at 2,000"
        );
        let per_cell = s.len() as f64 / 2000.0;
        // name (5) + url (~20) + fixed markup: well under 150 bytes per cell.
        assert!(per_cell < 150.0, "{per_cell} bytes per cell");
    }

    #[test]
    fn recency_aggregates_above_two_thousand() {
        let items: Vec<Recency> = (0..10_000)
            .map(|i| {
                rec(
                    &format!("Account {i}"),
                    if i % 10 == 0 {
                        None
                    } else {
                        Some((i % 300) as i64)
                    },
                    [30, 90, 180][i % 3],
                )
            })
            .collect();
        let started = std::time::Instant::now();
        let html = recency_strip(&items, Lang::En);
        assert!(started.elapsed().as_secs() < 5);
        assert_common(&html);
        let s = svg(&html);
        assert!(!s.contains("<a href="), "no per-account cells");
        assert!(!html.contains("Account 42"));
        assert!(html.contains("10,000 accounts, aggregated into cadence bands"));
        assert_eq!(s.matches("<rect x=").count(), 4, "one bar per band");
        assert_eq!(table_rows(&html, "chart-table"), 4);
        assert!(html.len() < 20_000, "{} bytes", html.len());
        let counts: usize = [RBand::Green, RBand::Yellow, RBand::Orange, RBand::Red]
            .iter()
            .map(|b| {
                items
                    .iter()
                    .filter(|r| RBand::of(recency_ratio(r)) == *b)
                    .count()
            })
            .sum();
        assert_eq!(counts, 10_000);
        let zh = recency_strip(&items, Lang::Zh);
        assert!(zh.contains("已按周期区间汇总"));
        assert!(!recency_strip(&items[..2001], Lang::En).contains("<a href="));
    }

    #[test]
    fn recency_hostile_javascript_chinese_empty_deterministic() {
        let items = vec![
            Recency {
                name: HOSTILE.into(),
                url: "javascript:alert(1)".into(),
                days_since: Some(5),
                cadence_days: 0,
            },
            rec("Ok", Some(1), 30),
        ];
        let html = recency_strip(&items, Lang::En);
        assert_common(&html);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;: 5 days (cadence 0)"));
        assert!(html.contains("Ok: 1 day (cadence 30)"));
        assert!(!html.contains("javascript:"));
        assert_eq!(
            html.matches("<a href=").count(),
            2,
            "svg + table link for Ok only"
        );

        let zh = recency_strip(&sample_recency(), Lang::Zh);
        assert_common(&zh);
        for s in [
            "回访时效",
            "Echo：300 天（周期 90 天）",
            "Charlie：无回访记录（周期 90 天）",
            "严重逾期",
            "<summary>数据</summary>",
        ] {
            assert!(zh.contains(s), "missing {s}");
        }
        for lang in [Lang::En, Lang::Zh] {
            let e = recency_strip(&[], lang);
            assert_common(&e);
            assert!(e.contains(lang.t("No data", "暂无数据")));
        }
        let mut rev = sample_recency();
        rev.reverse();
        assert_eq!(
            recency_strip(&rev, Lang::En),
            recency_strip(&sample_recency(), Lang::En)
        );
    }

    #[test]
    fn ids_differ_between_charts() {
        let a = tier_bars(&sample_tiers(), Lang::En);
        let b = tier_bars(&sample_tiers()[..2], Lang::En);
        let id = |h: &str| {
            let i = h.find("aria-labelledby=\"").unwrap() + 17;
            h[i..i + h[i..].find(' ').unwrap()].to_string()
        };
        assert_ne!(id(&a), id(&b));
    }

    // ----- properties ------------------------------------------------------

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn prop_escape_leaves_no_markup(s in any::<String>()) {
            let e = esc(&s);
            prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        }

        #[test]
        fn prop_href_never_has_scheme(s in any::<String>()) {
            if let Some(h) = safe_href(&s) {
                let head = h.split('/').next().unwrap();
                prop_assert!(!head.contains(':'));
                prop_assert!(!h.starts_with("//"));
            }
        }

        #[test]
        fn prop_truncation_fits(s in any::<String>(), max in 1usize..40) {
            prop_assert!(text_units(&truncate_units(&s, max)) <= max);
        }

        #[test]
        fn prop_fmt_int_roundtrip(n in any::<i64>()) {
            let f = fmt_int(n);
            prop_assert_eq!(f.replace(',', "").parse::<i64>().unwrap(), n);
            prop_assert!(f.split(',').skip(1).all(|g| g.len() == 3));
        }

        #[test]
        fn prop_charts_well_formed_for_any_text(
            names in proptest::collection::vec(any::<String>(), 1..8),
            pcts in proptest::collection::vec(proptest::option::of(-50.0f64..500.0), 8),
            days in proptest::collection::vec(proptest::option::of(-10i64..1000), 8),
        ) {
            let u: Vec<Utilisation> = names.iter().zip(&pcts)
                .map(|(n, p)| Utilisation { name: n.clone(), url: n.clone(), pct: *p, currency: n.clone() })
                .collect();
            let t: Vec<TierCount> = names.iter().enumerate()
                .map(|(i, n)| TierCount { tier: n.clone(), label: n.clone(), count: i * 997 })
                .collect();
            let p: Vec<ScorePoint> = names.iter().enumerate()
                .map(|(i, n)| ScorePoint { name: n.clone(), url: n.clone(), score: i as f64, declared: n.clone(), computed: names[0].clone() })
                .collect();
            let r: Vec<Recency> = names.iter().zip(&days)
                .map(|(n, d)| Recency { name: n.clone(), url: n.clone(), days_since: *d, cadence_days: 30 })
                .collect();
            for lang in [Lang::En, Lang::Zh] {
                for html in [
                    tier_bars(&t, lang),
                    utilisation_bars(&u, 80.0, 100.0, 5, lang),
                    tier_matrix(&p, &names, lang),
                    recency_strip(&r, lang),
                ] {
                    assert_common(&html);
                }
            }
        }
    }
}
