//! End-to-end in headless Chromium (Debian's `chromium`, installed by .ci/run): the built
//! demo's search page answers Chinese and English queries with the expected top result.
//! Skipped with a note when chromium is not installed.

mod common;
use common::*;
use dossier::links::percent_decode;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A minimal static file server on 127.0.0.1 for the test (GET only, inside `root`).
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .split('?')
                    .next()
                    .unwrap()
                    .to_string();
                let path = percent_decode(&path);
                let mut file = root.join(path.trim_start_matches('/'));
                if path.ends_with('/') {
                    file = file.join("index.html");
                }
                let ok = !path.contains("..") && file.is_file();
                let body = if ok {
                    std::fs::read(&file).unwrap()
                } else {
                    b"not found".to_vec()
                };
                let ctype = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript",
                    Some("css") => "text/css",
                    Some("json") => "application/json",
                    _ => "application/octet-stream",
                };
                let status = if ok { "200 OK" } else { "404 Not Found" };
                let mut s = &stream;
                let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = s.write_all(&body);
            });
        }
    });
    port
}

fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn result_urls(dom: &str) -> Vec<String> {
    let list = dom.split("id=\"search-results\"").nth(1).unwrap_or("");
    list.split("data-url=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn search_finds_chinese_and_english_in_a_real_browser() {
    if Command::new("chromium").arg("--version").output().is_err() {
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let st = Command::new(bin())
        .args([
            "build",
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "--output",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let port = serve(out.clone());
    let cases = [
        ("%E7%B2%BE%E5%AF%86", "accounts/huadong-precision/"), // 精密 → 华东精密机械
        ("%E9%A3%8E%E7%94%B5", "accounts/jiangsu-haifeng-wind/"), // 风电
        ("nordwerk", "accounts/nordwerk-automotive/"),
    ];
    for (q, want) in cases {
        let dom = dump_dom(&format!("http://127.0.0.1:{port}/search/?q={q}"));
        let urls = result_urls(&dom);
        assert_eq!(
            urls.first().map(String::as_str),
            Some(want),
            "query {q}: results {urls:?}"
        );
        assert!(
            dom.contains("data-search-state=\"done\""),
            "query {q}: search did not finish"
        );
    }
    // English prefix matching: `renew` finds pages that say `renewal`
    let dom = dump_dom(&format!("http://127.0.0.1:{port}/search/?q=renew"));
    assert!(!result_urls(&dom).is_empty(), "`renew` finds renewal text");
    assert!(Path::new(&out).join("search/manifest.json").is_file());
}
