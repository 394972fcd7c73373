//! Writing files safely: the model files and label files the tool writes
//! never replace what is not a regular file, and never half-exist.
//!
//! An atomic write (a temporary file in the same directory, synced, then
//! renamed over the path) leaves any previous file intact if it fails; but
//! renaming over a symlink replaces the link, and over a device node or a
//! FIFO (`--out /dev/null` as root) replaces the node with a regular file.
//! So every output path is first resolved: a symlink (or a chain of them)
//! to its final target, which is written in its own directory; anything
//! that exists and is not a regular file is refused with a clear error,
//! before any work is done.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Symlinks followed before giving up (a loop).
const MAX_LINKS: usize = 40;

/// The path a write to `path` must go to: `path` itself, or the final
/// target of the symlinks it is; an error when that exists and is not a
/// regular file (a directory, a device, a FIFO, a socket).
pub fn output_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(Error::io(&current, e)),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let link = std::fs::read_link(&current).map_err(|e| Error::io(&current, e))?;
            current = match (link.is_absolute(), current.parent()) {
                (false, Some(dir)) => dir.join(link),
                _ => link,
            };
            continue;
        }
        if kind.is_file() {
            return Ok(current);
        }
        let what = if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        let shown = match current == path {
            true => String::new(),
            false => format!(" (the target of {})", path.display()),
        };
        return Err(Error::output_path(
            &current,
            format!("is {what}{shown}: refusing to write over it; name a regular file"),
        ));
    }
    Err(Error::output_path(path, "too many levels of symbolic links"))
}

/// Writes `bytes` to `path` atomically (see the module documentation):
/// through symlinks to their target, refusing what is not a regular file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = output_target(path)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .ok_or_else(|| Error::output_path(path, "the output path has no file name"))?;
    let tmp = dir.join(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_are_written_through_and_special_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("made.json", &dangling).unwrap();
        write_atomically(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("made.json")).unwrap(), "x");

        let e = output_target(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = output_target(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(e.contains("/dev/null") && e.contains("not a regular file"), "{e}");
        let to_dev = dir.path().join("to-dev");
        std::os::unix::fs::symlink("/dev/null", &to_dev).unwrap();
        let e = write_atomically(&to_dev, b"x").unwrap_err().to_string();
        assert!(e.contains("the target of"), "{e}");
        assert!(
            std::fs::symlink_metadata("/dev/null").unwrap().file_type().is_symlink()
                || !std::fs::metadata("/dev/null").unwrap().is_file()
        );

        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", &b).unwrap();
        assert!(output_target(&a).unwrap_err().to_string().contains("symbolic links"));
    }
}
