//! `dossier serve`: build into memory, serve on 127.0.0.1, watch the sources, rebuild
//! what a change affects and reload the browser. Never writes to disk; serves only
//! files of the built site; a check error shows the findings as a page until fixed.

use crate::date::Date;
use crate::diag::place;
use crate::links::percent_decode;
use crate::render::{self, AccountCache, BuildOptions, Engine, Only};
use crate::write::MemOutput;
use crate::Checked;
use notify::{RecursiveMode, Watcher};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
    pub poll: bool,
    pub today: Option<Date>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            root: ".".into(),
            port: 1111,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            open: false,
            poll: false,
            today: None,
        }
    }
}

/// The site as served: files, and a version that changes on every rebuild.
#[derive(Default)]
pub struct Shared {
    files: RwLock<BTreeMap<String, Arc<[u8]>>>,
    /// When the last build failed: the findings page, shown instead of every page.
    error_page: RwLock<Option<Vec<u8>>>,
    version: Mutex<u64>,
    changed: Condvar,
}

impl Shared {
    fn publish(&self, files: Option<BTreeMap<String, Arc<[u8]>>>, error_page: Option<Vec<u8>>) {
        if let Some(f) = files {
            *self.files.write().expect("poisoned") = f;
        }
        *self.error_page.write().expect("poisoned") = error_page;
        *self.version.lock().expect("poisoned") += 1;
        self.changed.notify_all();
    }
    pub fn version(&self) -> u64 {
        *self.version.lock().expect("poisoned")
    }
}

const RELOAD_JS: &str = r#"<script>(function(){var v=__V__;function p(){fetch("/__dossier/wait?v="+v,{cache:"no-store"}).then(function(r){return r.text()}).then(function(t){if(t!==String(v)){location.reload()}else{p()}}).catch(function(){setTimeout(p,1000)})}p()})();</script>"#;

/// Editors' temporary files and hidden files never trigger a rebuild.
fn is_noise(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

/// What a set of changed paths needs: just some accounts, or everything.
fn affected(root: &Path, paths: &[PathBuf]) -> Option<Vec<String>> {
    let mut slugs = Vec::new();
    for p in paths {
        let rel = p.strip_prefix(root).unwrap_or(p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.len() >= 3 && parts[0] == "content" && parts[1] == "accounts" {
            if !slugs.contains(&parts[2]) {
                slugs.push(parts[2].clone());
            }
        } else {
            return None;
        }
    }
    Some(slugs)
}

/// The live state of the server's builder.
struct Builder {
    root: PathBuf,
    today: Option<Date>,
    engine: Option<Engine>,
    checked: Option<Checked>,
    cache: AccountCache,
    shared: Arc<Shared>,
}

impl Builder {
    fn opts() -> BuildOptions {
        BuildOptions {
            base_url: Some("/".into()),
            redact_credit: false,
            defer_search: false,
        }
    }

    /// Load, check and render everything.
    fn full(&mut self) -> String {
        self.cache.clear();
        let checked = match crate::check_site(&self.root, self.today) {
            Ok(c) => c,
            Err(e) => {
                self.shared.publish(None, Some(simple_error_page(&e.0)));
                return format!("error: {e}");
            }
        };
        self.engine = match Engine::new(&checked.site.root, checked.site.config.theme.as_deref()) {
            Ok(e) => Some(e),
            Err(e) => {
                self.shared.publish(None, Some(simple_error_page(&e)));
                return format!("error: {e}");
            }
        };
        self.checked = Some(checked);
        self.render(None)
    }

    /// Re-read the changed accounts, re-run the checks, re-render what depends on them:
    /// their pages, their owners' and tiers' pages (before and after the change) and the
    /// index pages; then, without another reload, the search index and the exports.
    fn accounts(&mut self, slugs: &[String]) -> String {
        let Some(old) = self.checked.take() else {
            return self.full();
        };
        let mut only = Only {
            slugs: slugs.iter().cloned().collect(),
            ..Only::default()
        };
        let mut note = |site: &crate::load::Loaded| {
            for a in site
                .accounts
                .iter()
                .filter(|a| only.slugs.contains(&a.slug))
            {
                if let Some(p) = &a.profile {
                    only.owners.insert(p.owner.v.clone());
                    only.tiers.insert(p.tier.declared.v.clone());
                }
            }
        };
        let mut site = old.site;
        note(&site);
        site.reload_accounts(slugs);
        note(&site);
        let (signals, diagnostics) = crate::check::run(&site);
        let summary =
            crate::diag::Summary::count(&diagnostics, site.sources.len(), site.accounts.len());
        self.checked = Some(Checked {
            site,
            signals,
            diagnostics,
            summary,
        });
        self.render(Some(&only))
    }

    fn render(&mut self, only: Option<&Only>) -> String {
        let (Some(engine), Some(checked)) = (&self.engine, &self.checked) else {
            return String::new();
        };
        if checked.summary.errors > 0 {
            let page = findings_page(engine, checked);
            self.shared.publish(None, Some(page));
            return format!(
                "check failed: {} errors — the browser shows them",
                checked.summary.errors
            );
        }
        let recovering = self.shared.error_page.read().expect("poisoned").is_some();
        let only = if self.cache.is_empty() || recovering {
            None
        } else {
            only
        };
        let out = MemOutput::default();
        if only.is_some() {
            // start from the current site and overwrite what changed
            *out.files.lock().expect("poisoned") =
                self.shared.files.read().expect("poisoned").clone();
        } else {
            self.cache.clear();
        }
        let mut opts = Self::opts();
        opts.defer_search = only.is_some();
        match render::render_with(engine, checked, &opts, &out, only, Some(&mut self.cache)) {
            Ok(stats) => {
                let files = out.files.into_inner().expect("poisoned");
                self.shared.publish(Some(files), None);
                if only.is_some() {
                    // the page is served; now the search index and exports, quietly
                    let later = MemOutput::default();
                    if render::render_deferred(engine, checked, &Self::opts(), &later, &self.cache)
                        .is_ok()
                    {
                        let mut files = self.shared.files.write().expect("poisoned");
                        files.extend(later.files.into_inner().expect("poisoned"));
                    }
                }
                format!("rebuilt {} pages", stats.pages)
            }
            Err(e) => {
                self.shared.publish(None, Some(simple_error_page(&e)));
                format!("error: {e}")
            }
        }
    }
}

fn simple_error_page(msg: &str) -> Vec<u8> {
    let esc = msg
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dossier: error</title></head><body><h1>The site could not be built</h1><pre>{esc}</pre></body></html>").into_bytes()
}

fn findings_page(engine: &Engine, checked: &Checked) -> Vec<u8> {
    let findings: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::rules::Severity::Error)
        .map(|d| place(d, &checked.site.sources))
        .collect();
    match render::render_findings(engine, checked, &findings) {
        Ok(html) => html.into_bytes(),
        Err(e) => simple_error_page(&e),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Answer one HTTP request from the in-memory site.
fn handle(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // drain headers
    let mut h = String::new();
    while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
        h.clear();
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET only",
            method == "HEAD",
        );
    }
    if path == "/__dossier/wait" {
        let seen: u64 = query
            .strip_prefix("v=")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let guard = shared.version.lock().expect("poisoned");
        let (guard, _) = shared
            .changed
            .wait_timeout_while(guard, Duration::from_secs(25), |v| *v == seen)
            .expect("poisoned");
        let v = guard.to_string();
        drop(guard);
        return respond(&mut stream, "200 OK", "text/plain", v.as_bytes(), false);
    }
    let mut rel = percent_decode(path).trim_start_matches('/').to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    let head = method == "HEAD";
    let version = shared.version();
    let error = shared.error_page.read().expect("poisoned").clone();
    if let (Some(page), true) = (error, rel.ends_with(".html")) {
        return respond(
            &mut stream,
            "500 Check Failed",
            "text/html; charset=utf-8",
            &inject(&page, version),
            head,
        );
    }
    let files = shared.files.read().expect("poisoned");
    let (status, rel) = match files.get(&rel) {
        Some(_) => ("200 OK", rel),
        None if files.contains_key(&format!("{rel}/index.html")) => {
            drop(files);
            let loc = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {path}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(loc.as_bytes());
            return;
        }
        None => ("404 Not Found", "404.html".to_string()),
    };
    let body = files
        .get(&rel)
        .cloned()
        .unwrap_or_else(|| Arc::from(&b"not found"[..]));
    drop(files);
    let body: Arc<[u8]> = if rel.ends_with(".html") {
        inject(&body, version).into()
    } else {
        body
    };
    respond(&mut stream, status, content_type(&rel), &body, head);
}

/// Add the live-reload script to an HTML page.
fn inject(html: &[u8], version: u64) -> Vec<u8> {
    let script = RELOAD_JS.replace("__V__", &version.to_string());
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{script}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{script}").into_bytes(),
    }
}

fn respond(stream: &mut TcpStream, status: &str, ctype: &str, body: &[u8], head_only: bool) {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(header.as_bytes());
    if !head_only {
        let _ = stream.write_all(body);
    }
}

/// Bind, build, then serve and watch until interrupted. `ready` receives the address
/// once the first build is served (for tests and `--open`).
pub fn serve(opts: ServeOptions, ready: Option<mpsc::Sender<SocketAddr>>) -> Result<(), String> {
    let root = std::fs::canonicalize(&opts.root)
        .map_err(|e| format!("cannot read site root `{}`: {e}", opts.root.display()))?;
    let listener = TcpListener::bind((opts.bind, opts.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", opts.bind, opts.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shared = Arc::new(Shared::default());
    let mut builder = Builder {
        root: root.clone(),
        today: opts.today,
        engine: None,
        checked: None,
        cache: AccountCache::new(),
        shared: shared.clone(),
    };
    let t = Instant::now();
    let msg = builder.full();
    eprintln!("{msg} in {:.2}s", t.elapsed().as_secs_f64());
    {
        let shared = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || handle(stream, &shared));
            }
        });
    }
    eprintln!(
        "serving {} at http://{addr}/ (Ctrl-C to stop)",
        root.display()
    );
    if opts.open {
        let url = format!("http://{addr}/");
        let _ = std::process::Command::new(if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        })
        .arg(&url)
        .spawn();
    }
    if let Some(r) = ready {
        let _ = r.send(addr);
    }
    let (tx, rx) = mpsc::channel();
    let handler = move |res: notify::Result<notify::Event>| {
        // Only content changes: our own reads (access events) and metadata touches
        // must not trigger a rebuild, or every build would trigger the next one.
        if let Ok(ev) = res {
            use notify::event::{EventKind, ModifyKind};
            let relevant = matches!(
                ev.kind,
                EventKind::Create(_)
                    | EventKind::Remove(_)
                    | EventKind::Modify(
                        ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                    )
                    | EventKind::Any
            );
            if relevant {
                let _ = tx.send(ev.paths);
            }
        }
    };
    let mut watcher: Box<dyn Watcher> = if opts.poll {
        let cfg = notify::Config::default().with_poll_interval(Duration::from_millis(500));
        Box::new(notify::PollWatcher::new(handler, cfg).map_err(|e| e.to_string())?)
    } else {
        match notify::recommended_watcher(handler) {
            Ok(w) => Box::new(w),
            Err(e) => {
                return Err(format!(
                    "cannot watch files ({e}); try `dossier serve --poll`"
                ))
            }
        }
    };
    for p in ["dossier.toml", "content", "themes"] {
        let path = root.join(p);
        if path.exists() {
            let mode = if path.is_dir() {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            watcher.watch(&path, mode).map_err(|e| {
                format!(
                    "cannot watch {}: {e} (too many files? try --poll)",
                    path.display()
                )
            })?;
        }
    }
    // Also watch the root itself (non-recursively) so a created dossier.toml is seen.
    let _ = watcher.watch(&root, RecursiveMode::NonRecursive);
    loop {
        let Ok(first) = rx.recv() else { return Ok(()) };
        // Debounce: editors save in bursts (write, rename, chmod): collect for a moment.
        let mut paths = first;
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(60)) {
            paths.extend(more);
        }
        paths.retain(|p| !is_noise(p) && !p.starts_with(root.join("public")));
        // the root watch reports everything under it too; keep only what we build from
        paths.retain(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            rel.starts_with("content")
                || rel.starts_with("themes")
                || rel == Path::new("dossier.toml")
        });
        paths.sort();
        paths.dedup();
        if paths.is_empty() {
            continue;
        }
        let t = Instant::now();
        if std::env::var_os("DOSSIER_DEBUG_WATCH").is_some() {
            eprintln!("changed: {paths:?}");
        }
        let msg = match affected(&root, &paths) {
            Some(slugs) if !slugs.is_empty() => builder.accounts(&slugs),
            _ => builder.full(),
        };
        eprintln!("{msg} in {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_noise_is_ignored_and_account_changes_are_scoped() {
        assert!(is_noise(Path::new("/r/content/accounts/a/.plan.md.swp")));
        assert!(is_noise(Path::new("/r/content/accounts/a/plan.md~")));
        assert!(is_noise(Path::new("/r/content/accounts/a/#plan.md#")));
        assert!(!is_noise(Path::new("/r/content/accounts/a/plan.md")));
        let root = Path::new("/r");
        assert_eq!(
            affected(root, &[PathBuf::from("/r/content/accounts/acme/plan.md")]),
            Some(vec!["acme".to_string()])
        );
        assert_eq!(affected(root, &[PathBuf::from("/r/dossier.toml")]), None);
    }
}
