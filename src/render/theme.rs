//! The theme: the built-in templates and static files (embedded in the binary), and
//! a repo's `themes/<name>/` overriding any of them by name.

use std::collections::BTreeMap;
use std::path::Path;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/", $name)))),*]
    };
}

/// Built-in templates by name.
const TEMPLATES: &[(&str, &str)] = embed!(
    "templates/base.html",
    "templates/dashboard.html",
    "templates/accounts.html",
    "templates/account.html",
    "templates/review.html",
    "templates/owner.html",
    "templates/tier.html",
    "templates/guide.html",
    "templates/search.html",
    "templates/404.html",
    "templates/findings.html",
    "templates/rows_table.html",
    "templates/actions_table.html",
);

/// Built-in static files by output path.
const STATIC: &[(&str, &str)] = embed!("static/style.css", "static/site.js", "static/search.js");

pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub statics: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The built-in theme, with `root/themes/<name>/` overrides when `name` is set.
    /// Override files are read without following symlinks.
    pub fn load(root: &Path, name: Option<&str>) -> Result<Theme, String> {
        let mut templates: BTreeMap<String, String> = TEMPLATES
            .iter()
            .map(|(n, t)| {
                (
                    n.trim_start_matches("templates/").to_string(),
                    t.to_string(),
                )
            })
            .collect();
        let mut statics: BTreeMap<String, Vec<u8>> = STATIC
            .iter()
            .map(|(n, t)| {
                (
                    n.trim_start_matches("static/").to_string(),
                    t.as_bytes().to_vec(),
                )
            })
            .collect();
        if let Some(name) = name {
            if !crate::load::is_slug(name) {
                return Err(format!(
                    "theme name `{name}` must be a slug (a folder under themes/)"
                ));
            }
            let dir = root.join("themes").join(name);
            for p in [
                root.join("themes"),
                dir.clone(),
                dir.join("templates"),
                dir.join("static"),
            ] {
                if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(format!(
                        "`{}` is a symbolic link; themes are read only from inside the site root",
                        p.display()
                    ));
                }
            }
            if !dir.is_dir() {
                return Err(format!(
                    "theme `{name}` not found: expected the folder themes/{name}/"
                ));
            }
            for (sub, is_tpl) in [("templates", true), ("static", false)] {
                let base = dir.join(sub);
                if !base.is_dir() {
                    continue;
                }
                for e in walkdir::WalkDir::new(&base)
                    .follow_links(false)
                    .sort_by_file_name()
                {
                    let e = e.map_err(|e| e.to_string())?;
                    if !e.file_type().is_file() {
                        continue; // directories, and symlinks (never followed)
                    }
                    let rel = e.path().strip_prefix(&base).map_err(|e| e.to_string())?;
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    let bytes = std::fs::read(e.path())
                        .map_err(|err| format!("{}: {err}", e.path().display()))?;
                    if is_tpl {
                        let text = String::from_utf8(bytes)
                            .map_err(|_| format!("themes/{name}/templates/{rel} is not UTF-8"))?;
                        templates.insert(rel, text);
                    } else {
                        statics.insert(rel, bytes);
                    }
                }
            }
        }
        Ok(Theme { templates, statics })
    }

    /// Compile the templates. Tera 2 reports template errors with line and column.
    pub fn tera(&self) -> Result<tera::Tera, String> {
        let mut t = tera::Tera::new();
        t.autoescape_on(vec![".html", ".xml"]);
        t.add_raw_templates(self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| format!("theme template error: {e}"))?;
        Ok(t)
    }
}
