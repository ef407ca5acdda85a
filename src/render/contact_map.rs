//! Contact map: the customer's decision chain as a static, inline SVG.
//!
//! Everything is laid out at build time (no JavaScript) and must survive the
//! site's sanitiser, so there is no `<style>`, no `<defs>`/`url(#…)` references
//! (arrowheads are drawn as plain paths) and only presentation attributes.
//! Stance is encoded twice (fill colour *and* a symbol) and link kinds by dash
//! pattern *and* head shape, so the picture still reads when printed in black
//! and white. Output is byte-for-byte deterministic: input order is kept and
//! every number goes through [`num`].

use std::collections::HashMap;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

// ---------------------------------------------------------------- public API

/// One person on the customer side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapContact {
    pub id: String,
    pub name: String,
    pub title: String,
    pub department: String,
    /// snake_case: decision_maker economic_buyer technical_buyer user_buyer champion
    /// coach influencer gatekeeper procurement finance_approver executive_sponsor
    pub roles: Vec<String>,
    /// champion | supporter | neutral | skeptic | blocker | "" (unknown)
    pub stance: String,
    /// high | medium | low | ""
    pub influence: String,
    /// Our relationship strength 1..=5.
    pub strength: Option<u8>,
    /// active | left | inactive
    pub status: String,
    pub reports_to: Option<String>,
    /// Who on our side owns the relationship ("" if none).
    pub our_contact: String,
    /// Last contact older than the account's review cadence (or never contacted).
    pub stale: bool,
}

/// A relationship that is not a reporting line. `kind`: influence | conflict | informal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapLink {
    pub from: String,
    pub to: String,
    pub kind: String,
}

/// Language of the UI labels (legend, headings, tooltips); contributor text is shown as is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// A coverage gap found by [`coverage_gaps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub code: &'static str,
    pub message: String,
    pub contact_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct GapInput<'a> {
    pub min_departments: usize,
    pub requires_decision_maker: bool,
    /// Plan body + action texts (any case; lowercased here).
    pub plan_text: &'a str,
}

/// A card's box in SVG user units (px), top-left corner plus size.
#[derive(Debug, Clone, PartialEq)]
pub struct CardBox {
    pub id: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// An orthogonal reporting-line connector from the parent's bottom to the child's top.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from_id: String,
    pub to_id: String,
    pub points: Vec<(f64, f64)>,
}

/// `cards[i]` belongs to `contacts[i]`; everything lies within `[0,width]×[0,height]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub cards: Vec<CardBox>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
}

// ------------------------------------------------------------- geometry knobs

const CARD_MIN_W: f64 = 150.0;
const CARD_MAX_W: f64 = 240.0;
/// One height for every card keeps rows aligned, so edges only ever run in row gaps.
const CARD_H: f64 = 106.0;
const PAD: f64 = 10.0;
/// Between neighbouring cards/subtrees of one tree.
const H_GAP: f64 = 24.0;
/// Between rows; the horizontal part of an edge runs at half this gap.
const V_GAP: f64 = 48.0;
/// Between separate trees (roots) and between wrapped bands.
const ROOT_GAP: f64 = 48.0;
const BAND_GAP: f64 = 64.0;
/// Wrap root subtrees into another band beyond this total width.
const MAX_W: f64 = 1400.0;
const MARGIN: f64 = 20.0;
/// Room above/below the tree for same-row link arches.
const ARCH_ROOM: f64 = 16.0;
/// Untrusted text is cut to this many chars before measuring, keeping the fit loops cheap.
const MAX_CHARS: usize = 300;
/// Space kept free at the right of the name line for influence bars + stance symbol.
const TOP_RIGHT: f64 = 40.0;

/// Px per `unicode_width` unit for each text style (CJK = 2 units).
const NAME_PPU: f64 = 8.8; // 13 px bold (wide fallback fonts such as DejaVu Sans Bold need ~8.5)
const TITLE_PPU: f64 = 6.8; // 12 px
const SMALL_PPU: f64 = 6.2; // 11 px
const BADGE_PPU: f64 = 7.0; // 9 px bold capitals
const LEGEND_PPU: f64 = 6.6; // 12 px

/// Text inside cards sits on fixed light fills, so it gets a fixed dark colour;
/// text outside cards uses currentColor to follow the page.
const INK: &str = "#1f2937";
const MUTED: &str = "#4b5563";
const EDGE: &str = "#8a94a6";
const WARN: &str = "#d97706";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

// ------------------------------------------------------------------- tables

struct Stance {
    key: &'static str,
    fill: &'static str,
    stroke: &'static str,
    symbol: &'static str,
    en: &'static str,
    zh: &'static str,
}

#[rustfmt::skip]
const STANCES: [Stance; 6] = [
    Stance { key: "champion", fill: "#cdebd0", stroke: "#2e7d32", symbol: "★", en: "champion", zh: "拥护者" },
    Stance { key: "supporter", fill: "#e8f5e3", stroke: "#558b2f", symbol: "＋", en: "supporter", zh: "支持者" },
    Stance { key: "neutral", fill: "#eef1f4", stroke: "#607d8b", symbol: "○", en: "neutral", zh: "中立" },
    Stance { key: "skeptic", fill: "#fff1c9", stroke: "#b26a00", symbol: "？", en: "skeptic", zh: "怀疑者" },
    Stance { key: "blocker", fill: "#fcdcda", stroke: "#c62828", symbol: "✕", en: "blocker", zh: "反对者" },
    Stance { key: "unknown", fill: "#ffffff", stroke: "#9e9e9e", symbol: "·", en: "unknown", zh: "未知" },
];

/// (key, badge, English, Chinese)
#[rustfmt::skip]
const ROLES: [(&str, &str, &str, &str); 11] = [
    ("decision_maker", "DM", "decision maker", "决策者"),
    ("economic_buyer", "EB", "economic buyer", "经济决策者"),
    ("technical_buyer", "TB", "technical buyer", "技术决策者"),
    ("user_buyer", "UB", "user buyer", "使用者"),
    ("champion", "CH", "champion", "拥护者"),
    ("coach", "CO", "coach", "教练"),
    ("influencer", "INF", "influencer", "影响者"),
    ("gatekeeper", "GK", "gatekeeper", "把关者"),
    ("procurement", "PR", "procurement", "采购"),
    ("finance_approver", "FA", "finance approver", "财务审批人"),
    ("executive_sponsor", "ES", "executive sponsor", "高层发起人"),
];

struct LinkStyle {
    key: &'static str,
    color: &'static str,
    dash: &'static str,
    width: f64,
    en: &'static str,
    zh: &'static str,
}

/// Unknown link kinds are drawn in the last (informal) style.
#[rustfmt::skip]
const LINKS: [LinkStyle; 3] = [
    LinkStyle { key: "influence", color: "#1d4ed8", dash: "7 4", width: 1.6, en: "influence", zh: "影响" },
    LinkStyle { key: "conflict", color: "#b91c1c", dash: "3 3", width: 1.8, en: "conflict", zh: "冲突" },
    LinkStyle { key: "informal", color: "#7c3aed", dash: "1 3", width: 1.8, en: "informal tie", zh: "非正式关系" },
];

/// Department top bands; saturated enough to tell apart, light enough to print.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#2f4b7c", "#8f9a2e", "#a0cbe8",
];

/// UI strings: (English, Chinese).
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

// ---------------------------------------------------------------- text utils

/// Lowercase, trim, and accept `-`/space for `_`, so "Decision Maker" still matches.
fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['-', ' '], "_")
}

/// Escape for both text and attribute values; drops chars XML cannot carry at all.
fn esc(s: &str) -> String {
    crate::escape::xml(s)
}

/// One display line: whitespace/control runs collapse to one space (a newline in a
/// name must not break the card), length capped so measuring stays cheap.
fn clean(s: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars().take(MAX_CHARS) {
        // Bidi overrides could visually reorder neighbouring text: drop them.
        if matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            continue;
        }
        if c.is_whitespace() || c.is_control() || crate::escape::xml_invalid(c) {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

fn units(s: &str) -> f64 {
    UnicodeWidthStr::width(s) as f64
}

/// Truncate to `max_px` (at `ppu` px per width unit) with a trailing "…". Cuts only
/// at char boundaries and re-measures the whole candidate, because
/// `unicode_width` widths are not always additive (emoji sequences, ligatures).
fn fit(s: &str, max_px: f64, ppu: f64) -> String {
    if units(s) * ppu <= max_px {
        return s.to_string();
    }
    let mut best = String::new();
    for (i, c) in s.char_indices() {
        let cand = format!("{}…", s[..i + c.len_utf8()].trim_end());
        if units(&cand) * ppu > max_px {
            break;
        }
        best = cand;
    }
    if best.is_empty() && units("…") * ppu <= max_px {
        best.push('…');
    }
    best
}

/// Greedy wrap preferring spaces; CJK text (no spaces) breaks between chars.
fn wrap(s: &str, max_px: f64, ppu: f64, max_lines: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if lines.len() + 1 >= max_lines || units(rest) * ppu <= max_px {
            lines.push(fit(rest, max_px, ppu));
            break;
        }
        let (mut end, mut space) = (0, None);
        for (i, c) in rest.char_indices() {
            let next = i + c.len_utf8();
            if units(&rest[..next]) * ppu > max_px {
                break;
            }
            if c == ' ' {
                space = Some(i);
            }
            end = next;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let cut = space.filter(|&i| i > 0).unwrap_or(end.max(first));
        lines.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    lines
}

/// Fixed precision keeps output byte-stable; ".0" is dropped to keep it short.
fn num(v: f64) -> String {
    N(v).to_string()
}

/// FNV-1a: stable across runs and Rust versions, unlike `DefaultHasher`.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn dept_key(s: &str) -> String {
    clean(s).to_lowercase()
}

fn is_active(c: &MapContact) -> bool {
    // Lenient on purpose: a missing status means the contact is current.
    !matches!(norm(&c.status).as_str(), "left" | "inactive")
}

fn has_role(c: &MapContact, keys: &[&str]) -> bool {
    c.roles.iter().any(|r| keys.contains(&norm(r).as_str()))
}

fn stance_of(s: &str) -> &'static Stance {
    let n = norm(s);
    STANCES.iter().find(|st| st.key == n).unwrap_or(&STANCES[5])
}

fn display_name(c: &MapContact) -> String {
    let n = clean(&c.name);
    if n.is_empty() {
        clean(&c.id)
    } else {
        n
    }
}

fn role_badge(role: &str) -> String {
    let n = norm(role);
    if let Some(r) = ROLES.iter().find(|r| r.0 == n) {
        return r.1.to_string();
    }
    // Unknown role: initials, ASCII only, so the badge stays tiny and safe.
    let s: String = n
        .split('_')
        .filter_map(|p| p.chars().next())
        .filter(char::is_ascii_alphanumeric)
        .take(3)
        .collect::<String>()
        .to_uppercase();
    if s.is_empty() {
        "?".into()
    } else {
        s
    }
}

fn role_name(role: &str, lang: Lang) -> String {
    let n = norm(role);
    match ROLES.iter().find(|r| r.0 == n) {
        Some(r) => tr(lang, r.2, r.3).to_string(),
        None => clean(role),
    }
}

// -------------------------------------------------------------- coverage gaps

/// Ids/names are matched as whole words where they start/end with an ASCII
/// letter or digit ("li" must not match "client"); CJK names have no word
/// boundaries, so they match as plain substrings.
fn mentions(hay: &str, needle: &str) -> bool {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let (first, last) = (needle.chars().next(), needle.chars().last());
    hay.match_indices(&needle).any(|(i, _)| {
        let before = hay[..i].chars().last();
        let after = hay[i + needle.len()..].chars().next();
        !((word(first) && word(before)) || (word(last) && word(after)))
    })
}

/// Coverage gaps:
/// - "no-decision-maker": no active contact with decision_maker or economic_buyer
///   (only when `requires_decision_maker`);
/// - "no-supporter-among-deciders": there are active decision makers/economic
///   buyers but none is a champion or supporter (with no deciders at all the
///   first gap already says it);
/// - "single-threaded": only one active contact, or exactly one of ≥ 2 active
///   contacts has strength ≥ 4;
/// - "departments-below-minimum": distinct non-empty departments among active
///   contacts (trimmed, case-folded) < `min_departments`;
/// - "blocker-without-action": one gap per active blocker whose name or id does
///   not appear in `plan_text`.
///
/// "Active" means status is not left/inactive.
pub fn coverage_gaps(contacts: &[MapContact], input: &GapInput) -> Vec<Gap> {
    let active: Vec<&MapContact> = contacts.iter().filter(|c| is_active(c)).collect();
    let label = |c: &MapContact| format!("{} ({})", display_name(c), clean(&c.id));
    let mut gaps = Vec::new();

    let deciders: Vec<&MapContact> = active
        .iter()
        .copied()
        .filter(|c| has_role(c, &["decision_maker", "economic_buyer"]))
        .collect();
    if deciders.is_empty() && input.requires_decision_maker {
        gaps.push(Gap {
            code: "no-decision-maker",
            message: "No active decision maker or economic buyer is mapped.".into(),
            contact_ids: vec![],
        });
    }
    let friendly = |c: &&MapContact| matches!(stance_of(&c.stance).key, "champion" | "supporter");
    if !deciders.is_empty() && !deciders.iter().any(friendly) {
        let names: Vec<String> = deciders.iter().map(|c| label(c)).collect();
        gaps.push(Gap {
            code: "no-supporter-among-deciders",
            message: format!(
                "No decision maker is a champion or supporter: {}.",
                names.join(", ")
            ),
            contact_ids: deciders.iter().map(|c| c.id.clone()).collect(),
        });
    }

    let strong: Vec<&MapContact> = active
        .iter()
        .copied()
        .filter(|c| c.strength.unwrap_or(0) >= 4)
        .collect();
    if active.len() == 1 {
        gaps.push(Gap {
            code: "single-threaded",
            message: format!(
                "Single-threaded: {} is the only active contact.",
                label(active[0])
            ),
            contact_ids: vec![active[0].id.clone()],
        });
    } else if active.len() >= 2 && strong.len() == 1 {
        gaps.push(Gap {
            code: "single-threaded",
            message: format!(
                "Single-threaded: only {} has a strong relationship (strength ≥ 4).",
                label(strong[0])
            ),
            contact_ids: vec![strong[0].id.clone()],
        });
    }

    let mut depts: Vec<String> = active
        .iter()
        .map(|c| dept_key(&c.department))
        .filter(|d| !d.is_empty())
        .collect();
    depts.sort();
    depts.dedup();
    if depts.len() < input.min_departments {
        gaps.push(Gap {
            code: "departments-below-minimum",
            message: format!(
                "Contacts span {} department(s); the plan requires at least {}.",
                depts.len(),
                input.min_departments
            ),
            contact_ids: vec![],
        });
    }

    let plan = input.plan_text.to_lowercase();
    for c in active
        .iter()
        .filter(|c| stance_of(&c.stance).key == "blocker")
    {
        if !mentions(&plan, &c.name) && !mentions(&plan, &c.id) {
            gaps.push(Gap {
                code: "blocker-without-action",
                message: format!("Blocker {} has no action in the plan.", label(c)),
                contact_ids: vec![c.id.clone()],
            });
        }
    }
    gaps
}

// ------------------------------------------------------------- card content

/// The card's raw (untruncated) texts for one language.
struct CardText {
    name: String,
    title: String,
    dept: String,
    ours: String,
    /// (label, is a status badge)
    badges: Vec<(String, bool)>,
    stale: bool,
}

fn card_text(c: &MapContact, lang: Lang) -> CardText {
    let mut badges = Vec::new();
    match norm(&c.status).as_str() {
        "left" => badges.push((tr(lang, "LEFT", "离职").to_string(), true)),
        "inactive" => badges.push((tr(lang, "INACTIVE", "停用").to_string(), true)),
        _ => {}
    }
    // Capped: the dedup below is quadratic and only a handful of badges fit anyway.
    for r in c.roles.iter().take(32) {
        let b = (role_badge(r), false);
        if !badges.contains(&b) {
            badges.push(b);
        }
    }
    let ours = clean(&c.our_contact);
    CardText {
        name: display_name(c),
        title: clean(&c.title),
        dept: clean(&c.department),
        ours: if ours.is_empty() {
            ours
        } else {
            format!("{}{}", tr(lang, "ours: ", "我方："), ours)
        },
        badges,
        stale: c.stale,
    }
}

fn badge_w(label: &str) -> f64 {
    units(label) * BADGE_PPU + 8.0
}

const BADGE_GAP: f64 = 4.0;
const DOTS_W: f64 = 52.0;
const STALE_W: f64 = 18.0;

fn desired_width(t: &CardText) -> f64 {
    let badges: f64 = t
        .badges
        .iter()
        .map(|b| badge_w(&b.0) + BADGE_GAP)
        .sum::<f64>()
        - BADGE_GAP;
    let stale = if t.stale { STALE_W } else { 0.0 };
    [
        units(&t.name) * NAME_PPU + TOP_RIGHT,
        units(&t.title) * TITLE_PPU,
        units(&t.dept) * SMALL_PPU,
        badges,
        DOTS_W + units(&t.ours) * SMALL_PPU + stale,
    ]
    .into_iter()
    .fold(0.0, f64::max)
        + 2.0 * PAD
}

/// Width depends on the text only, never on `Lang`: layout has no language, so
/// take the wider of both label sets.
fn card_width(c: &MapContact) -> f64 {
    let w = desired_width(&card_text(c, Lang::En)).max(desired_width(&card_text(c, Lang::Zh)));
    w.ceil().clamp(CARD_MIN_W, CARD_MAX_W)
}

struct Line {
    x: f64,
    baseline: f64,
    text: String,
    size: f64,
    #[cfg_attr(not(test), allow(dead_code))] // read by the text-fitting test
    ppu: f64,
    bold: bool,
    fill: &'static str,
}

struct Badge {
    x: f64,
    w: f64,
    label: String,
    status: bool,
}

struct CardContent {
    lines: Vec<Line>,
    badges: Vec<Badge>,
}

const BADGE_Y: f64 = 65.0;
const BOTTOM_Y: f64 = 93.0;

/// Final, truncated card texts at width `w`; rendering and the fitting test both use this.
fn card_content(t: &CardText, w: f64) -> CardContent {
    let inner = w - 2.0 * PAD;
    let mut lines = vec![Line {
        x: PAD,
        baseline: 25.0,
        text: fit(&t.name, inner - TOP_RIGHT, NAME_PPU),
        size: 13.0,
        ppu: NAME_PPU,
        bold: true,
        fill: INK,
    }];
    // Empty title/department lines collapse upwards instead of leaving holes.
    let mut baseline = 42.0;
    for (text, size, ppu, fill) in [
        (&t.title, 12.0, TITLE_PPU, INK),
        (&t.dept, 11.0, SMALL_PPU, MUTED),
    ] {
        if !text.is_empty() {
            lines.push(Line {
                x: PAD,
                baseline,
                text: fit(text, inner, ppu),
                size,
                ppu,
                bold: false,
                fill,
            });
            baseline += 15.0;
        }
    }
    if !t.ours.is_empty() {
        let x = PAD + DOTS_W;
        let room = w - PAD - x - if t.stale { STALE_W } else { 0.0 };
        let text = fit(&t.ours, room, SMALL_PPU);
        lines.push(Line {
            x,
            baseline: BOTTOM_Y + 4.0,
            text,
            size: 11.0,
            ppu: SMALL_PPU,
            bold: false,
            fill: MUTED,
        });
    }

    // Badges left to right; when they run out of room the rest become "+N",
    // for which the previous badge always reserved space.
    let mut badges = Vec::new();
    let mut x = PAD;
    for (i, (label, status)) in t.badges.iter().enumerate() {
        let rest = t.badges.len() - i - 1;
        let reserve = if rest > 0 {
            badge_w(&format!("+{rest}")) + BADGE_GAP
        } else {
            0.0
        };
        if x + badge_w(label) + reserve > w - PAD {
            let more = format!("+{}", rest + 1);
            badges.push(Badge {
                x,
                w: badge_w(&more),
                label: more,
                status: false,
            });
            break;
        }
        badges.push(Badge {
            x,
            w: badge_w(label),
            label: label.clone(),
            status: *status,
        });
        x += badge_w(label) + BADGE_GAP;
    }
    CardContent { lines, badges }
}

// -------------------------------------------------------------------- layout

/// Reporting parent per contact: unknown ids, self-references and the edge that
/// closes a cycle are dropped, which makes that contact a root.
fn parents(contacts: &[MapContact]) -> Vec<Option<usize>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, c) in contacts.iter().enumerate() {
        index.entry(c.id.as_str()).or_insert(i);
    }
    let mut parent: Vec<Option<usize>> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.reports_to
                .as_deref()
                .and_then(|r| index.get(r).copied())
                .filter(|&p| p != i)
        })
        .collect();
    // Walk up from each contact; meeting the current walk again means a cycle.
    let mut state = vec![0u8; contacts.len()]; // 0 new, 1 on current walk, 2 done
    for start in 0..contacts.len() {
        let mut path = Vec::new();
        let mut v = start;
        loop {
            match state[v] {
                2 => break,
                1 => {
                    if let Some(&last) = path.last() {
                        parent[last] = None;
                    }
                    break;
                }
                _ => {}
            }
            state[v] = 1;
            path.push(v);
            match parent[v] {
                Some(p) => v = p,
                None => break,
            }
        }
        for v in path {
            state[v] = 2;
        }
    }
    parent
}

/// Place sibling subtrees (contours: per depth, (left, right) relative to the
/// subtree root's centre) as close as allowed, either left→right or right→left.
/// Returns each sibling's offset.
fn pack(conts: &[Vec<(f64, f64)>], from_right: bool) -> Vec<f64> {
    let n = conts.len();
    let mut pos = vec![0.0; n];
    let mut acc: Vec<(f64, f64)> = Vec::new();
    for step in 0..n {
        let j = if from_right { n - 1 - step } else { step };
        let c = &conts[j];
        let mut s = 0.0;
        if step > 0 {
            s = if from_right {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            };
            for (a, b) in acc.iter().zip(c) {
                s = if from_right {
                    s.min(a.0 - b.1 - H_GAP)
                } else {
                    s.max(a.1 - b.0 + H_GAP)
                };
            }
        }
        pos[j] = s;
        for (d, &(l, r)) in c.iter().enumerate() {
            if d < acc.len() {
                acc[d] = (acc[d].0.min(l + s), acc[d].1.max(r + s));
            } else {
                acc.push((l + s, r + s));
            }
        }
    }
    pos
}

/// Internal layout, index based (ids may repeat in bad data).
struct Placed {
    boxes: Vec<(f64, f64, f64)>, // x, y, w
    parent: Vec<Option<usize>>,
    width: f64,
    height: f64,
}

/// Tidy forest layout, O(n·depth):
/// 1. bottom-up, each subtree keeps its contour (extent per depth). Children are
///    packed against the merged contour of their left siblings, once from the
///    left and once from the right, and the two placements are averaged — the
///    no-overlap constraints are linear (x_j − x_i ≥ c), so the mean of two valid
///    placements is valid too, and it spreads small subtrees evenly between big
///    ones as Walker's algorithm does. The parent is centred over its first and
///    last child;
/// 2. root subtrees are laid side by side as blocks, wrapping into a new band
///    when the row would exceed `MAX_W` (a single oversized tree stays whole).
///
/// Every card has the same height and depth = row, so the gap between rows is
/// free of cards and the orthogonal edges can never cross one.
fn place(contacts: &[MapContact]) -> Placed {
    let n = contacts.len();
    let parent = parents(contacts);
    let widths: Vec<f64> = contacts.iter().map(card_width).collect();
    let mut children = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    // Pre-order without recursion (deep chains must not overflow the stack).
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    while let Some(v) = stack.pop() {
        order.push(v);
        stack.extend(children[v].iter().rev());
    }

    let mut rel = vec![0.0; n]; // centre offset from the parent's centre
    let mut contour: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n];
    for &v in order.iter().rev() {
        let mut cont = vec![(-widths[v] / 2.0, widths[v] / 2.0)];
        let kids = &children[v];
        if !kids.is_empty() {
            let kc: Vec<Vec<(f64, f64)>> = kids
                .iter()
                .map(|&k| std::mem::take(&mut contour[k]))
                .collect();
            let (l, r) = (pack(&kc, false), pack(&kc, true));
            let m = kids.len() - 1;
            let (cl, cr) = ((l[0] + l[m]) / 2.0, (r[0] + r[m]) / 2.0);
            for (j, &k) in kids.iter().enumerate() {
                rel[k] = ((l[j] - cl) + (r[j] - cr)) / 2.0;
                for (d, &(a, b)) in kc[j].iter().enumerate() {
                    let (a, b) = (a + rel[k], b + rel[k]);
                    match cont.get_mut(d + 1) {
                        Some(e) => *e = (e.0.min(a), e.1.max(b)),
                        None => cont.push((a, b)),
                    }
                }
            }
        }
        contour[v] = cont;
    }

    // Roots as blocks, wrapping into bands.
    let row = CARD_H + V_GAP;
    let mut root_shift = vec![(0.0, 0.0); n]; // (x of the root's centre, band top)
    let (mut cursor, mut band_top, mut band_rows) = (MARGIN, MARGIN, 0usize);
    for &r in &roots {
        let lo = contour[r].iter().map(|e| e.0).fold(f64::INFINITY, f64::min);
        let hi = contour[r]
            .iter()
            .map(|e| e.1)
            .fold(f64::NEG_INFINITY, f64::max);
        if cursor > MARGIN && cursor + (hi - lo) > MAX_W - MARGIN {
            band_top += band_rows as f64 * row - V_GAP + BAND_GAP;
            cursor = MARGIN;
            band_rows = 0;
        }
        root_shift[r] = (cursor - lo, band_top);
        cursor += hi - lo + ROOT_GAP;
        band_rows = band_rows.max(contour[r].len());
    }
    let height = if n == 0 {
        2.0 * MARGIN
    } else {
        band_top + band_rows as f64 * row - V_GAP + MARGIN
    };

    let mut boxes = vec![(0.0, 0.0, 0.0); n];
    let mut centre = vec![(0.0, 0.0); n]; // (centre x, top y)
    for &v in &order {
        centre[v] = match parent[v] {
            Some(p) => (centre[p].0 + rel[v], centre[p].1 + row),
            None => root_shift[v],
        };
        // Whole pixels: crisp output; the rounding error (≤ 1 px) is far below H_GAP.
        boxes[v] = (
            (centre[v].0 - widths[v] / 2.0).round(),
            centre[v].1,
            widths[v],
        );
    }
    let width = boxes.iter().map(|b| b.0 + b.2).fold(MARGIN, f64::max) + MARGIN;
    Placed {
        boxes,
        parent,
        width,
        height,
    }
}

fn edge_points(p: (f64, f64, f64), c: (f64, f64, f64)) -> Vec<(f64, f64)> {
    let (px, cx) = (p.0 + p.2 / 2.0, c.0 + c.2 / 2.0);
    let mid = p.1 + CARD_H + V_GAP / 2.0;
    vec![(px, p.1 + CARD_H), (px, mid), (cx, mid), (cx, c.1)]
}

/// Layout alone: card boxes (in input order) and reporting-line edges.
pub fn layout(contacts: &[MapContact]) -> Layout {
    let p = place(contacts);
    let cards = contacts
        .iter()
        .zip(&p.boxes)
        .map(|(c, b)| CardBox {
            id: c.id.clone(),
            x: b.0,
            y: b.1,
            w: b.2,
            h: CARD_H,
        })
        .collect();
    let edges = p
        .parent
        .iter()
        .enumerate()
        .filter_map(|(i, par)| {
            par.map(|q| Edge {
                from_id: contacts[q].id.clone(),
                to_id: contacts[i].id.clone(),
                points: edge_points(p.boxes[q], p.boxes[i]),
            })
        })
        .collect();
    Layout {
        cards,
        edges,
        width: p.width,
        height: p.height,
    }
}

// ------------------------------------------------------------------- drawing

macro_rules! w {
    ($($t:tt)*) => {{ let _ = write!($($t)*); }};
}

/// A number as SVG text, via [`num`]; lets format strings capture it inline.
#[derive(Clone, Copy)]
struct N(f64);

impl std::fmt::Display for N {
    /// One decimal at most, no trailing `.0`, no `-0`. Integer arithmetic: float
    /// formatting was a tenth of rendering a map.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if !tenths.is_finite() || tenths.abs() >= 1e15 {
            return write!(f, "{:.1}", self.0);
        }
        let t = tenths as i64;
        if t < 0 {
            f.write_str("-")?;
        }
        let (whole, frac) = (t.unsigned_abs() / 10, t.unsigned_abs() % 10);
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.{frac}")
        }
    }
}

#[derive(Clone, Copy)]
struct Font {
    size: f64,
    bold: bool,
    fill: &'static str,
    middle: bool,
}

const fn font(size: f64, bold: bool, fill: &'static str) -> Font {
    Font {
        size,
        bold,
        fill,
        middle: false,
    }
}

fn text(out: &mut String, (x, y): Pt, f: Font, s: &str) {
    let (x, y, size, fill) = (N(x), N(y), N(f.size), f.fill);
    w!(out, r#"<text x="{x}" y="{y}" font-size="{size}""#);
    if f.bold {
        out.push_str(r#" font-weight="bold""#);
    }
    if f.middle {
        out.push_str(r#" text-anchor="middle""#);
    }
    w!(out, r#" fill="{fill}">{}</text>"#, esc(s));
}

fn stance_mark(out: &mut String, (x, y): Pt, r: f64, st: &Stance) {
    let (cx, cy, rr, stroke) = (N(x), N(y), N(r), st.stroke);
    w!(
        out,
        r##"<circle cx="{cx}" cy="{cy}" r="{rr}" fill="#ffffff" stroke="{stroke}" stroke-width="1.2"/>"##
    );
    let f = Font {
        middle: true,
        ..font(r * 1.25, true, st.stroke)
    };
    text(out, (x, y + r * 0.45), f, st.symbol);
}

/// Stale mark: a drawn clock, so it doesn't depend on an emoji font.
fn clock(out: &mut String, (x, y): Pt) {
    let (cx, cy, top, right) = (N(x), N(y), N(y - 3.5), N(x + 3.0));
    w!(
        out,
        r##"<g class="stale-mark" fill="none" stroke="#b45309" stroke-width="1.3"><circle cx="{cx}" cy="{cy}" r="5.5" fill="#ffffff"/><path d="M{cx} {top}V{cy}H{right}"/></g>"##
    );
}

/// Relationship strength as five dots.
fn dots(out: &mut String, (x, y): Pt, strength: Option<u8>) {
    for i in 0..5u8 {
        let fill = if i < strength.unwrap_or(0) {
            "#374151"
        } else {
            "#ffffff"
        };
        let (cx, cy) = (N(x + 3.0 + 9.0 * i as f64), N(y));
        w!(
            out,
            r##"<circle cx="{cx}" cy="{cy}" r="3" fill="{fill}" stroke="#6b7280" stroke-width="0.8"/>"##
        );
    }
}

/// Influence as three signal bars.
fn bars(out: &mut String, (x, bottom): Pt, influence: &str) {
    let level = match norm(influence).as_str() {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    };
    for i in 0..3 {
        let h = 4.0 + 3.0 * i as f64;
        let fill = if i < level { "#374151" } else { "#ffffff" };
        let (bx, by, bh) = (N(x + 4.5 * i as f64), N(bottom - h), N(h));
        w!(
            out,
            r##"<rect x="{bx}" y="{by}" width="3" height="{bh}" fill="{fill}" stroke="#6b7280" stroke-width="0.7"/>"##
        );
    }
}

fn badge(out: &mut String, (x, y): Pt, bw: f64, label: &str, status: bool) {
    let dash = if status {
        r#" stroke-dasharray="2 2""#
    } else {
        ""
    };
    let (bx, by, bwn) = (N(x), N(y), N(bw));
    w!(
        out,
        r##"<rect x="{bx}" y="{by}" width="{bwn}" height="15" rx="3" fill="#ffffff" stroke="#6b7280" stroke-width="0.8"{dash}/>"##
    );
    let f = Font {
        middle: true,
        ..font(9.0, true, INK)
    };
    text(out, (x + bw / 2.0, y + 11.0), f, label);
}

/// Everything about the contact, for the hover tooltip (and screen readers that read it).
fn tooltip(c: &MapContact, lang: Lang) -> String {
    let mut t = display_name(c);
    for s in [clean(&c.title), clean(&c.department)] {
        if !s.is_empty() {
            t = format!("{t} · {s}");
        }
    }
    let st = stance_of(&c.stance);
    let roles: Vec<String> = c.roles.iter().map(|r| role_name(r, lang)).collect();
    let strength = c
        .strength
        .map(|s| format!("{}/5", s.min(5)))
        .unwrap_or_default();
    let status = if is_active(c) {
        String::new()
    } else {
        clean(&c.status)
    };
    let stale = if c.stale {
        tr(lang, "overdue", "已逾期")
    } else {
        ""
    };
    for (label, v) in [
        (tr(lang, "Roles: ", "角色："), roles.join(", ")),
        (
            tr(lang, "Stance: ", "立场："),
            format!("{} {}", st.symbol, tr(lang, st.en, st.zh)),
        ),
        (tr(lang, "Influence: ", "影响力："), clean(&c.influence)),
        (tr(lang, "Relationship strength: ", "关系强度："), strength),
        (
            tr(lang, "Owner on our side: ", "我方负责人："),
            clean(&c.our_contact),
        ),
        (tr(lang, "Status: ", "状态："), status),
        (tr(lang, "Last contact: ", "最近联系："), stale.to_string()),
    ] {
        if !v.is_empty() {
            t = format!("{t}\n{label}{v}");
        }
    }
    t
}

fn render_card(out: &mut String, c: &MapContact, b: &CardBox, lang: Lang, warn: bool) {
    let st = stance_of(&c.stance);
    let inactive = !is_active(c);
    let strength = c.strength.map(|s| s.min(5));
    let mut class = format!("card stance-{}", st.key);
    for (on, name) in [(inactive, " inactive"), (c.stale, " stale"), (warn, " gap")] {
        if on {
            class.push_str(name);
        }
    }
    let (id, x, y, w, h) = (esc(&c.id), N(b.x), N(b.y), N(b.w), N(b.h));
    let fade = if inactive { r#" opacity="0.6""# } else { "" };
    w!(
        out,
        r#"<g class="{class}" data-contact-id="{id}" transform="translate({x},{y})"{fade}>"#
    );
    // Border weight carries relationship strength (1 … 3 px); dashed = left/inactive.
    let sw = N(strength.map_or(1.0, |s| 0.5 + 0.5 * s as f64));
    let dash = if inactive {
        r#" stroke-dasharray="5 3""#
    } else {
        ""
    };
    let (fill, stroke) = (st.fill, st.stroke);
    w!(
        out,
        r#"<rect x="0" y="0" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/>"#
    );
    w!(out, "<title>{}</title>", esc(&tooltip(c, lang)));
    let key = dept_key(&c.department);
    let band = if key.is_empty() {
        "#d1d5db"
    } else {
        PALETTE[(fnv(&key) % PALETTE.len() as u64) as usize]
    };
    let inner = N(b.w - 6.0);
    w!(
        out,
        r#"<path class="dept-band" d="M0 6Q0 0 6 0H{inner}Q{w} 0 {w} 6Z" fill="{band}"/>"#
    );
    if warn {
        let (ow, oh) = (N(b.w + 10.0), N(b.h + 10.0));
        w!(
            out,
            r#"<rect class="gap-outline" x="-5" y="-5" width="{ow}" height="{oh}" rx="9" fill="none" stroke="{WARN}" stroke-width="2" stroke-dasharray="6 3"/>"#
        );
    }
    bars(out, (b.w - PAD - 35.0, 24.0), &c.influence);
    stance_mark(out, (b.w - PAD - 9.0, 17.0), 9.0, st);
    let cc = card_content(&card_text(c, lang), b.w);
    for l in &cc.lines {
        text(
            out,
            (l.x, l.baseline),
            font(l.size, l.bold, l.fill),
            &l.text,
        );
    }
    for bd in &cc.badges {
        badge(out, (bd.x, BADGE_Y), bd.w, &bd.label, bd.status);
    }
    dots(out, (PAD, BOTTOM_Y), strength);
    if c.stale {
        clock(out, (b.w - PAD - 6.0, BOTTOM_Y));
    }
    out.push_str("</g>");
}

type Pt = (f64, f64);

/// Cubic curve for a link. Same-row links arch over (left→right) or under
/// (right→left) the row, so they don't run through the cards between them and
/// A→B / B→A don't coincide; other links go boundary to boundary with a bow.
fn link_curve(a: &CardBox, b: &CardBox) -> [Pt; 4] {
    let (ac, bc) = (
        (a.x + a.w / 2.0, a.y + a.h / 2.0),
        (b.x + b.w / 2.0, b.y + b.h / 2.0),
    );
    if (a.y - b.y).abs() < 1.0 {
        let dir = if bc.0 >= ac.0 { 1.0 } else { -1.0 };
        let (y, k) = if dir > 0.0 {
            (a.y, -30.0)
        } else {
            (a.y + a.h, 30.0)
        };
        let (sx, ex) = (ac.0 + dir * a.w / 4.0, bc.0 - dir * b.w / 4.0);
        return [(sx, y), (sx, y + k), (ex, y + k), (ex, y)];
    }
    // Where the ray from the card's centre towards `t` leaves the card.
    let exit = |r: &CardBox, c: Pt, t: Pt| {
        let (dx, dy) = (t.0 - c.0, t.1 - c.1);
        let s = (r.w / 2.0 / dx.abs()).min(r.h / 2.0 / dy.abs());
        (c.0 + dx * s, c.1 + dy * s)
    };
    let (p0, p3) = (exit(a, ac, bc), exit(b, bc, ac));
    let (dx, dy) = (p3.0 - p0.0, p3.1 - p0.1);
    let len = dx.hypot(dy).max(1.0);
    let bow = (len * 0.12).min(30.0);
    let (nx, ny) = (-dy / len * bow, dx / len * bow);
    let at = |t: f64| (p0.0 + dx * t + nx, p0.1 + dy * t + ny);
    [p0, at(1.0 / 3.0), at(2.0 / 3.0), p3]
}

/// Head at `tip` pointing along unit `u`: filled triangle (influence), a ⊣ bar
/// (conflict), an open chevron (informal) — distinct shapes for black and white.
fn head(out: &mut String, style: usize, tip: Pt, u: Pt) {
    let color = LINKS[style].color;
    let at = |back: f64, side: f64| {
        let (x, y) = (
            tip.0 - u.0 * back - u.1 * side,
            tip.1 - u.1 * back + u.0 * side,
        );
        format!("{} {}", num(x), num(y))
    };
    let t = at(0.0, 0.0);
    match style {
        0 => w!(
            out,
            r#"<path d="M{t}L{}L{}Z" fill="{color}"/>"#,
            at(9.0, 4.5),
            at(9.0, -4.5)
        ),
        1 => w!(
            out,
            r#"<path d="M{}L{}" stroke="{color}" stroke-width="2.4" fill="none"/>"#,
            at(1.5, 6.0),
            at(1.5, -6.0)
        ),
        _ => w!(
            out,
            r#"<path d="M{}L{t}L{}" stroke="{color}" stroke-width="1.6" fill="none"/>"#,
            at(8.0, 4.5),
            at(8.0, -4.5)
        ),
    }
}

fn link_stroke(out: &mut String, d: &str, style: usize) {
    let ls = &LINKS[style];
    let (color, width, dash) = (ls.color, N(ls.width), ls.dash);
    w!(
        out,
        r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}" stroke-dasharray="{dash}" stroke-linecap="round"/>"#
    );
}

fn render_links(
    out: &mut String,
    contacts: &[MapContact],
    cards: &[CardBox],
    links: &[MapLink],
    lang: Lang,
) {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, c) in contacts.iter().enumerate() {
        index.entry(c.id.as_str()).or_insert(i);
    }
    for l in links {
        let (Some(&a), Some(&b)) = (index.get(l.from.as_str()), index.get(l.to.as_str())) else {
            continue;
        };
        if a == b {
            continue;
        }
        let style = LINKS
            .iter()
            .position(|s| s.key == norm(&l.kind))
            .unwrap_or(2);
        let ls = &LINKS[style];
        let [p0, c1, c2, p3] = link_curve(&cards[a], &cards[b]);
        let (key, from, to) = (ls.key, esc(&l.from), esc(&l.to));
        let (na, nb) = (
            esc(&display_name(&contacts[a])),
            esc(&display_name(&contacts[b])),
        );
        let kind = tr(lang, ls.en, ls.zh);
        w!(
            out,
            r#"<g class="link {key}" data-from="{from}" data-to="{to}"><title>{na} → {nb} ({kind})</title>"#
        );
        let pts: Vec<String> = [p0, c1, c2, p3]
            .iter()
            .map(|p| format!("{} {}", num(p.0), num(p.1)))
            .collect();
        link_stroke(
            out,
            &format!("M{}C{} {} {}", pts[0], pts[1], pts[2], pts[3]),
            style,
        );
        let (dx, dy) = (p3.0 - c2.0, p3.1 - c2.1);
        let len = dx.hypot(dy).max(1e-9);
        head(out, style, p3, (dx / len, dy / len));
        out.push_str("</g>");
    }
}

/// An icon of the legend.
enum Icon {
    Stance(usize),
    Badge(&'static str),
    Link(usize),
    Dots,
    Bars,
    Clock,
    Dashed,
    Warn,
}

/// The legend's sections: a title and its (icon, label) items.
fn legend_sections(lang: Lang) -> Vec<(&'static str, Vec<(Icon, &'static str)>)> {
    let stances =
        (0..STANCES.len()).map(|i| (Icon::Stance(i), tr(lang, STANCES[i].en, STANCES[i].zh)));
    let roles = ROLES.iter().map(|r| (Icon::Badge(r.1), tr(lang, r.2, r.3)));
    let links = (0..LINKS.len()).map(|i| (Icon::Link(i), tr(lang, LINKS[i].en, LINKS[i].zh)));
    let marks = vec![
        (
            Icon::Dots,
            tr(
                lang,
                "relationship strength (also border weight)",
                "关系强度（亦见边框粗细）",
            ),
        ),
        (Icon::Bars, tr(lang, "influence", "影响力")),
        (Icon::Clock, tr(lang, "contact overdue", "联系已逾期")),
        (Icon::Dashed, tr(lang, "left / inactive", "离职 / 停用")),
        (Icon::Warn, tr(lang, "named in a gap", "涉及覆盖缺口")),
    ];
    vec![
        (tr(lang, "Stance", "立场"), stances.collect()),
        (tr(lang, "Roles", "角色"), roles.collect()),
        (tr(lang, "Links", "关系"), links.collect()),
        (tr(lang, "Marks", "标记"), marks),
    ]
}

/// Width the legend is laid out in: the narrowest map's, as when each map drew its
/// own legend.
const LEGEND_W: f64 = 760.0 - 2.0 * MARGIN;

/// The legend as a file of its own, one per language, shown under every map by an
/// `<img>`: each map carrying its own copy made it a fifth of an account page (7 KB;
/// 0.7 GB of a 100,000-account site). Built once per language and kept.
pub struct Legend {
    /// The file's name under `static/`.
    pub file: &'static str,
    /// The standalone SVG, drawn on a light panel like the map's cards so it reads
    /// on a dark page too.
    pub svg: String,
    /// The `<img>` tag after its `src` value: size and alt text.
    img_rest: String,
}

impl Legend {
    pub fn new(lang: Lang) -> Legend {
        let mut body = String::new();
        let h = (render_legend(&mut body, LEGEND_W, lang) + 2.0 * MARGIN).ceil();
        let w = LEGEND_W + 2.0 * MARGIN;
        let (nw, nh, iw, ih) = (N(w), N(h), N(w - 1.0), N(h - 1.0));
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{nw}" height="{nh}" viewBox="0 0 {nw} {nh}" font-family="{FONT}" font-size="13" color="{INK}"><rect x="0.5" y="0.5" width="{iw}" height="{ih}" rx="6" fill="#ffffff" stroke="#dde2ea"/><g transform="translate({MARGIN},{MARGIN})">{body}</g></svg>"##
        );
        // The alt text lists every section, for screen readers and when images are off.
        let sections: Vec<String> = legend_sections(lang)
            .iter()
            .map(|(title, items)| {
                let labels: Vec<&str> = items.iter().map(|i| i.1).collect();
                format!("{title}: {}", labels.join(", "))
            })
            .collect();
        let alt = format!(
            "{}: {}",
            tr(lang, "Legend", "图例"),
            sections.join(tr(lang, "; ", "；"))
        );
        Legend {
            file: match lang {
                Lang::En => "contact-map-legend-en.svg",
                Lang::Zh => "contact-map-legend-zh.svg",
            },
            svg,
            img_rest: format!(r#"" width="{nw}" height="{nh}" alt="{}">"#, esc(&alt)),
        }
    }

    /// The `<img>` for a page whose way to the site root is `root`.
    pub fn img(&self, root: &str) -> String {
        format!(
            r#"<img class="map-legend" src="{root}static/{}{}"#,
            self.file, self.img_rest
        )
    }
}

/// Legend items flowing left to right within `width`; returns its height.
fn render_legend(out: &mut String, width: f64, lang: Lang) -> f64 {
    let sections = legend_sections(lang);
    let label_w = sections
        .iter()
        .map(|s| units(s.0) * 7.2)
        .fold(0.0, f64::max)
        + 14.0;
    let plain = font(12.0, false, "currentColor");
    out.push_str(r#"<g class="legend">"#);
    text(
        out,
        (0.0, 12.0),
        font(13.0, true, "currentColor"),
        tr(lang, "Legend", "图例"),
    );
    let mut y = 24.0;
    for (title, items) in &sections {
        text(
            out,
            (0.0, y + 12.0),
            font(12.0, true, "currentColor"),
            title,
        );
        let mut x = label_w;
        for (icon, label) in items {
            let iw = match icon {
                Icon::Stance(_) => 16.0,
                Icon::Badge(b) => badge_w(b),
                Icon::Link(_) => 32.0,
                Icon::Dots => 42.0,
                Icon::Bars | Icon::Clock => 12.0,
                Icon::Dashed | Icon::Warn => 20.0,
            };
            let item_w = iw + 6.0 + units(label) * LEGEND_PPU;
            if x > label_w && x + item_w > width {
                x = label_w;
                y += 22.0;
            }
            let (nx, ny, cy) = (N(x), N(y + 1.0), y + 8.0);
            match icon {
                Icon::Stance(i) => {
                    let (fill, stroke) = (STANCES[*i].fill, STANCES[*i].stroke);
                    let ny = N(y);
                    w!(
                        out,
                        r#"<rect x="{nx}" y="{ny}" width="16" height="16" rx="3" fill="{fill}" stroke="{stroke}"/>"#
                    );
                    let f = Font {
                        middle: true,
                        ..font(11.0, true, stroke)
                    };
                    text(out, (x + 8.0, y + 12.5), f, STANCES[*i].symbol);
                }
                Icon::Badge(b) => badge(out, (x, y + 0.5), badge_w(b), b, false),
                Icon::Link(i) => {
                    link_stroke(out, &format!("M{nx} {}H{}", N(cy), N(x + 28.0)), *i);
                    head(out, *i, (x + 30.0, cy), (1.0, 0.0));
                }
                Icon::Dots => dots(out, (x, cy), Some(3)),
                Icon::Bars => bars(out, (x, y + 14.0), "medium"),
                Icon::Clock => clock(out, (x + 6.0, cy)),
                Icon::Dashed => w!(
                    out,
                    r##"<rect x="{nx}" y="{ny}" width="20" height="14" rx="3" fill="#ffffff" stroke="#6b7280" stroke-dasharray="4 2" opacity="0.7"/>"##
                ),
                Icon::Warn => w!(
                    out,
                    r#"<rect x="{nx}" y="{ny}" width="20" height="14" rx="3" fill="none" stroke="{WARN}" stroke-width="2" stroke-dasharray="4 2"/>"#
                ),
            }
            text(out, (x + iw + 6.0, y + 12.0), plain, label);
            x += item_w + 18.0;
        }
        y += 26.0;
    }
    out.push_str("</g>");
    y
}

/// Amber box listing the gaps (messages wrapped to the box); returns its height.
fn render_gaps(out: &mut String, gaps: &[Gap], width: f64, lang: Lang) -> f64 {
    // Bullet on the first line of each gap, continuation lines hang-indented.
    let mut lines: Vec<(f64, String)> = Vec::new();
    for g in gaps {
        let wrapped = wrap(&clean(&g.message), width - 44.0, TITLE_PPU, 4);
        for (k, l) in wrapped.into_iter().enumerate() {
            lines.push(if k == 0 {
                (12.0, format!("• {l}"))
            } else {
                (22.0, l)
            });
        }
    }
    let h = 34.0 + 17.0 * lines.len() as f64;
    let (bw, bh) = (N(width), N(h));
    w!(
        out,
        r##"<g class="gaps"><rect x="0" y="0" width="{bw}" height="{bh}" rx="6" fill="#fff8e6" stroke="{WARN}" stroke-width="1.5"/>"##
    );
    let heading = format!(
        "⚠ {} ({})",
        tr(lang, "Coverage gaps", "覆盖缺口"),
        gaps.len()
    );
    text(out, (12.0, 21.0), font(13.0, true, "#92400e"), &heading);
    for (i, (x, l)) in lines.iter().enumerate() {
        let (x, y, l) = (N(*x), N(40.0 + 17.0 * i as f64), esc(l));
        w!(
            out,
            r#"<text x="{x}" y="{y}" font-size="12" fill="{INK}">{l}</text>"#
        );
    }
    out.push_str("</g>");
    h
}

/// The map as one `<svg>` element: explicit pixel width (the caller wraps it in
/// an `overflow-x:auto` container, so text never shrinks), `role="img"` labelled
/// by its `<title>` and `<desc>`; tree on top, then the gaps box (the legend is a
/// shared file: [`legend_img`]).
/// Gap messages are shown as given (translate `Gap::message` first if needed).
pub fn render_svg(
    contacts: &[MapContact],
    links: &[MapLink],
    gaps: &[Gap],
    lang: Lang,
    title: &str,
) -> String {
    let lay = layout(contacts);
    let empty = contacts.is_empty();
    let width = if empty { 420.0 } else { lay.width.max(760.0) };
    // Ids are document-global in inline SVG: derive a stable one from the content.
    let seed = contacts
        .iter()
        .fold(title.to_string(), |s, c| format!("{s}\u{1f}{}", c.id));
    let uid = format!("cm{:08x}", fnv(&seed) as u32);

    let mut body = String::new();
    let mut y;
    if empty {
        let bw = N(width - 2.0 * MARGIN);
        w!(
            body,
            r##"<rect x="{MARGIN}" y="{MARGIN}" width="{bw}" height="56" rx="6" fill="none" stroke="#9ca3af" stroke-dasharray="5 4"/>"##
        );
        let f = Font {
            middle: true,
            ..font(13.0, false, "currentColor")
        };
        text(
            &mut body,
            (width / 2.0, MARGIN + 33.0),
            f,
            tr(lang, "No contacts", "暂无联系人"),
        );
        y = MARGIN + 56.0 + 16.0;
    } else {
        let dx = N(((width - lay.width) / 2.0).round());
        w!(
            body,
            r#"<g class="tree" transform="translate({dx},{ARCH_ROOM})">"#
        );
        w!(
            body,
            r#"<g class="edges" fill="none" stroke="{EDGE}" stroke-width="1.5">"#
        );
        for e in &lay.edges {
            let [a, m, _, b] = [e.points[0], e.points[1], e.points[2], e.points[3]];
            let (x0, y0, ym, x1, y1) = (N(a.0), N(a.1), N(m.1), N(b.0), N(b.1));
            w!(body, r#"<path d="M{x0} {y0}V{ym}H{x1}V{y1}"/>"#);
        }
        body.push_str("</g>");
        let warned: Vec<&str> = gaps
            .iter()
            .flat_map(|g| g.contact_ids.iter().map(String::as_str))
            .collect();
        for (c, b) in contacts.iter().zip(&lay.cards) {
            render_card(&mut body, c, b, lang, warned.contains(&c.id.as_str()));
        }
        // Links go last so they are drawn over the tree.
        render_links(&mut body, contacts, &lay.cards, links, lang);
        body.push_str("</g>");
        y = lay.height + 2.0 * ARCH_ROOM;
    }
    if !gaps.is_empty() {
        w!(body, r#"<g transform="translate({MARGIN},{})">"#, N(y));
        y += render_gaps(&mut body, gaps, width - 2.0 * MARGIN, lang) + 20.0;
        body.push_str("</g>");
    }

    let (n, e, l) = (contacts.len(), lay.edges.len(), links.len());
    let mut desc = match (lang, empty) {
        (Lang::En, true) => "No contacts are mapped yet.".to_string(),
        (Lang::Zh, true) => "尚未录入任何联系人。".to_string(),
        (Lang::En, false) => format!(
            "Relationship map of {n} contacts with {e} reporting lines and {l} other links."
        ),
        (Lang::Zh, false) => format!("关系图：{n} 位联系人，{e} 条汇报关系，{l} 条其他关系。"),
    };
    for g in gaps {
        desc = format!("{desc} {}", clean(&g.message));
    }

    let (w, h) = (N(width), N(y.ceil()));
    let mut out = String::with_capacity(body.len() + 1024);
    w!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="contact-map" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{uid}-title {uid}-desc" font-family="{FONT}" font-size="13">"#
    );
    let (title, desc) = (esc(&clean(title)), esc(&desc));
    w!(
        out,
        r#"<title id="{uid}-title">{title}</title><desc id="{uid}-desc">{desc}</desc>"#
    );
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

// --------------------------------------------------------------------- tests

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn person(id: &str, name: &str, boss: Option<&str>) -> MapContact {
        MapContact {
            id: id.into(),
            name: name.into(),
            status: "active".into(),
            reports_to: boss.map(String::from),
            ..Default::default()
        }
    }

    /// Checks every layout invariant the brief promises.
    fn check_layout(contacts: &[MapContact]) {
        let lay = layout(contacts);
        assert_eq!(lay.cards.len(), contacts.len());
        let eps = 1e-6;
        for c in &lay.cards {
            assert!(
                c.x >= -eps
                    && c.y >= -eps
                    && c.x + c.w <= lay.width + eps
                    && c.y + c.h <= lay.height + eps
            );
            assert!(c.w >= CARD_MIN_W && c.w <= CARD_MAX_W);
        }
        for (i, a) in lay.cards.iter().enumerate() {
            for b in &lay.cards[i + 1..] {
                let apart = a.x + a.w + 1.0 <= b.x
                    || b.x + b.w + 1.0 <= a.x
                    || a.y + a.h + 1.0 <= b.y
                    || b.y + b.h + 1.0 <= a.y;
                assert!(apart, "overlap: {a:?} {b:?}");
            }
        }
        let by_id: HashMap<&str, &CardBox> = lay.cards.iter().map(|c| (c.id.as_str(), c)).collect();
        for e in &lay.edges {
            let (p, c) = (by_id[e.from_id.as_str()], by_id[e.to_id.as_str()]);
            let (first, last) = (e.points[0], *e.points.last().unwrap());
            assert!((first.1 - (p.y + p.h)).abs() < eps && first.0 > p.x && first.0 < p.x + p.w);
            assert!((last.1 - c.y).abs() < eps && last.0 > c.x && last.0 < c.x + c.w);
            assert_eq!(c.y, p.y + p.h + V_GAP, "child one row below parent");
            for s in e.points.windows(2) {
                let (a, b) = (s[0], s[1]);
                assert!(a.0 == b.0 || a.1 == b.1, "orthogonal");
                let (x0, x1, y0, y1) = (a.0.min(b.0), a.0.max(b.0), a.1.min(b.1), a.1.max(b.1));
                // Checked against every card: an edge may touch its endpoints'
                // borders but never enter any card's interior.
                for k in &lay.cards {
                    let hits = x1 > k.x && x0 < k.x + k.w && y1 > k.y && y0 < k.y + k.h;
                    assert!(!hits, "edge {e:?} crosses {k:?}");
                }
            }
        }
        // Parents centred over their first and last child (±1 px rounding).
        let mut kids: HashMap<&str, Vec<&CardBox>> = HashMap::new();
        for e in &lay.edges {
            kids.entry(e.from_id.as_str())
                .or_default()
                .push(by_id[e.to_id.as_str()]);
        }
        for (pid, ks) in kids {
            let mid =
                (ks[0].x + ks[0].w / 2.0 + ks.last().unwrap().x + ks.last().unwrap().w / 2.0) / 2.0;
            let p = by_id[pid];
            assert!((p.x + p.w / 2.0 - mid).abs() <= 1.01, "{pid} not centred");
        }
    }

    fn check_text_fit(contacts: &[MapContact]) {
        let lay = layout(contacts);
        for (c, b) in contacts.iter().zip(&lay.cards) {
            for lang in [Lang::En, Lang::Zh] {
                let cc = card_content(&card_text(c, lang), b.w);
                for l in &cc.lines {
                    let right = l.x + units(&l.text) * l.ppu;
                    assert!(right <= b.w - PAD + 1e-9, "{:?} overflows {}", l.text, b.w);
                }
                for bd in &cc.badges {
                    assert!(bd.x + bd.w <= b.w - PAD + 1e-9);
                    assert!(units(&bd.label) * BADGE_PPU <= bd.w);
                }
            }
        }
    }

    /// Tag balance + quoting check: proves escaping kept the markup intact.
    fn check_markup(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(
            !svg.contains("<script") && !svg.contains("<style") && !svg.contains("<foreignObject")
        );
        let mut stack = Vec::new();
        for seg in svg.split('<').skip(1) {
            let tag = seg.split('>').next().unwrap();
            assert_eq!(seg.matches('>').count(), 1, "raw '>' in text: {seg}");
            // Attribute names: word chars right before `="`; none may be an event handler.
            for part in tag.split('"').step_by(2) {
                for attr in part.split_whitespace().filter_map(|a| a.strip_suffix('=')) {
                    assert!(
                        !attr.to_ascii_lowercase().starts_with("on"),
                        "event handler attr {attr}"
                    );
                }
            }
            assert_eq!(tag.matches('"').count() % 2, 0);
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.to_string()));
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap().to_string());
            }
        }
        assert!(stack.is_empty());
        for ent in svg.split('&').skip(1) {
            let ok = ["amp;", "lt;", "gt;", "quot;", "#39;"]
                .iter()
                .any(|e| ent.starts_with(e));
            assert!(ok, "bare &: {}", &ent[..ent.len().min(10)]);
        }
    }

    fn sample() -> Vec<MapContact> {
        let mut ceo = person("zhang.ming", "张明", None);
        ceo.title = "首席执行官".into();
        ceo.department = "Executive".into();
        ceo.roles = vec!["decision_maker".into(), "economic_buyer".into()];
        ceo.stance = "neutral".into();
        ceo.strength = Some(2);
        let mut cto = person("a&b", r#"<b>&"x"#, Some("zhang.ming"));
        cto.title = "CTO <script>alert(1)</script>".into();
        cto.department = "Engineering".into();
        cto.roles = vec!["technical_buyer".into(), "champion".into()];
        cto.stance = "champion".into();
        cto.strength = Some(5);
        cto.our_contact = "li.wei".into();
        let mut cfo = person("cfo", "Maria O'Neil", Some("zhang.ming"));
        cfo.stance = "blocker".into();
        cfo.stale = true;
        cfo.department = "finance".into();
        let mut gone = person("gone", "Old Friend", Some("a&b"));
        gone.status = "left".into();
        vec![ceo, cto, cfo, gone]
    }

    #[test]
    fn coordinates_print_like_rounded_one_decimal_floats() {
        let reference = |v: f64| {
            let r = (v * 10.0).round() / 10.0;
            let s = format!("{:.1}", if r == 0.0 { 0.0 } else { r });
            s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
        };
        let mut v = -1234.567f64;
        while v < 1234.5 {
            assert_eq!(num(v), reference(v), "{v}");
            v += 0.0137;
        }
        for v in [0.0, -0.0, -0.04, 0.05, -0.05, 2.25, -1.25, 1e6 + 0.25] {
            assert_eq!(num(v), reference(v), "{v}");
        }
    }

    #[test]
    fn svg_for_fixed_example() {
        let cs = sample();
        let links = vec![
            MapLink {
                from: "cfo".into(),
                to: "a&b".into(),
                kind: "conflict".into(),
            },
            MapLink {
                from: "a&b".into(),
                to: "nobody".into(),
                kind: "influence".into(),
            },
        ];
        let gaps = coverage_gaps(
            &cs,
            &GapInput {
                min_departments: 2,
                requires_decision_maker: true,
                plan_text: "",
            },
        );
        let svg = render_svg(&cs, &links, &gaps, Lang::En, "Acme <Corp>");
        check_markup(&svg);
        let lay = layout(&cs);
        for (c, b) in cs.iter().zip(&lay.cards) {
            let attr = format!(r#"data-contact-id="{}""#, esc(&c.id));
            let at = svg.find(&attr).expect("card present");
            let after = &svg[at..];
            let rest = &after[after.find('>').unwrap() + 1..];
            let rect = format!(
                r#"<rect x="0" y="0" width="{}" height="{}""#,
                num(b.w),
                num(b.h)
            );
            assert!(
                rest.starts_with(&rect),
                "rect must be first: {}",
                &rest[..60]
            );
        }
        assert!(svg.contains(r#"role="img""#) && svg.contains("viewBox=\"0 0 "));
        assert!(svg.contains("-title\">Acme &lt;Corp&gt;</title>") && svg.contains("<desc id="));
        assert!(svg.contains("&lt;b&gt;&amp;&quot;x") && !svg.contains("<b>"));
        assert!(svg.contains(r#"data-contact-id="a&amp;b""#));
        assert!(svg.contains("Maria O&#39;Neil"));
        assert_eq!(
            svg.matches("class=\"link ").count(),
            1,
            "unknown link target skipped"
        );
        assert!(
            svg.contains("class=\"card stance-blocker stale gap\""),
            "blocker without action outlined"
        );
        assert!(svg.contains("stance-unknown inactive"));
        assert_eq!(
            svg,
            render_svg(&cs, &links, &gaps, Lang::En, "Acme <Corp>"),
            "deterministic"
        );
        let zh = render_svg(&cs, &links, &gaps, Lang::Zh, "客户");
        check_markup(&zh);
        assert!(zh.contains("我方：li.wei"));
        assert!(
            !svg.contains("class=\"legend\""),
            "the legend is a shared file"
        );
    }

    /// One legend file per language serves every map: well-formed, inert, the same
    /// width as the narrowest map, and its `<img>` says what it shows.
    #[test]
    fn the_shared_legend_is_one_file_per_language() {
        for (lang, word, role) in [
            (Lang::En, "Legend", "influencer"),
            (Lang::Zh, "图例", "影响者"),
        ] {
            let legend = Legend::new(lang);
            check_markup(&legend.svg);
            assert!(
                legend.svg.contains("width=\"760\""),
                "{}",
                &legend.svg[..200]
            );
            assert!(legend.svg.contains(role), "{role}");
            let img = legend.img("../../");
            assert!(img.starts_with(&format!(
                r#"<img class="map-legend" src="../../static/{}""#,
                legend.file
            )));
            assert!(
                img.contains(&format!(r#"alt="{word}: "#)) && img.contains(role),
                "{img}"
            );
            let height = |s: &str| {
                s.split("height=\"")
                    .nth(1)
                    .map(|h| h.split('"').next().unwrap().to_string())
            };
            assert_eq!(
                height(&img),
                height(&legend.svg),
                "the img reserves the legend's size"
            );
        }
        assert_ne!(Legend::new(Lang::En).file, Legend::new(Lang::Zh).file);
    }

    #[test]
    fn empty_map_is_small() {
        let svg = render_svg(&[], &[], &[], Lang::En, "Empty");
        check_markup(&svg);
        assert!(svg.contains("No contacts") && svg.contains("width=\"420\""));
        let lay = layout(&[]);
        assert!(lay.cards.is_empty() && lay.edges.is_empty());
    }

    #[test]
    fn cycles_and_unknown_parents_terminate() {
        let cs = vec![
            person("a", "A", Some("c")),
            person("b", "B", Some("a")),
            person("c", "C", Some("b")),
            person("d", "D", Some("d")),
            person("e", "E", Some("ghost")),
            person("f", "F", Some("e")),
            person("a", "dup id", Some("f")),
        ];
        check_layout(&cs[..6]);
        let lay = layout(&cs);
        assert_eq!(lay.cards.len(), 7);
        // a-b-c loses exactly one edge; d and e are roots; f and the duplicate hang on.
        assert_eq!(lay.edges.len(), 4);
        check_markup(&render_svg(&cs, &[], &[], Lang::Zh, "cycle"));
    }

    #[test]
    fn deep_chain_and_wide_orgs() {
        // Deep chain: no recursion, so no stack overflow.
        let chain: Vec<MapContact> = (0..3000)
            .map(|i| {
                person(
                    &format!("c{i}"),
                    "Chain",
                    (i > 0).then(|| format!("c{}", i - 1)).as_deref(),
                )
            })
            .collect();
        assert_eq!(layout(&chain).edges.len(), 2999);
        // One very wide tree stays whole; many small roots wrap into bands.
        let mut wide = vec![person("boss", "Boss", None)];
        wide.extend((0..20).map(|i| person(&format!("w{i}"), "Worker", Some("boss"))));
        check_layout(&wide);
        assert!(layout(&wide).width > MAX_W);
        let many: Vec<MapContact> = (0..30)
            .map(|i| person(&format!("r{i}"), "Root", None))
            .collect();
        let lay = layout(&many);
        check_layout(&many);
        assert!(lay.width <= MAX_W && lay.cards.iter().any(|c| c.y > MARGIN));
    }

    #[test]
    fn scaling_sixty_contacts() {
        let cs: Vec<MapContact> = (0..60)
            .map(|i| {
                person(
                    &format!("p{i}"),
                    "Person 人员",
                    (i > 0).then(|| format!("p{}", (i - 1) / 3)).as_deref(),
                )
            })
            .collect();
        let svg = render_svg(&cs, &[], &[], Lang::En, "sixty");
        check_layout(&cs);
        assert_eq!(svg.matches("data-contact-id=").count(), 60);
    }

    #[test]
    fn truncation_respects_chars_and_width() {
        assert_eq!(fit("abc", 100.0, 7.0), "abc");
        let t = fit("张明张明张明张明", 7.0 * 7.0, 7.0);
        assert_eq!(t, "张明张…");
        assert!(units(&t) <= 7.0);
        let t = fit("e\u{301}e\u{301}e\u{301}e\u{301}", 3.0 * 7.0, 7.0);
        assert!(t.ends_with('…') && units(&t) <= 3.0);
        assert_eq!(
            wrap("one two three", 8.0 * 7.0, 7.0, 5),
            vec!["one two", "three"]
        );
    }

    fn contact_with(roles: &[&str], stance: &str, strength: Option<u8>, dept: &str) -> MapContact {
        MapContact {
            id: format!("id-{stance}-{dept}"),
            name: format!("N {stance}"),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            stance: stance.into(),
            strength,
            department: dept.into(),
            status: "active".into(),
            ..Default::default()
        }
    }

    #[test]
    fn gaps_rules() {
        let codes = |cs: &[MapContact], min, plan| {
            let input = GapInput {
                min_departments: min,
                requires_decision_maker: true,
                plan_text: plan,
            };
            coverage_gaps(cs, &input)
                .iter()
                .map(|g| g.code)
                .collect::<Vec<_>>()
        };
        let one = [contact_with(&["user_buyer"], "neutral", Some(3), "IT")];
        assert_eq!(
            codes(&one, 1, ""),
            vec!["no-decision-maker", "single-threaded"]
        );
        let mut team = vec![
            contact_with(&["Decision Maker"], "skeptic", Some(2), " Finance "),
            contact_with(&["coach"], "champion", Some(5), "finance"),
            contact_with(&[], "blocker", None, "IT"),
        ];
        team[2].name = "Li".into();
        assert_eq!(
            codes(&team, 3, "Meet our client"),
            vec![
                "no-supporter-among-deciders",
                "single-threaded",
                "departments-below-minimum",
                "blocker-without-action"
            ]
        );
        assert!(!codes(&team, 2, "Action: win over LI at the offsite")
            .contains(&"blocker-without-action"));
        team[0].stance = "supporter".into();
        team[0].strength = Some(4);
        team[2].status = "left".into();
        assert!(codes(&team, 1, "").is_empty());
        assert!(mentions("与张明沟通", "张明") && !mentions("client", "li"));
    }

    /// Latin, CJK, combining, emoji and hostile characters. Indices into a table
    /// keep generation cheap (proptest's `prop_oneof!` is slow in debug builds).
    fn text_strategy() -> impl Strategy<Value = String> {
        const CHARS: [char; 13] = [
            'a', 'W', ' ', '张', '明', 'é', '\u{301}', '&', '<', '"', '\n', '\u{202e}', '😀',
        ];
        prop::collection::vec(0..CHARS.len(), 0..40)
            .prop_map(|v| v.into_iter().map(|i| CHARS[i]).collect())
    }

    fn forest_strategy() -> impl Strategy<Value = Vec<MapContact>> {
        prop::collection::vec(
            (
                text_strategy(),
                text_strategy(),
                0..100usize,
                0..4usize,
                any::<bool>(),
            ),
            1..60,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (name, title, pick, roles, stale))| {
                    // Earlier ids only (no cycles), some roots, some unknown bosses.
                    let boss = match pick % 10 {
                        0 | 1 if i > 0 => None,
                        2 => Some("nobody".to_string()),
                        _ if i > 0 => Some(format!("p{}", pick % i)),
                        _ => None,
                    };
                    MapContact {
                        id: format!("p{i}"),
                        name,
                        title: title.clone(),
                        department: title,
                        roles: ROLES
                            .iter()
                            .take(roles * 3)
                            .map(|r| r.0.to_string())
                            .collect(),
                        stance: STANCES[pick % 6].key.into(),
                        strength: Some((pick % 6) as u8),
                        reports_to: boss,
                        our_contact: if stale {
                            "someone.with.a.long.handle".into()
                        } else {
                            String::new()
                        },
                        stale,
                        ..Default::default()
                    }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn random_forests_lay_out_cleanly(cs in forest_strategy()) {
            check_layout(&cs);
            check_text_fit(&cs);
            // Links to earlier, later and unknown ids, in all kinds (plus an unknown kind).
            let n = cs.len();
            let kinds = ["influence", "conflict", "informal", "other"];
            let links: Vec<MapLink> = (0..n)
                .map(|i| MapLink {
                    from: format!("p{i}"),
                    to: format!("p{}", (i * 7 + 3) % (n + 2)),
                    kind: kinds[i % 4].into(),
                })
                .collect();
            let input =
                GapInput { min_departments: 3, requires_decision_maker: true, plan_text: "" };
            let gaps = coverage_gaps(&cs, &input);
            check_markup(&render_svg(&cs, &links, &gaps, Lang::En, "p"));
        }
    }
}
