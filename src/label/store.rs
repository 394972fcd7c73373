//! The labels file: every label appended as one JSON line the moment it is
//! given, flushed and synced, so a killed server loses nothing.
//!
//! The file is in the common labeled schema (`id`, `text`, `target`,
//! `stance`, `sentiment`, `split`) plus what the label was given from
//! (`article`, `start`, `end`, `strategy`, the model's `predicted` label
//! and probabilities), so `stance train --data LABELS.jsonl:W` reads it as
//! it is. Reopening it resumes: the labels already there are read back.
//! Undo removes the last line by rewriting the file to a temporary one and
//! renaming it over, so an interrupted undo leaves the file whole.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, json_line_error};
use crate::files::{output_target, write_atomically};
use crate::labels::{Sentiment, Stance};

/// One label as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRecord {
    pub id: String,
    pub text: String,
    pub target: String,
    pub stance: Option<Stance>,
    pub sentiment: Option<Sentiment>,
    pub split: Option<String>,
    /// The article's id and the statement's byte offsets in it.
    pub article: String,
    pub start: usize,
    pub end: usize,
    /// How the statement was chosen (`uncertain`, `random`).
    pub strategy: String,
    /// The model's stance when the label was given, with probabilities.
    pub predicted: Option<serde_json::Value>,
}

/// The labels file, open for appending.
pub struct LabelStore {
    path: PathBuf,
    records: Vec<LabelRecord>,
}

impl LabelStore {
    /// Opens (or creates) `path`, reading the labels already in it; a
    /// symlink is followed to its target, and what is not a regular file
    /// (a directory, a device) is refused.
    pub fn open(path: &Path) -> Result<LabelStore> {
        let path = &output_target(path)?;
        let mut records = Vec::new();
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let record: LabelRecord = serde_json::from_str(line).map_err(|e| Error::Data {
                    path: path.to_path_buf(),
                    line: i as u64 + 1,
                    message: format!("not a label written by `stance label`: {}", json_line_error(&e)),
                })?;
                records.push(record);
            }
        }
        Ok(LabelStore {
            path: path.to_path_buf(),
            records,
        })
    }

    /// The labels given so far, oldest first.
    pub fn records(&self) -> &[LabelRecord] {
        &self.records
    }

    /// Appends a label: written, flushed and synced before this returns.
    pub fn append(&mut self, record: LabelRecord) -> Result<()> {
        let mut line = serde_json::to_vec(&record).map_err(|e| Error::Settings(e.to_string()))?;
        line.push(b'\n');
        let write = || -> std::io::Result<()> {
            let mut file = OpenOptions::new().create(true).append(true).open(&self.path)?;
            file.write_all(&line)?;
            file.flush()?;
            file.sync_data()
        };
        write().map_err(|e| Error::io(&self.path, e))?;
        self.records.push(record);
        Ok(())
    }

    /// Removes the last label, rewriting the file atomically; returns it.
    pub fn undo(&mut self) -> Result<Option<LabelRecord>> {
        let Some(last) = self.records.pop() else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        for r in &self.records {
            bytes.extend(serde_json::to_vec(r).map_err(|e| Error::Settings(e.to_string()))?);
            bytes.push(b'\n');
        }
        write_atomically(&self.path, &bytes).inspect_err(|_| self.records.push(last.clone()))?;
        Ok(Some(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> LabelRecord {
        LabelRecord {
            id: format!("a:{i}"),
            text: format!("Statement {i}."),
            target: "Russia".into(),
            stance: Some(Stance::Against),
            sentiment: None,
            split: None,
            article: "a".into(),
            start: i * 10,
            end: i * 10 + 9,
            strategy: "uncertain".into(),
            predicted: None,
        }
    }

    #[test]
    fn appends_resumes_and_undoes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        let mut store = LabelStore::open(&path).unwrap();
        for i in 0..3 {
            store.append(record(i)).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        assert_eq!(store.undo().unwrap(), Some(record(2)));
        let reopened = LabelStore::open(&path).unwrap();
        assert_eq!(reopened.records(), &[record(0), record(1)]);
        // The file reads as training data.
        let data = crate::data::labeled::read_dataset(&path).unwrap();
        assert_eq!(data.examples.len(), 2);
        assert_eq!(data.examples[1].stance, Some(Stance::Against));
        assert_eq!(data.examples[1].article.as_deref(), Some("a"));
    }
}
