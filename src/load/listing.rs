//! One walk of an account folder: every entry's kind, and for the check cache its size,
//! times and inode, taken with lstat so links are never followed.
//!
//! The loader reads an account from its listing and the cache compares the listing with
//! the one it stored, so a check that re-reads an account lists each folder once (it
//! used to list it a second time to read it) and needs no fstat per file: the size to
//! read is already known.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// One entry under an account folder: path relative to the folder (`/`-separated), kind
/// (0 file, 1 folder, 2 symlink, 3 other), size, mtime and ctime in ns (0 for folders:
/// their entries are listed anyway), inode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp(pub String, pub u8, pub u64, pub i64, pub i64, pub u64);

pub const FILE: u8 = 0;
pub const DIR: u8 = 1;
pub const LINK: u8 = 2;

impl Stamp {
    pub fn path(&self) -> &str {
        &self.0
    }
    pub fn kind(&self) -> u8 {
        self.1
    }
    pub fn size(&self) -> u64 {
        self.2
    }
    /// The last change, content or metadata, in ns since the epoch.
    pub fn changed_ns(&self) -> i64 {
        self.3.max(self.4)
    }
}

/// Every entry under an account folder (hidden and editor files left out), sorted by
/// path, with the folders or entries that could not be listed or inspected.
#[derive(Debug, Default)]
pub struct Listing {
    entries: Vec<Stamp>,
    /// (path relative to the account folder, "" for the folder itself; why)
    errors: Vec<(String, String)>,
    /// False where the platform has no inode numbers and change times.
    exact: bool,
}

impl Listing {
    /// List `root/dir` (e.g. `content/accounts/acme`) and everything below it.
    pub fn walk(root: &Path, dir: &str) -> Listing {
        let mut l = Listing {
            exact: cfg!(unix),
            ..Listing::default()
        };
        l.walk_dir(&root.join(dir), "");
        l.entries.sort_by(|a, b| a.0.cmp(&b.0));
        l
    }

    /// The entries as the cache stores them; None if any part could not be listed or
    /// the platform cannot tell a changed file (the account is then always re-read).
    pub fn stamps(&self) -> Option<&[Stamp]> {
        self.stampable().then_some(&self.entries)
    }

    pub fn into_stamps(self) -> Option<Vec<Stamp>> {
        self.stampable().then_some(self.entries)
    }

    fn stampable(&self) -> bool {
        self.errors.is_empty() && self.exact
    }

    /// The entries directly in folder `rel` ("" for the account folder), by name.
    pub fn children<'a>(&'a self, rel: &'a str) -> impl Iterator<Item = (&'a str, &'a Stamp)> {
        self.entries.iter().filter_map(move |e| {
            let name = if rel.is_empty() {
                e.path()
            } else {
                e.path().strip_prefix(rel)?.strip_prefix('/')?
            };
            (!name.contains('/')).then_some((name, e))
        })
    }

    /// Why folder `rel` or one of its direct entries could not be listed or inspected:
    /// (path relative to the account folder, message).
    pub fn errors_in<'a>(&'a self, rel: &'a str) -> impl Iterator<Item = &'a (String, String)> {
        self.errors.iter().filter(move |(p, _)| {
            p == rel
                || match p.rsplit_once('/') {
                    Some((parent, _)) => parent == rel,
                    None => rel.is_empty() && !p.is_empty(),
                }
        })
    }

    fn walk_dir(&mut self, dir: &Path, rel: &str) {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => return self.errors.push((rel.to_string(), e.to_string())),
        };
        for e in rd {
            let e = match e {
                Ok(e) => e,
                Err(err) => return self.errors.push((rel.to_string(), err.to_string())),
            };
            let name = e.file_name().to_string_lossy().into_owned();
            if super::ignored(&name) {
                continue;
            }
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            // DirEntry::metadata does not follow symlinks (lstat relative to the folder)
            let m = match e.metadata() {
                Ok(m) => m,
                Err(err) => {
                    self.errors.push((path, err.to_string()));
                    continue;
                }
            };
            let stamp = stamp(path, &m);
            let sub = (stamp.kind() == DIR).then(|| (e.path(), stamp.path().to_string()));
            self.entries.push(stamp);
            if let Some((full, path)) = sub {
                self.walk_dir(&full, &path);
            }
        }
    }
}

#[cfg(unix)]
fn stamp(path: String, m: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let kind = kind_of(m.file_type());
    let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
    let (size, mtime, ctime) = if kind == DIR {
        (0, 0, 0)
    } else {
        (
            m.size(),
            ns(m.mtime(), m.mtime_nsec()),
            ns(m.ctime(), m.ctime_nsec()),
        )
    };
    Stamp(path, kind, size, mtime, ctime, m.ino())
}

#[cfg(not(unix))]
fn stamp(path: String, m: &std::fs::Metadata) -> Stamp {
    let kind = kind_of(m.file_type());
    Stamp(path, kind, if kind == DIR { 0 } else { m.len() }, 0, 0, 0)
}

/// The stamp kind of a file type (lstat: a symlink is a link).
pub fn kind_of(ft: std::fs::FileType) -> u8 {
    if ft.is_symlink() {
        LINK
    } else if ft.is_dir() {
        DIR
    } else if ft.is_file() {
        FILE
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_direct_entries_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = tmp.path().join("a");
        std::fs::create_dir_all(acc.join("reviews/deep")).unwrap();
        std::fs::create_dir_all(acc.join("reviews-old")).unwrap();
        for f in [
            "account.toml",
            "plan.md",
            ".hidden",
            "reviews/2026-01-02-b.md",
            "reviews/2026-01-01-a.md",
            "reviews/deep/x.md",
            "reviews.txt",
        ] {
            std::fs::write(acc.join(f), "x").unwrap();
        }
        let l = Listing::walk(tmp.path(), "a");
        let top: Vec<&str> = l.children("").map(|(n, _)| n).collect();
        assert_eq!(
            top,
            [
                "account.toml",
                "plan.md",
                "reviews",
                "reviews-old",
                "reviews.txt"
            ]
        );
        let rev: Vec<&str> = l.children("reviews").map(|(n, _)| n).collect();
        assert_eq!(rev, ["2026-01-01-a.md", "2026-01-02-b.md", "deep"]);
        assert_eq!(l.children("reviews/deep").count(), 1);
        assert!(l.stamps().is_some_and(|s| s.len() == 9));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_listed_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a")).unwrap();
        std::fs::create_dir_all(tmp.path().join("outside/secret")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("outside"), tmp.path().join("a/reviews"))
            .unwrap();
        let l = Listing::walk(tmp.path(), "a");
        let all: Vec<(&str, u8)> = l.children("").map(|(n, e)| (n, e.kind())).collect();
        assert_eq!(all, [("reviews", LINK)]);
        assert_eq!(l.children("reviews").count(), 0, "the link was not walked");
        let missing = Listing::walk(tmp.path(), "gone");
        assert!(missing.stamps().is_none());
        assert_eq!(missing.errors_in("").count(), 1);
    }
}
