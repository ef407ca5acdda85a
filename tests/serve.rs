//! `dossier serve` as an author uses it: the page answers, an edit shows up within a
//! second, a broken edit shows the findings page, and fixing it restores the page.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

/// Poll until `pred` holds for the page (or fail after `limit`); returns the time taken.
fn wait_for(
    addr: SocketAddr,
    path: &str,
    limit: Duration,
    pred: impl Fn(u16, &str) -> bool,
) -> Duration {
    let t = Instant::now();
    loop {
        let (code, body) = get(addr, path);
        if pred(code, &body) {
            return t.elapsed();
        }
        assert!(
            t.elapsed() < limit,
            "timed out waiting on {path}: last {code}\n{}",
            &body[..body.len().min(600)]
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn edit_reload_break_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    write_site(dir.path(), &base_files());
    let (tx, rx) = std::sync::mpsc::channel();
    let root = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let opts = dossier::serve::ServeOptions {
            root,
            port: 0,
            ..Default::default()
        };
        dossier::serve::serve(opts, Some(tx)).unwrap();
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server ready");
    assert!(addr.ip().is_loopback(), "binds loopback by default");
    let (code, page) = get(addr, "/accounts/acme-steel/");
    assert_eq!(code, 200);
    assert!(
        page.contains("Acme Steel Co.") && page.contains("/__dossier/wait"),
        "page with live reload"
    );
    assert_eq!(
        get(addr, "/../../etc/passwd").0,
        404,
        "only files of the built site"
    );

    // an edit shows up within a second (atomic save: write a temp file, rename over)
    let acct = dir.path().join("content/accounts/acme-steel/account.toml");
    let text = std::fs::read_to_string(&acct).unwrap();
    let tmp = acct.with_file_name(".account.toml.swp");
    std::fs::write(
        &tmp,
        text.replace("Acme Steel Co.\"", "Acme Steel Renamed\""),
    )
    .unwrap();
    std::fs::rename(&tmp, &acct).unwrap();
    let took = wait_for(
        addr,
        "/accounts/acme-steel/",
        Duration::from_secs(5),
        |c, b| c == 200 && b.contains("Acme Steel Renamed"),
    );
    assert!(took < Duration::from_secs(1), "edit took {took:?} to show");
    eprintln!("edit → served page: {took:?}");

    // a broken edit shows the findings page with file:line:col
    std::fs::write(&acct, text.replace("limit = 5000000", "limit = \"lots\"")).unwrap();
    wait_for(
        addr,
        "/accounts/acme-steel/",
        Duration::from_secs(5),
        |_, b| b.contains("schema.type") && b.contains("account.toml:"),
    );
    // the fix restores the page
    std::fs::write(&acct, &text).unwrap();
    wait_for(
        addr,
        "/accounts/acme-steel/",
        Duration::from_secs(5),
        |c, b| c == 200 && b.contains("Acme Steel Co."),
    );
    // nothing was written into the content folder
    let stray: Vec<_> = walkdir::WalkDir::new(dir.path().join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("dossier"))
        .collect();
    assert!(stray.is_empty());
    assert!(
        !dir.path().join("public").exists(),
        "serve never writes the site to disk"
    );
}
