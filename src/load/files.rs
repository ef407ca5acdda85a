//! Reading files safely: never through a symlink, within the size limit, UTF-8 checked,
//! byte-order mark dropped. Every failure becomes a finding, never a panic.

use crate::config::Limits;
use crate::diag::Diagnostic;
use crate::rules;
use crate::source::SourceFile;
use std::path::Path;

/// Read `root/rel` as text. On failure the finding says why; for invalid UTF-8 the
/// (lossily decoded) source is still returned so the finding can quote the line.
pub fn read_text(
    root: &Path,
    rel: &str,
    limits: &Limits,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    match std::fs::symlink_metadata(root.join(rel)) {
        Ok(m) if m.file_type().is_symlink() => (None, Some(symlink(rel))),
        Ok(m) if !m.is_file() && !m.is_dir() => (
            None,
            Some(Diagnostic::new(
                &rules::UNREADABLE,
                rel,
                None,
                format!("`{rel}` is not a regular file and is skipped"),
            )),
        ),
        Ok(_) => read_listed(root, rel, limits),
        Err(e) => (None, Some(unreadable(rel, &e))),
    }
}

/// The finding for a file the operating system would not let us read.
fn unreadable(rel: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        &rules::UNREADABLE,
        rel,
        None,
        format!("cannot read `{rel}`: {e}"),
    )
}

/// Read a file the directory listing already showed is not a symlink: one open, one
/// fstat, one read (no second path lookup — this runs for every file of the site).
pub fn read_listed(
    root: &Path,
    rel: &str,
    limits: &Limits,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    let unreadable = |e: std::io::Error| (None, Some(unreadable(rel, &e)));
    let file = match std::fs::File::open(root.join(rel)) {
        Ok(f) => f,
        Err(e) => return unreadable(e),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return unreadable(e),
    };
    if meta.is_dir() {
        let d = Diagnostic::new(
            &rules::UNREADABLE,
            rel,
            None,
            format!("`{rel}` is a folder, but a file is expected here"),
        );
        return (None, Some(d));
    }
    if meta.len() > limits.max_file_bytes {
        return (None, Some(too_large(rel, meta.len(), limits)));
    }
    read_open(rel, file, meta.len())
}

/// Read a file a [`super::listing::Listing`] showed is a regular file of `size` bytes:
/// one open and one read, no fstat (this runs for every file of every account). The
/// open refuses a symlink put in its place since the listing, and does not wait on a
/// pipe.
pub fn read_known(
    root: &Path,
    rel: &str,
    size: u64,
    limits: &Limits,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    if size > limits.max_file_bytes {
        return (None, Some(too_large(rel, size, limits)));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut opts, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    match opts.open(root.join(rel)) {
        Ok(file) => read_open(rel, file, size),
        Err(e) => (None, Some(unreadable(rel, &e))),
    }
}

fn too_large(rel: &str, size: u64, limits: &Limits) -> Diagnostic {
    Diagnostic::new(
        &rules::TOO_LARGE,
        rel,
        None,
        format!(
            "`{rel}` is {size} bytes, over the limit of {} bytes",
            limits.max_file_bytes
        ),
    )
}

/// Read the `size` bytes the listing or fstat reported, and stop there: one read call
/// instead of a second one to see end-of-file. A file growing while we read is read as
/// it was; memory is bounded by the size limit checked before.
fn read_open(
    rel: &str,
    mut file: std::fs::File,
    size: u64,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    match read_size(&mut file, size) {
        Ok(bytes) => decode(rel, bytes),
        Err(e) => (None, Some(unreadable(rel, &e))),
    }
}

/// Up to `size` bytes of `file` (what the listing or fstat said; a file growing
/// meanwhile is read as it was). Read into spare capacity: no zeroing first, and no
/// extra read to find the end (`take` stops at `size` without asking the file).
pub(crate) fn read_size(file: &mut std::fs::File, size: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(size).read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn symlink(rel: &str) -> Diagnostic {
    Diagnostic::new(
        &rules::SYMLINK,
        rel,
        None,
        format!("`{rel}` is a symbolic link; it was skipped"),
    )
}

/// Decode bytes as UTF-8 without a byte-order mark.
pub fn decode(rel: &str, mut bytes: Vec<u8>) -> (Option<SourceFile>, Option<Diagnostic>) {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // simdutf8 validates at several GB/s; std's from_utf8 was 4% of a cold check's
    // instructions (its fast path is ASCII-only, and names and notes are not)
    match simdutf8::compat::from_utf8(&bytes) {
        Ok(_) => {
            // SAFETY: simdutf8 has just validated exactly these bytes as UTF-8.
            let text = unsafe { String::from_utf8_unchecked(bytes) };
            (Some(SourceFile::new(rel, text)), None)
        }
        Err(e) => {
            let at = e.valid_up_to();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let d = Diagnostic::new(
                &rules::INVALID_UTF8,
                rel,
                Some(at..at + 1),
                format!("`{rel}` is not valid UTF-8 (first bad byte here)"),
            )
            .help("re-save the file as UTF-8; it may have been saved as GBK or Latin-1");
            // Keep the lossy text so the finding can be placed and quoted, but the
            // caller must not use it as content.
            (Some(SourceFile::new(rel, text)), Some(d))
        }
    }
}

/// Deepest nesting of `[`/`{` outside strings and comments: the TOML parser recurses,
/// so pathological nesting is refused before parsing.
/// Returns the deepest level and the offset of the first bracket beyond `limit`.
pub fn toml_nesting(text: &str, limit: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let (mut depth, mut max, mut i, mut at) = (0usize, 0usize, 0usize, 0usize);
    // Dotted keys (`a.b.c = 1`, `[a.b.c]`) nest one table per dot: count the dots of
    // the key part of each line (before its `=`), linearly.
    let (mut line_start, mut in_value, mut dots) = (0usize, false, 0usize);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line_start = i + 1;
                in_value = false;
                dots = 0;
            }
            b'=' => in_value = true,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                line_start = i + 1;
                in_value = false;
                dots = 0;
            }
            q @ (b'"' | b'\'') => {
                let triple = b.len() >= i + 3 && b[i + 1] == q && b[i + 2] == q;
                i += if triple { 3 } else { 1 };
                while i < b.len() {
                    if q == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q
                        && (!triple || (b.len() >= i + 3 && b[i + 1] == q && b[i + 2] == q))
                    {
                        i += if triple { 2 } else { 0 };
                        break;
                    }
                    if !triple && b[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            // keys only: not values, not items of a multi-line array
            b'.' if !in_value && (depth == 0 || b.get(line_start) == Some(&b'[')) => {
                dots += 1;
                if depth + dots + 1 > max {
                    max = depth + dots + 1;
                    if max > limit && at == 0 {
                        at = line_start;
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    if depth == limit + 1 {
                        at = i;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (max, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_count_as_nesting() {
        let text = format!("x = 1\n{} = 1\n", vec!["a"; 40].join("."));
        let (depth, at) = toml_nesting(&text, 16);
        assert!(depth > 16);
        assert_eq!(at, 6, "reported at the start of the key's line");
        assert_eq!(toml_nesting("a.b = \"x.y.z\"\n", 16).0, 2);
        let floats = format!("w = [\n{}\n]\n", vec!["1.5"; 40].join(", "));
        assert!(
            toml_nesting(&floats, 16).0 <= 2,
            "numbers in a multi-line array are not keys"
        );
    }

    #[test]
    fn nesting_ignores_strings_and_comments() {
        assert_eq!(
            toml_nesting("a = \"[[[[\" # {{{{\n[[x]]\nb = [[1], [2]]", 8).0,
            2
        );
        assert_eq!(
            toml_nesting(&format!("a = {}", "[".repeat(500)), 8),
            (500, 12)
        );
    }

    #[test]
    fn invalid_utf8_is_placed_at_the_first_bad_byte() {
        let (src, d) = decode("plan.md", b"ok\nab\xff".to_vec());
        let (src, d) = (src.unwrap(), d.unwrap());
        assert_eq!(d.rule.code, "file.invalid-utf8");
        assert_eq!(src.line_col(d.span.unwrap().start), (2, 3));
    }
}
