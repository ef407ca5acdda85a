//! One walk of an account folder: every entry's kind, and for the check cache its size,
//! times and inode, taken with lstat so links are never followed.
//!
//! The loader reads an account from its listing and the cache compares the listing with
//! the one it stored, so a check that re-reads an account lists each folder once (it
//! used to list it a second time to read it) and needs no fstat per file: the size to
//! read is already known.
//!
//! When every file is going to be read anyway (a build, a check without a usable cache),
//! [`Listing::read_in`] lists and reads in one walk: each file the loader wants is opened
//! relative to its folder and stamped from the open file, instead of being looked up by
//! name twice (an `lstat`, then an `open` of the full path).

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
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
    /// A stamp from `lstat`/`fstat` fields (times as seconds and nanoseconds); a
    /// folder's size and times are not kept (its entries are listed anyway).
    #[cfg(unix)]
    fn of(
        path: String,
        kind: u8,
        size: u64,
        mtime: (i64, i64),
        ctime: (i64, i64),
        ino: u64,
    ) -> Stamp {
        let ns = |(s, n): (i64, i64)| s.saturating_mul(1_000_000_000).saturating_add(n);
        if kind == DIR {
            Stamp(path, kind, 0, 0, 0, ino)
        } else {
            Stamp(path, kind, size, ns(mtime), ns(ctime), ino)
        }
    }

    /// The last change, content or metadata, in ns since the epoch.
    pub fn changed_ns(&self) -> i64 {
        self.3.max(self.4)
    }
}

/// A folder held open (`content/accounts`) for [`Listing::read_in`] to open account
/// folders relative to: one path lookup each, not one per component of the full path.
pub struct Parent {
    path: std::path::PathBuf,
    #[cfg(unix)]
    fd: Option<std::os::fd::OwnedFd>,
}

impl Parent {
    /// `root/dir`; where it cannot be opened (or is a symlink), its folders are opened
    /// by their full path.
    pub fn open(root: &Path, dir: &str) -> Parent {
        let path = root.join(dir);
        #[cfg(unix)]
        let fd = rustix::fs::openat(rustix::fs::CWD, &path, cold::DIR_FLAGS, 0.into()).ok();
        Parent {
            path,
            #[cfg(unix)]
            fd,
        }
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
    /// What [`Listing::read_in`] read, by entry (same order as `entries`); empty otherwise.
    /// Taken once by the loader.
    bodies: RefCell<Vec<Option<Vec<u8>>>>,
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

    /// List folder `name` of `parent` (an account folder in `content/accounts`) like
    /// [`Listing::walk`], and read the files `wanted` names (paths relative to it) up to
    /// `max_bytes` each, for [`Listing::take_body`]. A file that cannot be read here is
    /// just listed: the loader reads it again and reports why.
    pub fn read_in(
        parent: &Parent,
        name: &str,
        wanted: fn(&str) -> bool,
        max_bytes: u64,
    ) -> Listing {
        #[cfg(unix)]
        let open = match &parent.fd {
            Some(fd) => rustix::fs::openat(fd, name, cold::DIR_FLAGS, 0.into()),
            None => rustix::fs::openat(
                rustix::fs::CWD,
                parent.path.join(name),
                cold::DIR_FLAGS,
                0.into(),
            ),
        };
        #[cfg(not(unix))]
        let open = (parent.path.as_path(), name);
        Listing::read_opened(open, wanted, max_bytes)
    }

    #[cfg(unix)]
    fn read_opened(
        open: rustix::io::Result<std::os::fd::OwnedFd>,
        wanted: fn(&str) -> bool,
        max_bytes: u64,
    ) -> Listing {
        let mut found = Vec::new();
        let mut l = Listing {
            exact: true,
            ..Listing::default()
        };
        let at = cold::Want { wanted, max_bytes };
        match open {
            Ok(fd) => l.read_dir(fd, "", &at, &mut found),
            Err(e) => l
                .errors
                .push((String::new(), std::io::Error::from(e).to_string())),
        }
        found.sort_by(|a: &(Stamp, _), b| a.0 .0.cmp(&b.0 .0));
        let (entries, bodies) = found.into_iter().unzip();
        (l.entries, l.bodies) = (entries, RefCell::new(bodies));
        l
    }

    #[cfg(not(unix))]
    fn read_opened((root, dir): (&Path, &str), _: fn(&str) -> bool, _: u64) -> Listing {
        Listing::walk(root, dir)
    }

    /// The contents [`Listing::read_in`] read of entry `path`, once.
    pub fn take_body(&self, path: &str) -> Option<Vec<u8>> {
        let i = self
            .entries
            .binary_search_by(|e| e.0.as_str().cmp(path))
            .ok()?;
        self.bodies.borrow_mut().get_mut(i)?.take()
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
            let path = child_path(rel, &name);
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

/// The cold walk: folders and files opened relative to their folder (rustix: `openat`,
/// `getdents`, `fstat` without `unsafe`).
#[cfg(unix)]
mod cold {
    use super::{child_path, kind_of_mode, Listing, Stamp, DIR, FILE};
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    use std::ffi::CStr;
    use std::os::fd::OwnedFd;

    pub const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);
    /// As `files::read_known`: never through a symlink, never waiting on a pipe.
    const FILE_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::NOFOLLOW)
        .union(OFlags::NONBLOCK)
        .union(OFlags::CLOEXEC);

    /// File `name` in `dir` opened and stamped by `fstat` on the open file (one path
    /// lookup); None where a step fails or it is not a regular file.
    fn open_stamped(dir: &OwnedFd, name: &CStr, path: &str) -> Option<(OwnedFd, Stamp)> {
        let fd = rustix::fs::openat(dir, name, FILE_FLAGS, Mode::empty()).ok()?;
        let stamp = stamp_of(path.to_string(), &rustix::fs::fstat(&fd).ok()?);
        (stamp.kind() == FILE).then_some((fd, stamp))
    }

    /// Each entry of the open folder `dir`: its name, type and inode. On Linux they are
    /// read into a buffer on the stack (rustix's `RawDir`): no allocation per entry or
    /// per folder, where `Dir` makes both (twenty thousand folders at 10,000 accounts).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn entries(
        dir: &OwnedFd,
        mut each: impl FnMut(&CStr, FileType, u64),
    ) -> rustix::io::Result<()> {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
        let mut raw = rustix::fs::RawDir::new(dir, &mut buf);
        while let Some(entry) = raw.next() {
            let e = entry?;
            each(e.file_name(), e.file_type(), e.ino());
        }
        Ok(())
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn entries(
        dir: &OwnedFd,
        mut each: impl FnMut(&CStr, FileType, u64),
    ) -> rustix::io::Result<()> {
        let mut d = rustix::fs::Dir::read_from(dir)?;
        while let Some(entry) = d.read() {
            let e = entry?;
            each(e.file_name(), e.file_type(), e.ino());
        }
        Ok(())
    }

    pub struct Want {
        pub wanted: fn(&str) -> bool,
        pub max_bytes: u64,
    }

    type Found = Vec<(Stamp, Option<Vec<u8>>)>;

    fn message(e: rustix::io::Errno) -> String {
        std::io::Error::from(e).to_string()
    }

    impl Listing {
        /// The entries of the open folder `fd` (`rel` from the account folder).
        pub(super) fn read_dir(&mut self, dir: OwnedFd, rel: &str, want: &Want, found: &mut Found) {
            let listed = entries(&dir, |raw, kind, ino| {
                // a name that is not UTF-8 is listed as the lstat walk lists it, never read
                let name = String::from_utf8_lossy(raw.to_bytes());
                if crate::load::ignored(&name) {
                    return;
                }
                let path = child_path(rel, &name);
                let file =
                    kind == FileType::RegularFile && raw.to_str().is_ok() && (want.wanted)(&path);
                if file && self.read_at(&dir, raw, &path, want, found) {
                    return;
                }
                let folder = kind == FileType::Directory;
                if folder && self.walk_at(&dir, raw, &path, ino, want, found) {
                    return;
                }
                if let Some(DIR) = self.stat_at(&dir, raw, path.clone(), found) {
                    match rustix::fs::openat(&dir, raw, DIR_FLAGS, Mode::empty()) {
                        Ok(sub) => self.read_dir(sub, &path, want, found),
                        Err(e) => self.errors.push((path, message(e))),
                    }
                }
            });
            if let Err(e) = listed {
                self.errors.push((rel.to_string(), message(e)));
            }
        }

        /// Stamp an entry from its `lstat`, as the lstat walk does; its kind.
        fn stat_at(
            &mut self,
            dir: &OwnedFd,
            name: &CStr,
            path: String,
            found: &mut Found,
        ) -> Option<u8> {
            match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => {
                    let stamp = stamp_of(path, &st);
                    let kind = stamp.kind();
                    found.push((stamp, None));
                    Some(kind)
                }
                Err(e) => {
                    self.errors.push((path, message(e)));
                    None
                }
            }
        }

        /// Open a folder and walk it; false (nothing recorded) where it cannot be opened
        /// as a folder. A folder's stamp is its kind and inode, and the inode is the
        /// entry's (`ino`): no `fstat`.
        fn walk_at(
            &mut self,
            dir: &OwnedFd,
            name: &CStr,
            path: &str,
            ino: u64,
            want: &Want,
            found: &mut Found,
        ) -> bool {
            let Ok(sub) = rustix::fs::openat(dir, name, DIR_FLAGS, Mode::empty()) else {
                return false;
            };
            found.push((
                Stamp::of(path.to_string(), DIR, 0, (0, 0), (0, 0), ino),
                None,
            ));
            self.read_dir(sub, path, want, found);
            true
        }

        /// Open, stamp and read a wanted regular file; false (nothing recorded) where
        /// any step fails or the file is not what the folder said.
        fn read_at(
            &mut self,
            dir: &OwnedFd,
            name: &CStr,
            path: &str,
            want: &Want,
            found: &mut Found,
        ) -> bool {
            let Some((fd, stamp)) = open_stamped(dir, name, path) else {
                return false;
            };
            let mut file = std::fs::File::from(fd);
            if stamp.size() > want.max_bytes {
                found.push((stamp, None)); // too large: the loader reports it
                return true;
            }
            match crate::load::files::read_size(&mut file, stamp.size()) {
                Ok(bytes) => {
                    found.push((stamp, Some(bytes)));
                    true
                }
                Err(_) => false, // the loader reads it again and reports why
            }
        }
    }

    /// [`super::stamp`] from a rustix `Stat` (field widths differ by platform).
    #[allow(clippy::unnecessary_cast)]
    fn stamp_of(path: String, st: &rustix::fs::Stat) -> Stamp {
        let kind = kind_of_mode(FileType::from_raw_mode(st.st_mode as _));
        let mtime = (st.st_mtime as i64, st.st_mtime_nsec as i64);
        let ctime = (st.st_ctime as i64, st.st_ctime_nsec as i64);
        Stamp::of(
            path,
            kind,
            st.st_size as u64,
            mtime,
            ctime,
            st.st_ino as u64,
        )
    }
}

#[cfg(unix)]
fn kind_of_mode(ft: rustix::fs::FileType) -> u8 {
    use rustix::fs::FileType;
    match ft {
        FileType::Symlink => LINK,
        FileType::Directory => DIR,
        FileType::RegularFile => FILE,
        _ => 3,
    }
}

#[cfg(unix)]
fn stamp(path: String, m: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let kind = kind_of(m.file_type());
    let (mtime, ctime) = ((m.mtime(), m.mtime_nsec()), (m.ctime(), m.ctime_nsec()));
    Stamp::of(path, kind, m.size(), mtime, ctime, m.ino())
}

/// `rel/name`, or `name` in the account folder itself.
fn child_path(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        [rel, "/", name].concat()
    }
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
    fn reading_lists_what_walking_lists_and_reads_only_what_is_wanted() {
        let tmp = tempfile::tempdir().unwrap();
        let acc = tmp.path().join("a");
        std::fs::create_dir_all(acc.join("reviews/deep")).unwrap();
        std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
        std::fs::write(tmp.path().join("outside/secret.md"), "secret").unwrap();
        for (f, text) in [
            ("account.toml", "name = 1"),
            ("plan.md", "# a plan that is too long to read"),
            (".hidden", "x"),
            ("notes.txt", "not wanted"),
            ("reviews/2026-01-01-a.md", "review"),
            ("reviews/deep/x.md", "deep"),
        ] {
            std::fs::write(acc.join(f), text).unwrap();
        }
        std::os::unix::fs::symlink(
            tmp.path().join("outside/secret.md"),
            acc.join("contacts.toml"),
        )
        .unwrap();
        let wanted = |p: &str| p != "notes.txt";
        let read = Listing::read_in(&Parent::open(tmp.path(), ""), "a", wanted, 10);
        let walked = Listing::walk(tmp.path(), "a");
        assert_eq!(
            read.stamps(),
            walked.stamps(),
            "the same entries and stamps"
        );
        assert_eq!(
            read.take_body("account.toml").as_deref(),
            Some(&b"name = 1"[..])
        );
        assert_eq!(read.take_body("account.toml"), None, "taken once");
        assert_eq!(
            read.take_body("reviews/2026-01-01-a.md").as_deref(),
            Some(&b"review"[..])
        );
        assert_eq!(
            read.take_body("reviews/deep/x.md").as_deref(),
            Some(&b"deep"[..])
        );
        assert_eq!(
            read.take_body("plan.md"),
            None,
            "over the size limit: left to the loader"
        );
        assert_eq!(read.take_body("notes.txt"), None, "not wanted");
        assert_eq!(
            read.take_body("contacts.toml"),
            None,
            "a link is never followed"
        );
        let kinds: Vec<(&str, u8)> = read.children("").map(|(n, e)| (n, e.kind())).collect();
        assert!(kinds.contains(&("contacts.toml", LINK)));
        let missing = Listing::read_in(&Parent::open(tmp.path(), ""), "gone", wanted, 10);
        assert!(missing.stamps().is_none());
        assert_eq!(missing.errors_in("").count(), 1);
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
