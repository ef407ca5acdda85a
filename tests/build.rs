//! `dossier build` as a user runs it: the demo builds, every internal link resolves,
//! output is reproducible, hostile content is inert, private data never leaks, and a
//! failed build leaves the previous site untouched.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn build(root: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let o = Command::new(bin())
        .args([
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Temp or set-aside folders of builds (`.<name>.dossier-…`) in `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("dossier-"))
        .map(|e| e.path())
        .collect()
}

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every href/src in every HTML page that is relative must name a file in the output.
fn broken_links(out: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    for (rel, bytes) in tree(out) {
        if rel.extension().is_none_or(|e| e != "html") || rel == Path::new("404.html") {
            continue;
        }
        let html = String::from_utf8_lossy(&bytes);
        let base = out.join(&rel);
        let dir = base.parent().unwrap();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let url = &part[..part.find('"').unwrap()];
                let url = url.replace("&amp;", "&");
                if url.starts_with('#')
                    || url.contains("://")
                    || url.starts_with("mailto:")
                    || url.is_empty()
                {
                    continue;
                }
                let path = url.split(['#', '?']).next().unwrap();
                let mut target = dir.join(path);
                if path.ends_with('/') || path.is_empty() {
                    target = target.join("index.html");
                }
                if !target.exists() {
                    broken.push(format!("{} -> {url}", rel.display()));
                }
            }
        }
    }
    broken
}

#[test]
fn demo_builds_with_every_link_resolving_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (code, log) = build(&demo(), &a, &[]);
    assert_eq!(code, 0, "{log}");
    for page in [
        "index.html",
        "accounts/index.html",
        "accounts/huadong-precision/index.html",
        "search/index.html",
        "404.html",
        "sitemap.xml",
        "reviews.xml",
        "data/accounts.json",
        "data/accounts.csv",
        "tiers/A/index.html",
        "owners/li.wei/index.html",
    ] {
        assert!(a.join(page).is_file(), "missing {page}");
    }
    let broken = broken_links(&a);
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    let (code, log) = build(&demo(), &b, &[]);
    assert_eq!(code, 0, "{log}");
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{} differs between two builds", k.display());
    }
    // a Chinese account page is in Chinese, with its contact map
    let zh =
        String::from_utf8(ta[Path::new("accounts/huadong-precision/index.html")].clone()).unwrap();
    assert!(
        zh.contains("lang=\"zh-Hans\"")
            && zh.contains("分级评分卡")
            && zh.contains("data-contact-id="),
        "zh page"
    );
    // CSV opens in Excel with Chinese: UTF-8 with a byte-order mark
    assert!(ta[Path::new("data/accounts.csv")].starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn private_contact_fields_never_reach_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let mut files = base_files();
    let c = files
        .iter_mut()
        .find(|(p, _)| p.ends_with("contacts.toml"))
        .unwrap();
    c.1 = c.1.replacen(
        "last_contact = 2026-10-12\n",
        "last_contact = 2026-10-12\n[contact.private]\nbirthday = \"SECRET-BIRTHDAY-0314\"\n",
        1,
    );
    write_site(&dir, &files);
    let out = tmp.path().join("out");
    let (code, log) = build(&dir, &out, &[]);
    assert_eq!(code, 0, "{log}");
    for (p, bytes) in tree(&out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET-BIRTHDAY"),
            "private field leaked into {}",
            p.display()
        );
    }
    // --redact credit: no credit figures anywhere
    let out2 = tmp.path().join("out2");
    let (code, log) = build(&dir, &out2, &["--redact", "credit"]);
    assert_eq!(code, 0, "{log}");
    for (p, bytes) in tree(&out2) {
        let s = String::from_utf8_lossy(&bytes);
        assert!(
            !s.contains("5,000,000") && !s.contains("5000000") && !s.contains("3,200,000"),
            "credit figure in {}",
            p.display()
        );
    }
}

#[test]
fn hostile_markdown_renders_inert() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let mut files = base_files();
    let hostile = "\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<iframe src=\"https://evil\"></iframe>\n\nText with </script><script>alert(4)</script> inside.\n\n<a href=\"data:text/html,<script>alert(5)</script>\">d</a>\n\n## Heading {#x onclick=alert(6)}\n\n```js\"><script>alert(7)</script>\nx\n```\n";
    let p = files
        .iter_mut()
        .find(|(p, _)| p.ends_with("plan.md"))
        .unwrap();
    p.1.push_str(hostile);
    // the unsafe link is an error in check; allow it to build to test rendering
    files[0]
        .1
        .push_str("[rules]\n\"markdown.unsafe-url\" = \"warning\"\n");
    write_site(&dir, &files);
    let out = tmp.path().join("out");
    let (code, log) = build(&dir, &out, &[]);
    assert_eq!(code, 0, "{log}");
    let html = std::fs::read_to_string(out.join("accounts/acme-steel/index.html"))
        .unwrap()
        .to_lowercase();
    let body = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
    // inspect every tag: text may mention `onclick` harmlessly, tags may not
    for tag in body
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
    {
        let name = tag.split([' ', '/', '\n']).next().unwrap();
        assert!(
            !["script", "iframe", "object", "embed", "style"].contains(&name),
            "active element <{tag}>"
        );
        let attrs = tag.replace(['\n', '\t'], " ");
        assert!(
            !attrs
                .split(' ')
                .any(|a| a.starts_with("on") && a.contains('=')),
            "event handler in <{tag}>"
        );
        assert!(
            !attrs.contains("javascript:") && !attrs.contains("data:text"),
            "dangerous URL in <{tag}>"
        );
    }
    assert!(
        body.contains("&lt;/script&gt;") || !body.contains("alert(4)"),
        "`</script>` in text is escaped"
    );
}

#[test]
fn a_failed_build_keeps_the_previous_site_and_unsafe_outputs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    write_site(&dir, &base_files());
    let out = tmp.path().join("out");
    assert_eq!(build(&dir, &out, &[]).0, 0);
    let before = tree(&out);
    // break the data: the check fails, nothing is written
    let acct = dir.join("content/accounts/acme-steel/account.toml");
    let text = std::fs::read_to_string(&acct).unwrap();
    std::fs::write(&acct, text.replace("limit = 5000000", "limit = \"x\"")).unwrap();
    let (code, log) = build(&dir, &out, &[]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("unchanged"), "{log}");
    assert_eq!(tree(&out), before, "the previous site must be untouched");
    assert!(leftovers(tmp.path()).is_empty(), "temp folders left behind");
    std::fs::write(&acct, text).unwrap();
    // a non-empty folder dossier did not create is refused, and so is the root itself
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "mine").unwrap();
    let (code, log) = build(&dir, &foreign, &[]);
    assert_eq!(code, 2, "{log}");
    assert!(foreign.join("keep.txt").is_file());
    assert_eq!(build(&dir, &dir, &[]).0, 2);
    assert_eq!(
        build(&dir, tmp.path(), &[]).0,
        2,
        "a parent of the root is refused"
    );
}

#[test]
fn a_rebuild_replaces_the_previous_site_without_following_its_links() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    write_site(&dir, &base_files());
    let out = tmp.path().join("out");
    assert_eq!(build(&dir, &out, &[]).0, 0);
    let fresh = tree(&out);
    // leftovers of an older build, and links out of the site that must survive it
    let keep = tmp.path().join("keep");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("precious.txt"), "not the site's").unwrap();
    std::fs::create_dir_all(out.join("accounts/gone-account/reviews")).unwrap();
    std::fs::write(out.join("accounts/gone-account/index.html"), "stale").unwrap();
    std::fs::write(out.join("accounts/acme-steel/old.html"), "stale").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&keep, out.join("accounts/linked-folder")).unwrap();
        std::os::unix::fs::symlink(&keep, out.join("accounts/acme-steel/linked")).unwrap();
    }
    assert_eq!(build(&dir, &out, &[]).0, 0);
    assert_eq!(tree(&out), fresh, "the new site is exactly a fresh build");
    assert!(keep.join("precious.txt").is_file(), "a link was followed");
    assert!(
        leftovers(tmp.path()).is_empty(),
        "the previous site was not removed"
    );
}

#[test]
fn a_repo_theme_overrides_templates_and_static_files_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let mut files = base_files();
    files[0].1 = files[0].1.replace(
        "title = \"Test playbooks\"",
        "title = \"Test playbooks\"\ntheme = \"mine\"",
    );
    files.push((
        "themes/mine/templates/404.html".into(),
        "{% extends \"base.html\" %}{% block content %}<p>OUR-OWN-404</p>{% endblock content %}"
            .into(),
    ));
    files.push((
        "themes/mine/static/style.css".into(),
        "body { color: rebeccapurple }".into(),
    ));
    write_site(&dir, &files);
    let out = tmp.path().join("out");
    let (code, log) = build(&dir, &out, &[]);
    assert_eq!(code, 0, "{log}");
    assert!(std::fs::read_to_string(out.join("404.html"))
        .unwrap()
        .contains("OUR-OWN-404"));
    assert_eq!(
        std::fs::read_to_string(out.join("static/style.css")).unwrap(),
        "body { color: rebeccapurple }"
    );
    // a broken template is reported with its position, and the previous site stays
    let before = tree(&out);
    std::fs::write(
        dir.join("themes/mine/templates/404.html"),
        "{% extends \"base.html\" %}\n{% block content %}{{ t.oops( }}{% endblock content %}",
    )
    .unwrap();
    let (code, log) = build(&dir, &out, &[]);
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("404.html:2:"),
        "template errors name file:line: {log}"
    );
    assert_eq!(tree(&out), before);
}
