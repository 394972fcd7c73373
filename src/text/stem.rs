//! Stemming: reducing words to their Snowball (English) stems.
//!
//! Stemming merges `sanction`, `sanctions` and `sanctioned` into one feature,
//! which matters on small training sets. The Snowball stemmer is costly next
//! to everything else in the pipeline, while news text repeats a small
//! vocabulary, so each distinct word is stemmed once and looked up after.

use rustc_hash::FxHashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// An English Snowball stemmer with a memo of the words it has stemmed.
pub struct StemCache {
    stemmer: Stemmer,
    memo: FxHashMap<String, String>,
}

impl Default for StemCache {
    fn default() -> Self {
        StemCache {
            stemmer: Stemmer::create(Algorithm::English),
            memo: FxHashMap::default(),
        }
    }
}

impl StemCache {
    /// Words remembered before the memo is emptied, which bounds its memory
    /// on archives with an open-ended vocabulary.
    pub const MAX_WORDS: usize = 200_000;

    /// The stem of a lowercase word.
    pub fn stem(&mut self, word: &str) -> &str {
        if !self.memo.contains_key(word) {
            if self.memo.len() >= Self::MAX_WORDS {
                self.memo.clear();
            }
            let stem = self.stemmer.stem(word).into_owned();
            self.memo.insert(word.to_string(), stem);
        }
        &self.memo[word]
    }

    /// Number of distinct words stemmed so far.
    pub fn len(&self) -> usize {
        self.memo.len()
    }

    /// True when nothing has been stemmed yet.
    pub fn is_empty(&self) -> bool {
        self.memo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_remembers() {
        let mut cache = StemCache::default();
        let table = [
            ("sanctions", "sanction"),
            ("sanctioned", "sanction"),
            ("russia's", "russia"),
            ("condemned", "condemn"),
            ("running", "run"),
        ];
        for (word, stem) in table {
            assert_eq!(cache.stem(word), stem, "{word}");
        }
        cache.stem("sanctions");
        assert_eq!(cache.len(), 5);
    }
}
