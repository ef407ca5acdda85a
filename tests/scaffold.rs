//! Scaffolding: `dossier init`, `dossier new`, `dossier new review` write files that pass
//! `dossier check` with no findings, refuse to overwrite, and the editor schemas cover
//! every key the demo content uses.

use dossier::config::Config;
use dossier::date::Date;
use dossier::scaffold::{self, NewAccount};
use serde_json::Value as Json;
use std::path::Path;

/// Any fixed day works: everything is dated relative to it, and the check is pinned to it.
fn day() -> Date {
    Date::new(2027, 3, 15).unwrap()
}

/// Every finding, as one readable line each (empty: the site is clean).
fn findings(root: &Path, today: Date) -> Vec<String> {
    let c = dossier::check_site(root, Some(today)).expect("site loads");
    c.diagnostics
        .iter()
        .map(|d| dossier::diag::place(d, &c.site.sources))
        .map(|p| format!("{}:{}: {} {}", p.file, p.line, p.code, p.message))
        .collect()
}

fn init_site() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let files = scaffold::init(dir.path(), day()).expect("init");
    (dir, files)
}

#[test]
fn init_passes_the_check_and_lists_what_it_wrote() {
    let (dir, files) = init_site();
    assert_eq!(findings(dir.path(), day()), Vec::<String>::new());
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "the list is sorted");
    for f in [
        "dossier.toml",
        ".gitignore",
        ".taplo.toml",
        "content/_index.md",
        "content/accounts/example-customer/account.toml",
        "content/accounts/example-customer/contacts.toml",
        "content/accounts/example-customer/plan.md",
        "content/accounts/example-customer/reviews/2027-03-15-kickoff.md",
        "schemas/dossier-account.schema.json",
        "ci/github-actions.yml",
        "ci/gitlab-ci.yml",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} written");
        assert!(dir.path().join(f).is_file(), "{f} exists");
    }
    // The example account is the top tier: it exercises every requirement.
    let c = dossier::check_site(dir.path(), Some(day())).unwrap();
    assert_eq!(c.signals[0].computed_tier.as_deref(), Some("A"));
    // Fresh repos use the real date: `today` is documented but not set.
    let toml = std::fs::read_to_string(dir.path().join("dossier.toml")).unwrap();
    assert!(toml.contains("# today = "));
    assert!(c.site.config.today.is_none());
    let gha = std::fs::read_to_string(dir.path().join("ci/github-actions.yml")).unwrap();
    assert!(gha.contains("--format github") && gha.contains("fetch-depth: 0"));
}

#[test]
fn init_dossier_toml_spells_out_the_default_policy() {
    let (dir, _) = init_site();
    let text = std::fs::read_to_string(dir.path().join("dossier.toml")).unwrap();
    let (cfg, diags) = Config::parse(&text);
    assert!(diags.is_empty(), "{diags:?}");
    let d = Config::default();
    let tiers = |c: &Config| {
        c.tiers
            .iter()
            .map(|t| {
                format!(
                    "{} {} {} {} {} {} {} {} {}",
                    t.name,
                    t.label,
                    t.min_score.to_scaled(3).unwrap(),
                    t.review_every_days,
                    t.credit_review_every_days,
                    t.min_contacts,
                    t.min_departments,
                    t.requires_plan,
                    t.requires_decision_maker
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(tiers(&cfg), tiers(&d));
    assert_eq!(cfg.scoring.weights, d.scoring.weights);
    assert_eq!(cfg.scoring.inverted, d.scoring.inverted);
    assert_eq!(cfg.credit.currencies, d.credit.currencies);
    assert_eq!(cfg.credit.ratings, d.credit.ratings);
    assert_eq!(cfg.credit.approvers, d.credit.approvers);
    assert_eq!(cfg.credit.max_terms_days, d.credit.max_terms_days);
    assert_eq!(cfg.credit.max_overdue_days, d.credit.max_overdue_days);
    // Decimals compare by value: "4.0" parses as 4.
    let pcts = |c: &Config| {
        (
            c.credit.warn_utilization_pct.to_scaled(3),
            c.credit.max_utilization_pct.to_scaled(3),
        )
    };
    assert_eq!(pcts(&cfg), pcts(&d));
    assert_eq!(
        cfg.portfolio.max_top_tier_accounts,
        d.portfolio.max_top_tier_accounts
    );
    assert_eq!(
        cfg.portfolio.max_accounts_per_owner,
        d.portfolio.max_accounts_per_owner
    );
    assert_eq!(cfg.limits.max_file_bytes, d.limits.max_file_bytes);
    assert_eq!(cfg.limits.max_nesting, d.limits.max_nesting);
    assert_eq!(cfg.limits.max_array_len, d.limits.max_array_len);
    assert_eq!(
        (
            &cfg.title,
            &cfg.base_url,
            &cfg.language,
            cfg.include_private
        ),
        (&d.title, &d.base_url, &d.language, d.include_private)
    );
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let (dir, files) = init_site();
    let before = snapshot(dir.path());
    let err = scaffold::init(dir.path(), day()).unwrap_err();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(snapshot(dir.path()), before);

    // One existing file among many new ones: still nothing is written.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join(".gitignore"), "target/\n").unwrap();
    let err = scaffold::init(dir2.path(), day()).unwrap_err();
    assert!(err.contains(".gitignore"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir2.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the user's .gitignore");
    assert!(files.len() > 10);
}

/// Every file under `root` with its bytes.
fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            out.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out
}

#[test]
fn new_account_passes_the_check_in_every_tier() {
    let (dir, _) = init_site();
    let cfg = scaffold::load_config(dir.path()).unwrap();
    for t in &cfg.tiers {
        let slug = format!("tier-{}-customer", t.name.to_lowercase());
        let files = scaffold::new_account(
            dir.path(),
            &cfg,
            &NewAccount {
                slug: slug.clone(),
                tier: Some(t.name.clone()),
                ..Default::default()
            },
            day(),
        )
        .unwrap();
        assert_eq!(
            files,
            [
                format!("content/accounts/{slug}/account.toml"),
                format!("content/accounts/{slug}/contacts.toml"),
                format!("content/accounts/{slug}/plan.md"),
                format!("content/accounts/{slug}/reviews/2027-03-15-kickoff.md"),
            ]
        );
    }
    assert_eq!(findings(dir.path(), day()), Vec::<String>::new());
    let c = dossier::check_site(dir.path(), Some(day())).unwrap();
    for (a, s) in c.site.accounts.iter().zip(&c.signals) {
        if let Some(t) = a.slug.strip_prefix("tier-") {
            let want = t.trim_end_matches("-customer").to_uppercase();
            assert_eq!(
                s.computed_tier.as_deref(),
                Some(want.as_str()),
                "{}",
                a.slug
            );
            assert!(!s.tier_differs);
        }
    }
}

#[test]
fn new_account_follows_the_repo_policy() {
    // A stricter, unusual policy: five dimensions, listed approvers, a tier needing six
    // contacts in five departments, Chinese labels.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("dossier.toml"),
        r#"language = "zh"
[scoring]
weights = { value = 0.3, loyalty = 0.2, growth = 0.2, risk = 0.2, "fit-score" = 0.1 }
inverted = ["risk"]
[[tiers]]
name = "Key"
min_score = 3.7
review_every_days = 60
credit_review_every_days = 90
min_contacts = 6
min_departments = 5
requires_plan = true
requires_decision_maker = true
[[tiers]]
name = "Other"
min_score = 0
review_every_days = 365
credit_review_every_days = 365
min_contacts = 0
min_departments = 0
requires_plan = false
requires_decision_maker = false
[credit]
currencies = ["CNY"]
approvers = ["li.wei", "fin.zhang"]
"#,
    )
    .unwrap();
    let cfg = scaffold::load_config(dir.path()).unwrap();
    for (slug, tier) in [("key-one", Some("Key")), ("other-one", None)] {
        let a = NewAccount {
            slug: slug.into(),
            name: Some("华东 \"精密\" 机械".into()),
            owner: Some("li.wei".into()),
            tier: tier.map(String::from),
        };
        scaffold::new_account(dir.path(), &cfg, &a, day()).unwrap();
    }
    assert_eq!(findings(dir.path(), day()), Vec::<String>::new());
    let plan =
        std::fs::read_to_string(dir.path().join("content/accounts/key-one/plan.md")).unwrap();
    for h in ["现状", "客户优先事项", "竞争", "目标", "关系策略", "风险"] {
        assert!(plan.contains(&format!("## {h}\n")), "{h}");
    }
    let account =
        std::fs::read_to_string(dir.path().join("content/accounts/key-one/account.toml")).unwrap();
    // The owner is a listed approver: the next one approves.
    assert!(account.contains("approved_by = \"fin.zhang\""), "{account}");
    // The default tier is the last one.
    let c = dossier::check_site(dir.path(), Some(day())).unwrap();
    assert_eq!(c.signals[1].declared_tier, "Other");
    // Reviews follow the site language too, and the owner reviews.
    let p = scaffold::new_review(dir.path(), "key-one", "credit", day()).unwrap();
    let text = std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert!(
        text.contains("## 讨论") && text.contains("reviewers = [\"li.wei\"]"),
        "{text}"
    );
    assert_eq!(findings(dir.path(), day()), Vec::<String>::new());
}

#[test]
fn new_account_refuses_existing_and_invalid_slugs() {
    let (dir, _) = init_site();
    let cfg = Config::default();
    let new = |slug: &str| {
        scaffold::new_account(
            dir.path(),
            &cfg,
            &NewAccount {
                slug: slug.into(),
                ..Default::default()
            },
            day(),
        )
    };
    let err = new("example-customer").unwrap_err();
    assert!(
        err.contains("already exists") && err.contains("`example-customer-2`"),
        "{err}"
    );
    let err = new("Acme_Steel").unwrap_err();
    assert!(
        err.contains("not a valid") && err.contains("`acme-steel`"),
        "{err}"
    );
    let err = new(&"a".repeat(65)).unwrap_err();
    assert!(err.contains("64 characters"), "{err}");
    for bad in ["", "acme--steel", "-acme", "../escape"] {
        assert!(new(bad).is_err(), "{bad:?}");
    }
    let err = scaffold::new_account(
        dir.path(),
        &cfg,
        &NewAccount {
            slug: "acme".into(),
            tier: Some("Z".into()),
            ..Default::default()
        },
        day(),
    )
    .unwrap_err();
    assert!(err.contains("A, B, C, D"), "{err}");
    assert!(!dir.path().join("content/accounts/acme").exists());
}

#[test]
fn new_review_passes_the_check_and_is_named_for_today() {
    let (dir, _) = init_site();
    let later = day().add_days(20);
    let p = scaffold::new_review(dir.path(), "example-customer", "quarterly", later).unwrap();
    assert_eq!(
        p,
        "content/accounts/example-customer/reviews/2027-04-04-quarterly-review.md"
    );
    let text = std::fs::read_to_string(dir.path().join(&p)).unwrap();
    assert!(text.contains("date = 2027-04-04"), "{text}");
    assert!(text.contains("next_review = 2027-07-03"), "{text}");
    assert!(text.contains("reviewers = [\"alex.morgan\"]"), "{text}");
    for h in ["## Discussion", "## Decisions", "## Next steps"] {
        assert!(text.contains(h), "{h}");
    }
    // Same kind on the same day: numbered, never overwritten.
    let p2 = scaffold::new_review(dir.path(), "example-customer", "quarterly", later).unwrap();
    assert!(p2.ends_with("2027-04-04-quarterly-review-2.md"), "{p2}");
    let p3 = scaffold::new_review(dir.path(), "example-customer", "win-loss", later).unwrap();
    assert!(p3.ends_with("2027-04-04-win-loss-review.md"), "{p3}");
    assert!(std::fs::read_to_string(dir.path().join(&p3))
        .unwrap()
        .contains("kind = \"win_loss\""));
    assert_eq!(findings(dir.path(), later), Vec::<String>::new());

    let err = scaffold::new_review(dir.path(), "example-custmer", "quarterly", later).unwrap_err();
    assert!(err.contains("did you mean `example-customer`"), "{err}");
    let err = scaffold::new_review(dir.path(), "example-customer", "quartely", later).unwrap_err();
    assert!(err.contains("did you mean `quarterly`"), "{err}");
}

#[test]
fn schemas_are_deterministic_json_draft_07() {
    let a = dossier::schema::schemas();
    assert_eq!(a, dossier::schema::schemas());
    let names: Vec<&str> = a.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "dossier-account.schema.json",
            "dossier-contacts.schema.json",
            "dossier-plan.schema.json",
            "dossier-review.schema.json"
        ]
    );
    for (name, text) in &a {
        let v: Json = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
        every_property_described(&v, name);
    }
    // init writes exactly these bytes.
    let (dir, _) = init_site();
    for (name, text) in &a {
        let written = std::fs::read_to_string(dir.path().join("schemas").join(name)).unwrap();
        assert_eq!(&written, text);
    }
}

fn every_property_described(schema: &Json, path: &str) {
    if let Some(props) = schema.get("properties").and_then(Json::as_object) {
        for (k, p) in props {
            let at = format!("{path}.{k}");
            assert!(p["description"].is_string(), "{at} has no description");
            every_property_described(p, &at);
        }
    }
    if let Some(items) = schema.get("items") {
        every_property_described(items, &format!("{path}[]"));
    }
}

fn schema(name: &str) -> Json {
    let text = dossier::schema::schemas()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1;
    serde_json::from_str(&text).unwrap()
}

/// Walk a TOML value against a schema: every key must be a property (or allowed by an
/// `additionalProperties` schema), every value of the schema's type and enum.
fn conforms(schema: &Json, v: &toml::Value, path: &str, errors: &mut Vec<String>) {
    let ty = schema["type"].as_str().unwrap_or("");
    let ok = match v {
        toml::Value::String(s) => {
            ty == "string"
                && schema["enum"]
                    .as_array()
                    .is_none_or(|e| e.iter().any(|x| x == s.as_str()))
        }
        toml::Value::Integer(_) => ty == "integer" || ty == "number",
        toml::Value::Float(_) => ty == "number",
        toml::Value::Boolean(_) => ty == "boolean",
        toml::Value::Datetime(_) => ty == "string" && schema["format"] == "date",
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                conforms(&schema["items"], item, &format!("{path}[{i}]"), errors);
            }
            ty == "array"
        }
        toml::Value::Table(t) => {
            for (k, child) in t {
                let at = format!("{path}.{k}");
                match schema["properties"].get(k) {
                    Some(s) => conforms(s, child, &at, errors),
                    None if schema["additionalProperties"].is_object() => {
                        conforms(&schema["additionalProperties"], child, &at, errors)
                    }
                    None => errors.push(format!("{at}: not in the schema")),
                }
            }
            ty == "object"
        }
    };
    if !ok {
        errors.push(format!("{path}: {v} does not match {schema}"));
    }
}

/// The schemas cannot drift from the format: every key and value the demo content uses
/// (all 10 accounts, every file kind) is accepted by them.
#[test]
fn schemas_cover_every_key_of_the_demo_content() {
    let accounts = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/accounts");
    let (account_s, contacts_s, plan_s, review_s) = (
        schema("dossier-account.schema.json"),
        schema("dossier-contacts.schema.json"),
        schema("dossier-plan.schema.json"),
        schema("dossier-review.schema.json"),
    );
    let mut errors = Vec::new();
    let mut n = 0;
    let front = |text: &str| -> toml::Value {
        match dossier::load::frontmatter::split(text) {
            dossier::load::frontmatter::FrontMatter::Some(s) => toml::from_str(s.toml).unwrap(),
            _ => panic!("no front matter"),
        }
    };
    let mut dirs: Vec<_> = std::fs::read_dir(&accounts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for d in dirs {
        let read = |f: &str| std::fs::read_to_string(d.join(f)).ok();
        let name = d.file_name().unwrap().to_string_lossy().into_owned();
        let text = read("account.toml").expect("account.toml");
        conforms(
            &account_s,
            &toml::from_str(&text).unwrap(),
            &name,
            &mut errors,
        );
        n += 1;
        if let Some(t) = read("contacts.toml") {
            conforms(
                &contacts_s,
                &toml::from_str(&t).unwrap(),
                &name,
                &mut errors,
            );
        }
        if let Some(t) = read("plan.md") {
            conforms(&plan_s, &front(&t), &format!("{name}/plan"), &mut errors);
        }
        for r in std::fs::read_dir(d.join("reviews")).into_iter().flatten() {
            let r = r.unwrap().path();
            let t = std::fs::read_to_string(&r).unwrap();
            conforms(&review_s, &front(&t), &r.display().to_string(), &mut errors);
        }
    }
    assert!(n >= 10, "the demo accounts were found");
    assert_eq!(errors, Vec::<String>::new());
    // And the other way round: the schema rejects a typo, like the loader.
    let mut typo = Vec::new();
    conforms(
        &account_s,
        &toml::from_str("name = \"x\"\nowner = \"y\"\nindusty = \"z\"").unwrap(),
        "typo",
        &mut typo,
    );
    assert_eq!(typo, ["typo.industy: not in the schema"]);
}

#[test]
fn init_builds_a_site() {
    let (dir, _) = init_site();
    let out = dir.path().join("public");
    let opts = dossier::render::BuildOptions::default();
    let (checked, _) = dossier::build_site(dir.path(), &out, Some(day()), &opts, false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(checked.diagnostics.is_empty());
    assert!(out.join("accounts/example-customer/index.html").is_file());
}
