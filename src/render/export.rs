//! Machine-readable outputs: `data/accounts.json`, `data/accounts.csv`, `sitemap.xml`
//! and the Atom feed of review notes `reviews.xml`. Field names are documented in
//! docs/data-export.md and stay stable.

use super::view::{AccountRow, ReviewSummary};
use crate::Checked;
use serde::Serialize;

/// Writes one output file.
pub type Emit<'a> = &'a (dyn Fn(&str, &[u8]) -> Result<(), String> + Sync);

pub struct ExportCtx<'a> {
    pub checked: &'a Checked,
    pub base_url: &'a str,
    pub redact_credit: bool,
    pub emit: Emit<'a>,
}

#[derive(Serialize)]
struct ExportAccount<'a> {
    slug: &'a str,
    name: &'a str,
    status: &'a str,
    owner: &'a str,
    region: &'a str,
    industry: &'a str,
    declared_tier: &'a str,
    computed_tier: &'a str,
    score: Option<f64>,
    override_justified: bool,
    churn_risk: &'a str,
    last_review: Option<crate::date::Date>,
    days_since_review: Option<i64>,
    review_overdue: bool,
    overdue_actions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    credit: Option<ExportCredit<'a>>,
    findings: Findings,
}

#[derive(Serialize)]
struct ExportCredit<'a> {
    currency: &'a str,
    limit: Option<crate::decimal::Money>,
    outstanding: Option<crate::decimal::Money>,
    overdue: Option<crate::decimal::Money>,
    utilization_pct: Option<f64>,
    utilization_band: crate::derive::Band,
    credit_review_overdue: bool,
}

#[derive(Serialize)]
struct Findings {
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct ExportFile<'a> {
    format: &'static str,
    today: crate::date::Date,
    accounts: Vec<ExportAccount<'a>>,
}

fn export_row(r: &AccountRow, redact: bool) -> ExportAccount<'_> {
    ExportAccount {
        slug: &r.slug,
        name: &r.name,
        status: &r.status,
        owner: &r.owner,
        region: &r.region,
        industry: &r.industry,
        declared_tier: &r.tier,
        computed_tier: &r.computed_tier,
        score: r.score,
        override_justified: r.override_justified,
        churn_risk: &r.churn_risk,
        last_review: r.last_review,
        days_since_review: r.days_since_review,
        review_overdue: r.review_overdue,
        overdue_actions: r.overdue_actions,
        credit: (!redact && !r.currency.is_empty()).then(|| ExportCredit {
            currency: &r.currency,
            limit: r.limit,
            outstanding: r.outstanding,
            overdue: r.overdue,
            utilization_pct: r.utilization.map(|u| (u * 10.0).round() / 10.0),
            utilization_band: r.utilization_band,
            credit_review_overdue: r.credit_review_overdue,
        }),
        findings: Findings {
            errors: r.errors,
            warnings: r.warnings,
        },
    }
}

/// A CSV cell: quoted when needed, and a leading `= + - @` (or tab/CR) neutralised with
/// a `'` so spreadsheets do not run it as a formula.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

use crate::escape::xml;

fn absolute(base: &str, url: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), url)
}

pub fn write_all(
    cx: &ExportCtx,
    rows: &[AccountRow],
    reviews: &[ReviewSummary],
) -> Result<(), String> {
    let file = ExportFile {
        format: "dossier-accounts/1",
        today: cx.checked.site.today,
        accounts: rows
            .iter()
            .map(|r| export_row(r, cx.redact_credit))
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    json.push(b'\n');
    (cx.emit)("data/accounts.json", &json)?;

    // UTF-8 with a byte-order mark so Excel shows Chinese correctly.
    let mut csv = String::from("\u{feff}");
    let mut header = vec![
        "slug",
        "name",
        "status",
        "owner",
        "region",
        "industry",
        "declared_tier",
        "computed_tier",
        "score",
        "churn_risk",
        "last_review",
        "review_overdue",
        "overdue_actions",
    ];
    if !cx.redact_credit {
        header.extend([
            "currency",
            "limit",
            "outstanding",
            "overdue",
            "utilization_pct",
        ]);
    }
    header.extend(["errors", "warnings"]);
    csv.push_str(&header.join(","));
    csv.push_str("\r\n");
    for r in rows {
        let money = |m: Option<crate::decimal::Money>| {
            m.map(|m| format!("{}", m.units_f64())).unwrap_or_default()
        };
        let mut cells = vec![
            r.slug.clone(),
            r.name.clone(),
            r.status.clone(),
            r.owner.clone(),
            r.region.clone(),
            r.industry.clone(),
            r.tier.clone(),
            r.computed_tier.clone(),
            r.score_text.clone(),
            r.churn_risk.clone(),
            r.last_review.map(|d| d.to_string()).unwrap_or_default(),
            r.review_overdue.to_string(),
            r.overdue_actions.to_string(),
        ];
        if !cx.redact_credit {
            cells.extend([
                r.currency.clone(),
                money(r.limit),
                money(r.outstanding),
                money(r.overdue),
                r.utilization.map(|u| format!("{u:.1}")).unwrap_or_default(),
            ]);
        }
        cells.extend([r.errors.to_string(), r.warnings.to_string()]);
        csv.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push_str("\r\n");
    }
    (cx.emit)("data/accounts.csv", csv.as_bytes())?;

    let base = cx.base_url;
    let mut sm = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut urls: Vec<String> = vec![String::new(), "accounts/".into(), "search/".into()];
    urls.extend(rows.iter().map(|r| r.url.clone()));
    urls.extend(reviews.iter().map(|r| r.url.clone()));
    urls.extend(
        cx.checked
            .site
            .guides
            .iter()
            .map(|g| format!("guides/{}/", g.stem)),
    );
    for u in urls {
        sm.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            xml(&absolute(base, &u))
        ));
    }
    sm.push_str("</urlset>\n");
    (cx.emit)("sitemap.xml", sm.as_bytes())?;

    // Atom: entries dated by the review date (no build timestamps: reproducible).
    let updated = reviews
        .iter()
        .filter_map(|r| r.date)
        .max()
        .unwrap_or(cx.checked.site.today);
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <id>{}</id>\n  <link href=\"{}\"/>\n  <updated>{updated}T00:00:00Z</updated>\n",
        xml(&format!("{} — review notes", cx.checked.site.config.title)),
        xml(&absolute(base, "reviews.xml")),
        xml(&absolute(base, "")),
    );
    for r in reviews.iter().take(200) {
        let d = r.date.map(|d| d.to_string()).unwrap_or_default();
        let link = absolute(base, &r.url);
        feed.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <updated>{d}T00:00:00Z</updated>\n    <summary>{}</summary>\n  </entry>\n",
            xml(&format!("{} — {} {d}", r.account, r.kind_label)),
            xml(&link),
            xml(&link),
            xml(&r.summary)
        ));
    }
    feed.push_str("</feed>\n");
    (cx.emit)("reviews.xml", feed.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(
            super::csv_cell("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(super::csv_cell("-1+2"), "'-1+2");
        assert_eq!(super::csv_cell("华东, 精密"), "\"华东, 精密\"");
        assert_eq!(super::csv_cell("plain"), "plain");
    }
}
