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
