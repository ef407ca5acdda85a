//! Stage 5, write: build into a temporary folder beside the output and swap it in,
//! so a failed or interrupted build never destroys the last good site. Nothing
//! outside the output folder is written or deleted.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker file that says "dossier made this folder; it may replace it".
pub const MARKER: &str = ".dossier-output";

/// Where rendered files go: a folder on disk, or memory for `serve`.
pub trait Output: Sync {
    /// Write one file; `path` is relative to the site root with `/` separators.
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()>;
}

/// Refuse output folders that a build must never replace.
pub fn validate_output(root: &Path, out: &Path, force: bool) -> Result<(), String> {
    let root = fs::canonicalize(root).map_err(|e| format!("cannot resolve the site root: {e}"))?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let parent = fs::canonicalize(parent)
        .map_err(|e| format!("cannot use output folder `{}`: {e}", out.display()))?;
    let name = out
        .file_name()
        .ok_or_else(|| format!("output folder `{}` has no name", out.display()))?;
    let abs = parent.join(name);
    if abs == root || root.starts_with(&abs) {
        return Err(format!(
            "refusing to build into `{}`: it is the site root or contains it",
            out.display()
        ));
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        if fs::canonicalize(&home).is_ok_and(|h| h == abs) {
            return Err(format!(
                "refusing to build into your home folder `{}`",
                out.display()
            ));
        }
    }
    if abs.parent().is_none() {
        return Err("refusing to build into the file system root".into());
    }
    match fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "refusing to build into `{}`: it is a symbolic link",
            out.display()
        )),
        Ok(m) if !m.is_dir() => Err(format!(
            "output `{}` exists and is not a folder",
            out.display()
        )),
        Ok(_) => {
            let empty = fs::read_dir(&abs)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if empty || abs.join(MARKER).is_file() || force {
                Ok(())
            } else {
                Err(format!(
                    "refusing to replace `{}`: it is not empty and was not made by dossier (no {MARKER} file); use --force to replace it",
                    out.display()
                ))
            }
        }
        Err(_) => Ok(()),
    }
}

/// A build in progress: files go to a hidden temp folder next to the output.
pub struct Staging {
    out: PathBuf,
    tmp: PathBuf,
    /// Folders already created (relative): most files go into an existing folder,
    /// and `create_dir_all` would ask the file system again for each (a `mkdir`
    /// that fails, then a `stat`).
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.dossier-{tag}-{}", std::process::id()))
}

/// Leftovers of interrupted builds (`.<name>.dossier-<tag>-<pid>`) are removed, but
/// never those of a build that is still running (its process exists), and a previous
/// site moved aside by a build killed mid-swap is put back first.
fn clean_leftovers(out: &Path) {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{name}.dossier-");
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<(String, PathBuf)> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| n.starts_with(&prefix))
        .collect();
    entries.sort();
    for (n, path) in entries {
        let rest = &n[prefix.len()..];
        let (tag, pid) = rest.split_once('-').unwrap_or((rest, ""));
        if pid
            .parse::<u32>()
            .is_ok_and(|p| p != std::process::id() && process_alive(p))
        {
            continue; // another build is using it
        }
        if tag == "old" && !out.exists() {
            // killed between the two renames of a swap: this is the last good site
            if fs::rename(&path, out).is_ok() {
                continue;
            }
        }
        let _ = fs::remove_dir_all(path);
    }
}

/// Whether a process exists (Linux: /proc; elsewhere assume it does not, so a
/// leftover is cleaned, the safe default for single builds).
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

impl Staging {
    pub fn new(out: &Path) -> io::Result<Staging> {
        clean_leftovers(out);
        let tmp = sibling(out, "tmp");
        fs::create_dir_all(&tmp)?;
        fs::write(
            tmp.join(MARKER),
            "This folder was built by dossier and is replaced on every build.\n",
        )?;
        Ok(Staging {
            out: out.to_path_buf(),
            tmp,
            made: Default::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Swap the finished build in: old output → aside, new → in place, old removed.
    pub fn commit(self) -> io::Result<()> {
        let old = sibling(&self.out, "old");
        let had_old = self.out.exists();
        if had_old {
            fs::rename(&self.out, &old)?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.out) {
            if had_old {
                let _ = fs::rename(&old, &self.out);
            }
            return Err(e);
        }
        if had_old {
            remove_tree(&old);
        }
        std::mem::forget(self);
        Ok(())
    }
}

/// Remove a previous site, its second-level entries (`accounts/<slug>`, …) in
/// parallel: a single-threaded removal of a 10,000-account site took almost as long as
/// building it on ext4. Symbolic links are removed, never followed (`DirEntry`'s file
/// type does not follow them, and `remove_dir_all` does not either).
fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    let entries = |d: &Path| -> Vec<(PathBuf, bool)> {
        fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let second: Vec<(PathBuf, bool)> = entries(dir)
        .into_iter()
        .filter(|(_, is_dir)| *is_dir)
        .flat_map(|(d, _)| entries(&d))
        .collect();
    second.par_iter().for_each(|(path, is_dir)| {
        let _ = if *is_dir {
            fs::remove_dir_all(path)
        } else {
            fs::remove_file(path)
        };
    });
    let _ = fs::remove_dir_all(dir);
}

impl Drop for Staging {
    /// An abandoned build (error) removes its temp folder; the old output is untouched.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

impl Output for Staging {
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let rel = safe_relative(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsafe output path `{path}`"),
            )
        })?;
        let full = self.tmp.join(&rel);
        let parent = rel.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(p) = parent {
            if !self.made.lock().expect("poisoned").contains(p) {
                fs::create_dir_all(self.tmp.join(p))?;
                self.made.lock().expect("poisoned").insert(p.to_path_buf());
            }
        }
        match fs::write(&full, bytes) {
            // a folder we made was removed meanwhile: make it again
            Err(e) if e.kind() == io::ErrorKind::NotFound && parent.is_some() => {
                fs::create_dir_all(full.parent().expect("has a parent"))?;
                fs::write(full, bytes)
            }
            r => r,
        }
    }
}

/// `a/b/c.html` → a relative path with no `..`, no root, no empty segments.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        out.push(seg);
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Files in memory (for `serve` and tests).
#[derive(Default)]
pub struct MemOutput {
    /// Shared bytes: `serve` copies the whole map per rebuild, so clones must be cheap.
    pub files: std::sync::Mutex<std::collections::BTreeMap<String, std::sync::Arc<[u8]>>>,
}

impl Output for MemOutput {
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        safe_relative(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsafe output path `{path}`"),
            )
        })?;
        self.files
            .lock()
            .expect("poisoned")
            .insert(path.to_string(), std::sync::Arc::from(bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a//b").is_none());
        assert_eq!(safe_relative("a/b.html"), Some(PathBuf::from("a/b.html")));
    }
}
