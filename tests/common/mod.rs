//! Shared test helpers: build a small site in a temp folder and check it.
#![allow(dead_code)]

use dossier::diag::{place, Placed};
use std::path::{Path, PathBuf};

pub const DOSSIER_TOML: &str = r#"title = "Test playbooks"
today = 2026-11-01
[credit]
approvers = ["fin.zhang", "fin.liu"]
"#;

pub const ACCOUNT: &str = r#"name = "Acme Steel Co."
legal_name = "Acme Steel Co., Ltd."
tax_id = "91310000MA1FL0XX0X"
industry = "Steel"
region = "East China"
status = "active"
owner = "li.wei"
team = { solution = "chen.yu" }
sales_units = ["east-region", "group-sales"]
primary_interface = "east-region"
customer_since = 2019-03-01
tags = ["automotive"]

[tier]
declared = "A"
override_reason = ""
[tier.scores]
value = 5
loyalty = 4
growth = 4
risk = 2

[relationship]
level = 2
competitors = ["Foo Metals"]

[[criteria]]
name = "Lead time under 4 weeks"
fit = "both"

[credit]
currency = "CNY"
limit = 5000000
rating = "A"
payment_terms_days = 60
prepayment_pct = 30
outstanding = 3200000
overdue = 400000
oldest_overdue_days = 45
dso_days = 72
last_review = 2026-06-30
approved_by = "fin.zhang"
approved_on = 2026-06-30
hold = false
hold_reason = ""
[credit.aging]
current = 2800000
d1_30 = 250000
d31_60 = 150000
d61_90 = 0
d90_plus = 0

[[complaints]]
id = "C-12"
opened = 2026-05-02
closed = 2026-05-20
severity = "high"
summary = "Two coils out of tolerance"
resolution = "Replaced within 48 h"
"#;

pub const CONTACTS: &str = r#"[[contact]]
id = "wang-gang"
name = "王刚"
title = "总经理"
department = "Management"
roles = ["decision_maker"]
stance = "supporter"
strength = 4
last_contact = 2026-10-12

[[contact]]
id = "zhang-ming"
name = "张明"
title = "采购总监"
department = "Procurement"
roles = ["economic_buyer"]
stance = "champion"
strength = 5
reports_to = "wang-gang"

[[contact]]
id = "li-na"
name = "Li Na"
department = "Engineering"
roles = ["technical_buyer"]
reports_to = "wang-gang"

[[contact]]
id = "chen-jie"
name = "Chen Jie"
department = "Finance"
roles = ["finance_approver"]
reports_to = "zhang-ming"

[[link]]
from = "li-na"
to = "zhang-ming"
kind = "influence"
"#;

pub const PLAN: &str = r#"+++
period = "FY2027"
updated = 2026-10-01
[[objectives]]
text = "Grow share of wallet"
owner = "li.wei"
due = 2027-06-30
status = "in_progress"
[[actions]]
what = "Cost-down workshop"
owner = "chen.yu"
due = 2026-12-15
status = "open"
+++
## Strategy

See the [last review](reviews/2026-09-30-q3-review.md).
"#;

pub const REVIEW: &str = r#"+++
date = 2026-09-30
kind = "quarterly"
reviewers = ["li.wei"]
attendees = ["zhang-ming"]
health = "amber"
summary = "Volume up 12%."
next_review = 2026-12-31
[[decisions]]
text = "Hold terms at 60 days."
[[actions]]
what = "Send revised delivery plan"
owner = "zhao.lei"
due = 2026-10-15
status = "done"
+++
Notes.
"#;

/// A valid site: one tier-A account with contacts, plan and a review.
pub fn base_files() -> Vec<(String, String)> {
    let a = "content/accounts/acme-steel";
    vec![
        ("dossier.toml".into(), DOSSIER_TOML.into()),
        (format!("{a}/account.toml"), ACCOUNT.into()),
        (format!("{a}/contacts.toml"), CONTACTS.into()),
        (format!("{a}/plan.md"), PLAN.into()),
        (
            format!("{a}/reviews/2026-09-30-q3-review.md"),
            REVIEW.into(),
        ),
    ]
}

pub fn write_site(dir: &Path, files: &[(String, String)]) {
    for (p, text) in files {
        let full = dir.join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
}

pub fn check(dir: &Path) -> Vec<Placed> {
    let c = dossier::check_site(dir, None).expect("site loads");
    c.diagnostics
        .iter()
        .map(|d| place(d, &c.site.sources))
        .collect()
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dossier"))
}

/// The project's `shared/` folder, beside the repository (as in CI).
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.join("bench/gen_corpus.py").is_file().then_some(p)
}

// ───────────────────── inspecting published HTML ─────────────────────

/// A tag found in HTML/XML/SVG: lowercase name, attributes (raw values), the text up to
/// its end tag for raw-text elements (script, style).
#[derive(Debug)]
pub struct TagInfo {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub raw_text: Option<String>,
}

/// Every start tag of `html` (comments, declarations and end tags skipped; the body of
/// raw-text elements such as `<script>` is kept, not scanned for tags).
pub fn scan_tags(html: &str) -> Vec<TagInfo> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let p = i + off;
        let rest = &html[p..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(html.len(), |e| p + e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            i = rest.find('>').map_or(html.len(), |e| p + e + 1);
            continue;
        }
        if !b.get(p + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i = p + 1;
            continue;
        }
        let mut j = p + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b':') {
            j += 1;
        }
        let name = html[p + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let ks = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            if j == ks {
                j += 1;
                continue;
            }
            let key = html[ks..j].to_ascii_lowercase();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut val = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    j = vs;
                    while j < b.len() && b[j] != q {
                        j += 1;
                    }
                    val = html[vs..j.min(b.len())].to_string();
                    j += 1;
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    val = html[vs..j].to_string();
                }
            }
            attrs.push((key, val));
        }
        let j = j.min(html.len());
        let mut raw_text = None;
        if matches!(
            name.as_str(),
            "script" | "style" | "xmp" | "textarea" | "title" | "noscript"
        ) {
            let lower = html[j..].to_ascii_lowercase();
            let end = lower.find(&format!("</{name}")).unwrap_or(lower.len());
            raw_text = Some(html[j..j + end].to_string());
            i = j + end;
        } else {
            i = j;
        }
        out.push(TagInfo {
            name,
            attrs,
            raw_text,
        });
        if i >= html.len() {
            break;
        }
    }
    out
}

/// Character references an attribute value may hide a scheme behind (`&#x09;`, `&colon;`).
pub fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map_or(rest.len(), |e| e + 1);
        let ent = &rest[1..end];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            "colon" => Some(':'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An attribute value as a browser compares it: entities decoded, whitespace and
/// control characters dropped, lowercase.
pub fn normalized_attr(v: &str) -> String {
    decode_entities(v)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A URL attribute that runs code or embeds a document (also as a later `srcset` entry).
pub fn dangerous_url(v: &str) -> bool {
    let v = normalized_attr(v);
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|p| v.starts_with(p) || v.contains(&format!(",{p}")))
}
