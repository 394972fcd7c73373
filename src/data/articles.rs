//! Articles to classify: text files, directories of them, standard input,
//! or JSON Lines with one article per line.
//!
//! Articles are produced one at a time, so a multi-gigabyte JSONL file is
//! streamed, never loaded whole. A bad source (a missing file, invalid UTF-8,
//! a malformed JSONL line) yields an error for that article naming the file
//! and line or byte offset, and reading goes on with the next one.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result, json_line_error};

/// An article: an id, its text, and any other fields of its JSONL line.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub text: String,
    pub meta: Map<String, Value>,
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// A whole file (or stdin) is one article.
    Text,
    /// One JSON object per line, `{"id": ..., "text": ...}`.
    Jsonl,
}

/// Where articles come from: paths in order, `-` for standard input.
pub struct ArticleReader {
    format: InputFormat,
    lossy: bool,
    by_extension: bool,
    pending: std::vec::IntoIter<PathBuf>,
    current: Option<(PathBuf, Box<dyn BufRead + Send>, u64)>,
}

impl ArticleReader {
    /// Reads `paths` (files, directories whose `.txt` files are read in
    /// sorted order, or `-`); no paths means standard input. With `lossy`,
    /// invalid UTF-8 is replaced instead of being an error.
    pub fn new(paths: &[PathBuf], format: InputFormat, lossy: bool) -> ArticleReader {
        let paths = if paths.is_empty() {
            vec![PathBuf::from("-")]
        } else {
            paths.to_vec()
        };
        ArticleReader {
            format,
            lossy,
            by_extension: false,
            pending: paths.into_iter(),
            current: None,
        }
    }

    /// Reads files named `*.jsonl` or `*.ndjson` as JSONL whatever the
    /// format (for when the user did not choose one).
    pub fn jsonl_by_extension(mut self) -> Self {
        self.by_extension = true;
        self
    }

    fn decode(&self, path: &Path, bytes: Vec<u8>, line: Option<u64>) -> Result<String> {
        match String::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) if self.lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let message = format!("invalid UTF-8 at byte {offset} (use --lossy to replace it)");
                Err(match line {
                    Some(line) => Error::Data {
                        path: path.to_path_buf(),
                        line,
                        message: format!("invalid UTF-8 at byte {offset} of the line (use --lossy to replace it)"),
                    },
                    None => Error::DataFile {
                        path: path.to_path_buf(),
                        message,
                    },
                })
            }
        }
    }

    fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
        if path.as_os_str() == "-" {
            Ok(Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())))
        } else {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
        }
    }

    /// Expands a directory into its `.txt` files, sorted.
    fn expand(path: &Path) -> Result<Vec<PathBuf>> {
        Ok(expand_inputs(&[path.to_path_buf()], false)?.paths)
    }

    fn next_jsonl(&mut self) -> Option<Result<Article>> {
        let (path, reader, line_no) = self.current.as_mut()?;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => {
                    self.current = None;
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    let err = Error::io(path.clone(), e);
                    self.current = None;
                    return Some(Err(err));
                }
            }
            *line_no += 1;
            if !buf.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        let (path, line) = (path.clone(), *line_no);
        Some(
            self.decode(&path, buf, Some(line))
                .and_then(|s| parse_article_line(&path, line, &s)),
        )
    }

    fn next_source(&mut self) -> Option<Result<Article>> {
        let path = self.pending.next()?;
        if path.as_os_str() != "-" && path.is_dir() {
            return match Self::expand(&path) {
                Ok(files) => {
                    let rest: Vec<PathBuf> = files.into_iter().chain(self.pending.by_ref()).collect();
                    self.pending = rest.into_iter();
                    self.next()
                }
                Err(e) => Some(Err(e)),
            };
        }
        let mut reader = match Self::open(&path) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let format = match self.by_extension && is_jsonl_name(&path) {
            true => InputFormat::Jsonl,
            false => self.format,
        };
        match format {
            InputFormat::Jsonl => {
                self.current = Some((path, reader, 0));
                self.next()
            }
            InputFormat::Text => {
                let mut bytes = Vec::new();
                if let Err(e) = reader.read_to_end(&mut bytes) {
                    return Some(Err(Error::io(path, e)));
                }
                let id = path.display().to_string();
                Some(self.decode(&path, bytes, None).map(|text| Article {
                    id,
                    text,
                    meta: Map::new(),
                }))
            }
        }
    }
}

impl Iterator for ArticleReader {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.current.is_some()
            && let Some(item) = self.next_jsonl()
        {
            return Some(item);
        }
        self.next_source()
    }
}

/// Whether a file's name says it is JSON Lines (`.jsonl`, `.ndjson`, any
/// case).
pub fn is_jsonl_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("jsonl") || x.eq_ignore_ascii_case("ndjson"))
}

/// Whether a text read as prose looks like JSON Lines instead: every
/// non-blank line a JSON object (for a warning).
pub fn looks_like_jsonl(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    lines.peek().is_some()
        && lines.all(|l| l.trim_start().starts_with('{') && serde_json::from_str::<Map<String, Value>>(l).is_ok())
}

/// Inputs with directories expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// Files (and `-`) to read, in order: each directory's `.txt` files
    /// (any case) sorted.
    pub paths: Vec<PathBuf>,
    /// What directories held that is not read: other files, and
    /// subdirectories unless recursive.
    pub skipped: Vec<PathBuf>,
}

/// Expands the directories among `paths` into their `.txt` files (the
/// extension in any case), sorted, descending into subdirectories when
/// `recursive`; other paths are kept as they are (a missing file fails
/// when read). A directory with nothing to read is an error that says
/// what it holds.
pub fn expand_inputs(paths: &[PathBuf], recursive: bool) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    for path in paths {
        if path.as_os_str() == "-" || !path.is_dir() {
            inputs.paths.push(path.clone());
            continue;
        }
        let (mut files, mut skipped) = (Vec::new(), Vec::new());
        let mut dirs = vec![path.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                let p = entry.map_err(|e| Error::io(&dir, e))?.path();
                if p.is_dir() {
                    match recursive {
                        true => dirs.push(p),
                        false => skipped.push(p),
                    }
                } else if p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("txt")) {
                    files.push(p);
                } else {
                    skipped.push(p);
                }
            }
        }
        files.sort();
        skipped.sort();
        if files.is_empty() {
            let held = match skipped.len() {
                0 => "it is empty".to_string(),
                n => format!(
                    "it holds {n} other {} ({}{})",
                    if n == 1 { "entry" } else { "entries" },
                    skipped
                        .iter()
                        .take(3)
                        .map(|p| p.strip_prefix(path).unwrap_or(p).display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if n > 3 { ", ..." } else { "" }
                ),
            };
            let hint = if recursive || !skipped.iter().any(|p| p.is_dir()) {
                ""
            } else {
                "; --recursive reads its subdirectories"
            };
            return Err(Error::DataFile {
                path: path.clone(),
                message: format!("no .txt file to read: {held}{hint}"),
            });
        }
        inputs.paths.extend(files);
        inputs.skipped.extend(skipped);
    }
    Ok(inputs)
}

/// Parses one line of JSONL article input (`{"id", "text", ...}`, other keys
/// kept as metadata); `path` and `line` are used in messages.
pub fn parse_article_line(path: &Path, line: u64, s: &str) -> Result<Article> {
    let err = |message: String| Error::Data {
        path: path.to_path_buf(),
        line,
        message,
    };
    let value: Value = serde_json::from_str(s).map_err(|e| err(json_line_error(&e)))?;
    let Value::Object(mut map) = value else {
        return Err(err("expected a JSON object with \"text\"".into()));
    };
    let text = match map.remove("text") {
        Some(Value::String(t)) => t,
        Some(other) => return Err(err(format!("\"text\" must be a string, found {other}"))),
        None => return Err(err("missing \"text\"".into())),
    };
    let id = match map.remove("id") {
        Some(Value::String(id)) => id,
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => format!("{}:{line}", path.display()),
        Some(other) => {
            return Err(err(format!("\"id\" must be a string or number, found {other}")));
        }
    };
    Ok(Article { id, text, meta: map })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_directories_and_jsonl_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "Second.").unwrap();
        std::fs::write(dir.path().join("a.txt"), "First.").unwrap();
        std::fs::write(dir.path().join("skip.md"), "not an article").unwrap();
        let jsonl = dir.path().join("in.jsonl");
        std::fs::write(&jsonl, "{\"id\":\"x\",\"text\":\"One.\",\"source\":\"tass\"}\n\n{\"text\":\"Two.\"}\n{oops}\n{\"id\":3,\"text\":\"Three.\"}\n").unwrap();

        let texts: Vec<String> = ArticleReader::new(&[dir.path().to_path_buf()], InputFormat::Text, false)
            .map(|a| a.unwrap().text)
            .collect();
        assert_eq!(texts, ["First.", "Second."]);

        let items: Vec<_> = ArticleReader::new(std::slice::from_ref(&jsonl), InputFormat::Jsonl, false).collect();
        assert_eq!(items.len(), 4);
        let first = items[0].as_ref().unwrap();
        assert_eq!((first.id.as_str(), first.text.as_str()), ("x", "One."));
        assert_eq!(first.meta["source"], "tass");
        assert_eq!(items[1].as_ref().unwrap().id, format!("{}:3", jsonl.display()));
        let err = items[2].as_ref().unwrap_err().to_string();
        assert!(err.contains("in.jsonl:4: invalid JSON"), "{err}");
        assert_eq!(items[3].as_ref().unwrap().id, "3");
    }

    #[test]
    fn missing_files_and_bad_utf8_are_errors_that_do_not_stop_reading() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, b"caf\xe9 au lait").unwrap();
        let good = dir.path().join("good.txt");
        std::fs::write(&good, "fine").unwrap();
        let missing = dir.path().join("missing.txt");
        let items: Vec<_> =
            ArticleReader::new(&[missing, bad.clone(), good.clone()], InputFormat::Text, false).collect();
        assert!(items[0].as_ref().unwrap_err().to_string().contains("missing.txt"));
        let err = items[1].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("bad.txt") && err.contains("invalid UTF-8 at byte 3"),
            "{err}"
        );
        assert_eq!(items[2].as_ref().unwrap().text, "fine");
        let lossy: Vec<_> = ArticleReader::new(&[bad], InputFormat::Text, true).collect();
        assert_eq!(lossy[0].as_ref().unwrap().text, "caf\u{fffd} au lait");
    }
}
