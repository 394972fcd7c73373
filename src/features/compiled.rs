//! Scoring: every classifier of a model over a statement in one pass, with
//! no string built per term.
//!
//! Training turns a statement into terms as strings ([`crate::features::terms`]) and
//! then into a tf-idf row ([`crate::features::vectorize`]); that is clear and runs
//! once per training row. Classification runs over millions of statements,
//! and building a dozen strings per word and looking each up in three
//! vocabularies was most of its time. A [`CompiledScorer`] re-indexes the
//! same vocabularies and weights at load time so that the same function is
//! computed from token ids:
//!
//! - the vocabularies of all classifiers are merged into one id space, and
//!   each id's row holds, per classifier, its idf and its class weights side
//!   by side, so one lookup per term feeds every classifier;
//! - a word n-gram is found by the ids of its words (a word's term with and
//!   without the `not_` mark), never by joining strings;
//! - what a distinct token contributes (its term ids, its character n-gram
//!   ids, whether it is a negator) is worked out once per thread and cached,
//!   so stemming and character n-grams cost nothing after a word's first
//!   occurrence;
//! - counts go into a dense array indexed by term id, so no sort is needed,
//!   and `Σ tf·idf·w / ‖tf·idf‖` is accumulated in one pass.
//!
//! It is the second backend of the feature pipeline: the spelling of terms
//! it reads back out of the vocabularies, the negation scope and the term
//! weights all come from [`super::encoding`], the rules the training path
//! builds its strings by. The result equals the training path's
//! probabilities up to float summation order (tests in `model::classifier`
//! check random text, and `tests/default_model.rs` every corpus statement); classifiers that
//! mask mentions keep the string path.

use rustc_hash::FxHashMap;

use crate::features::encoding::{
    NegationScope, for_each_char_gram, is_char_gram, is_negator, negated, term_frequency, word_gram_parts,
};
use crate::features::terms::TermSettings;
use crate::features::vectorize::Vectorizer;
use crate::scores::softmax;
use crate::text::stem::StemCache;
use crate::text::tokenize::{Token, TokenKind};

const NONE: u32 = u32::MAX;
/// Longest word n-gram the scorer composes from word ids (4 ids of 32 bits
/// fill a `u128` key).
pub(crate) const MAX_WORD_NGRAM: usize = 4;
/// Distinct tokens remembered per thread before the cache is emptied.
const MAX_CACHED_TOKENS: usize = 200_000;

/// What a slot of a table row holds, and so what its value is multiplied
/// by: the discriminants index the multipliers in `weigh_and_score`.
#[derive(Debug, Clone, Copy)]
enum SlotKind {
    /// `idf²` of a head with raw term counts.
    NormRaw = 0,
    /// `idf²` of a head with `1 + ln(tf)`.
    NormSublinear = 1,
    /// `idf·w` of a head with raw term counts.
    WeightRaw = 2,
    /// `idf·w` of a head with `1 + ln(tf)`.
    WeightSublinear = 3,
}

/// One classifier's place in the merged table.
#[derive(Debug, Clone)]
struct Head {
    /// Offset of this classifier's `[idf², idf·w_0 .. idf·w_{k-1}]` in a
    /// table row.
    offset: usize,
    /// Where its probabilities start in the output of `score`.
    first_probability: usize,
    classes: usize,
    sublinear_tf: bool,
    intercepts: Vec<f32>,
}

/// One classifier as the compiled scorer reads it: its vocabulary (with
/// idf and tf damping) and its weights.
pub(crate) struct HeadSource<'a> {
    pub vectorizer: &'a Vectorizer,
    /// Feature-major: feature `f`'s weight for class `c` is `weights[f * classes + c]`.
    pub weights: &'a [f32],
    pub intercepts: &'a [f32],
}

/// Several classifiers with the same term settings, merged for scoring.
#[derive(Debug)]
pub struct CompiledScorer {
    settings: TermSettings,
    heads: Vec<Head>,
    /// Floats per term row.
    stride: usize,
    /// Row `u` (of `stride` floats) holds, per head, `idf²` of term `u` and
    /// `idf·w` for each class (all 0 when the head's vocabulary lacks it),
    /// so that one pass over the row with `tf²` and `tf` accumulates both
    /// the squared norm and the dot products.
    table: Vec<f32>,
    /// What each slot of a row holds (see [`SlotKind`]).
    slot_kinds: Vec<SlotKind>,
    /// Every term of every vocabulary -> its merged id.
    term_ids: FxHashMap<Box<str>, u32>,
    /// Every word that occurs in a vocabulary word n-gram -> a word id.
    word_ids: FxHashMap<Box<str>, u32>,
    /// Word id -> merged id of that word as a unigram term (or `NONE`).
    unigram: Vec<u32>,
    /// Packed word ids of an n-gram (n >= 2) -> merged id.
    ngrams: FxHashMap<u128, u32>,
    /// Unique in this process: names this scorer's per-thread caches.
    instance: u64,
}

/// What one distinct token contributes, worked out on its first occurrence.
#[derive(Debug, Clone)]
struct TokenEntry {
    /// Word id of its term, and of its term in a negation scope.
    plain: u32,
    negated: u32,
    /// Its character n-gram ids that occur once in the word, distinct:
    /// `char_ids[start..end]`. Their rows, summed, are at `sum_offset` in
    /// `word_sums`: what they add to a statement where no other word shares
    /// them.
    single_chars: (u32, u32),
    sum_offset: u32,
    /// Its character n-gram ids that occur more than once in the word
    /// (`banana`), once per occurrence: `char_ids[start..end]`.
    repeated_chars: (u32, u32),
    negator: bool,
}

/// Per merged term, during one statement: its count, and how many of those
/// occurrences are already in `sums` through a word's precomputed sum.
#[derive(Debug, Clone, Copy, Default)]
struct TermCount {
    count: u32,
    presummed: u32,
}

/// Per-thread working memory of a compiled scorer: the token cache and
/// the buffers reused from one statement to the next.
#[derive(Default)]
pub struct ScorerScratch {
    instance: Option<u64>,
    /// Per token kind, normalised token text -> entry.
    tokens: [FxHashMap<compact_str::CompactString, u32>; 6],
    entries: Vec<TokenEntry>,
    char_ids: Vec<u32>,
    word_sums: Vec<f32>,
    counts: Vec<TermCount>,
    touched: Vec<u32>,
    ids: Vec<u32>,
    window: Vec<u32>,
    sums: Vec<f32>,
}

fn kind_index(kind: TokenKind) -> usize {
    match kind {
        TokenKind::Word => 0,
        TokenKind::Acronym => 1,
        TokenKind::Number => 2,
        TokenKind::Punct => 3,
        TokenKind::Url => 4,
        TokenKind::Boundary => 5,
    }
}

fn pack(words: &[u32]) -> u128 {
    words.iter().fold(0u128, |key, &w| (key << 32) | (w as u128 + 1))
}

impl CompiledScorer {
    /// Merges classifiers whose terms are all extracted with `settings`
    /// (and mask nothing); `None` when the settings use word n-grams of
    /// more than [`MAX_WORD_NGRAM`] words or there is no classifier.
    pub(crate) fn new(settings: &TermSettings, sources: &[HeadSource]) -> Option<CompiledScorer> {
        if sources.is_empty() || settings.word_ngrams > MAX_WORD_NGRAM {
            return None;
        }
        let settings = settings.clone();
        let mut heads = Vec::new();
        let mut stride = 0;
        for c in sources {
            let classes = c.intercepts.len();
            heads.push(Head {
                offset: stride,
                first_probability: heads.iter().map(|h: &Head| h.classes).sum(),
                classes,
                sublinear_tf: c.vectorizer.sublinear_tf(),
                intercepts: c.intercepts.to_vec(),
            });
            stride += 1 + classes;
        }
        let slot_kinds: Vec<SlotKind> = heads
            .iter()
            .flat_map(|h| {
                let (norm, weight) = if h.sublinear_tf {
                    (SlotKind::NormSublinear, SlotKind::WeightSublinear)
                } else {
                    (SlotKind::NormRaw, SlotKind::WeightRaw)
                };
                std::iter::once(norm).chain(std::iter::repeat_n(weight, h.classes))
            })
            .collect();
        // Merged ids run from the most to the least common term (lowest idf
        // first, ties by term), so the rows that nearly every statement
        // touches sit together in cache. The order does not depend on hash
        // order.
        let mut lowest_idf: FxHashMap<&str, f32> = FxHashMap::default();
        for c in sources {
            for f in 0..c.vectorizer.len() as u32 {
                let idf = lowest_idf.entry(c.vectorizer.term(f)).or_insert(f32::INFINITY);
                *idf = idf.min(c.vectorizer.idf(f));
            }
        }
        let mut by_idf: Vec<(&str, f32)> = lowest_idf.into_iter().collect();
        by_idf.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        let all_terms: Vec<&str> = by_idf.into_iter().map(|(t, _)| t).collect();
        let term_ids: FxHashMap<Box<str>, u32> = all_terms
            .iter()
            .enumerate()
            .map(|(i, t)| ((*t).into(), i as u32))
            .collect();
        let mut table = vec![0f32; all_terms.len() * stride];
        for (c, head) in sources.iter().zip(&heads) {
            for f in 0..c.vectorizer.len() as u32 {
                let u = term_ids[c.vectorizer.term(f)] as usize;
                let row = &mut table[u * stride + head.offset..][..1 + head.classes];
                let idf = c.vectorizer.idf(f);
                row[0] = idf * idf;
                let weights = &c.weights[f as usize * head.classes..][..head.classes];
                for (w, weight) in row[1..].iter_mut().zip(weights) {
                    *w = idf * weight;
                }
            }
        }
        let mut word_ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut unigram: Vec<u32> = Vec::new();
        let mut ngrams: FxHashMap<u128, u32> = FxHashMap::default();
        for (u, term) in all_terms.iter().enumerate() {
            if settings.char_ngrams.is_some() && is_char_gram(term) {
                continue;
            }
            let ids: Vec<u32> = word_gram_parts(term)
                .map(|w| {
                    let next = word_ids.len() as u32;
                    *word_ids.entry(w.into()).or_insert_with(|| {
                        unigram.push(NONE);
                        next
                    })
                })
                .collect();
            if ids.len() == 1 {
                unigram[ids[0] as usize] = u as u32;
            } else {
                ngrams.insert(pack(&ids), u as u32);
            }
        }
        static NEXT_INSTANCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Some(CompiledScorer {
            settings,
            heads,
            stride,
            table,
            slot_kinds,
            term_ids,
            word_ids,
            unigram,
            ngrams,
            instance: NEXT_INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Where head `h`'s class probabilities are in the output of
    /// [`score`](Self::score).
    pub fn head_range(&self, h: usize) -> std::ops::Range<usize> {
        let head = &self.heads[h];
        head.first_probability..head.first_probability + head.classes
    }

    /// Class probabilities of every merged classifier for the statement
    /// `tokens` (in classifier order, each in its class order), written to
    /// `out`; head `h`'s are at [`head_range(h)`](Self::head_range).
    pub fn score(&self, scratch: &mut ScorerScratch, stems: &mut StemCache, tokens: &[Token], out: &mut Vec<f32>) {
        if scratch.instance != Some(self.instance) || scratch.entries.len() >= MAX_CACHED_TOKENS {
            scratch.reset(self);
        }
        let max_n = self.settings.word_ngrams.max(1);
        scratch.ids.clear();
        scratch.window.clear();
        scratch.touched.clear();
        scratch.sums.clear();
        scratch.sums.resize(self.stride, 0.0);
        let mut scope = NegationScope::default();
        for tok in tokens {
            if tok.kind == TokenKind::Boundary {
                scratch.window.clear();
                scope.close();
                continue;
            }
            let e = scratch.entry(self, stems, tok);
            let entry = &scratch.entries[e as usize];
            let word = if self.settings.negation && scope.mark(tok.kind, entry.negator) {
                entry.negated
            } else {
                entry.plain
            };
            let (single_lo, single_hi) = entry.single_chars;
            let (repeated_lo, repeated_hi) = entry.repeated_chars;
            let sum_offset = entry.sum_offset as usize;
            scratch.window.push(word);
            let w = &scratch.window;
            if word != NONE && self.unigram[word as usize] != NONE {
                scratch.ids.push(self.unigram[word as usize]);
            }
            for n in 2..=max_n.min(w.len()) {
                let gram = &w[w.len() - n..];
                if gram.contains(&NONE) {
                    break;
                }
                if let Some(&u) = self.ngrams.get(&pack(gram)) {
                    scratch.ids.push(u);
                }
            }
            scratch
                .ids
                .extend_from_slice(&scratch.char_ids[repeated_lo as usize..repeated_hi as usize]);
            if single_hi > single_lo {
                for (acc, v) in scratch
                    .sums
                    .iter_mut()
                    .zip(&scratch.word_sums[sum_offset..][..self.stride])
                {
                    *acc += v;
                }
                for &u in &scratch.char_ids[single_lo as usize..single_hi as usize] {
                    let c = &mut scratch.counts[u as usize];
                    if c.count == 0 {
                        scratch.touched.push(u);
                    }
                    c.count += 1;
                    c.presummed += 1;
                }
            }
        }
        self.weigh_and_score(scratch, out);
    }

    /// Counts -> tf-idf -> per head, `x·W / ‖x‖ + b` -> softmax.
    ///
    /// `sums` already holds, for every word occurrence, the rows of its
    /// character n-grams at `tf = 1`. A term seen exactly once, through such
    /// a sum, is complete; any other term adds its row times the difference
    /// between its true `tf` (and `tf²`) and what the sums put in.
    fn weigh_and_score(&self, scratch: &mut ScorerScratch, out: &mut Vec<f32>) {
        let ScorerScratch {
            counts,
            touched,
            ids,
            sums,
            ..
        } = scratch;
        for &u in ids.iter() {
            let c = &mut counts[u as usize];
            if c.count == 0 {
                touched.push(u);
            }
            c.count += 1;
        }
        for &u in touched.iter() {
            let TermCount { count, presummed } = std::mem::take(&mut counts[u as usize]);
            if count == 1 && presummed == 1 {
                continue;
            }
            let (raw, done) = (count as f32, presummed as f32);
            let sublinear = term_frequency(raw, true);
            // Indexed by `SlotKind`: tf^2 for a norm slot, tf for a weight
            // slot, less what the word sums already added (1 each).
            let multipliers = [
                raw * raw - done,
                sublinear * sublinear - done,
                raw - done,
                sublinear - done,
            ];
            let row = &self.table[u as usize * self.stride..][..self.stride];
            for ((acc, value), kind) in sums.iter_mut().zip(row).zip(&self.slot_kinds) {
                *acc += multipliers[*kind as usize] * value;
            }
        }
        out.clear();
        for head in &self.heads {
            let acc = &sums[head.offset..][..1 + head.classes];
            let norm = acc[0].sqrt();
            let scores: Vec<f32> = head
                .intercepts
                .iter()
                .zip(&acc[1..])
                .map(|(b, dot)| if norm > 0.0 { b + dot / norm } else { *b })
                .collect();
            out.extend(softmax(scores));
        }
    }
}

impl ScorerScratch {
    fn reset(&mut self, scorer: &CompiledScorer) {
        self.instance = Some(scorer.instance);
        self.tokens.iter_mut().for_each(FxHashMap::clear);
        self.entries.clear();
        self.char_ids.clear();
        self.word_sums.clear();
        self.counts.clear();
        self.counts
            .resize(scorer.table.len() / scorer.stride.max(1), TermCount::default());
    }

    /// The cache entry of `tok`, made on its first occurrence.
    fn entry(&mut self, scorer: &CompiledScorer, stems: &mut StemCache, tok: &Token) -> u32 {
        let map = &mut self.tokens[kind_index(tok.kind)];
        if let Some(&e) = map.get(tok.text.as_str()) {
            return e;
        }
        let term: &str = match tok.kind {
            TokenKind::Word => stems.stem(&tok.text),
            _ => &tok.text,
        };
        let word_id = |t: &str| scorer.word_ids.get(t).copied().unwrap_or(NONE);
        let plain = word_id(term);
        let negated = if scorer.settings.negation && tok.kind != TokenKind::Punct {
            word_id(&negated(term))
        } else {
            plain
        };
        let mut grams: Vec<u32> = Vec::new();
        if let (TokenKind::Word, Some((lo, hi))) = (tok.kind, scorer.settings.char_ngrams) {
            let mut buf = String::new();
            for_each_char_gram(&tok.text, lo, hi, &mut buf, |g| {
                if let Some(&u) = scorer.term_ids.get(g) {
                    grams.push(u);
                }
            });
        }
        grams.sort_unstable();
        let occurs_once = |i: usize| (i == 0 || grams[i - 1] != grams[i]) && grams.get(i + 1) != Some(&grams[i]);
        let single: Vec<u32> = (0..grams.len()).filter(|&i| occurs_once(i)).map(|i| grams[i]).collect();
        let repeated: Vec<u32> = (0..grams.len())
            .filter(|&i| !occurs_once(i))
            .map(|i| grams[i])
            .collect();
        let sum_offset = self.word_sums.len() as u32;
        self.word_sums.resize(self.word_sums.len() + scorer.stride, 0.0);
        let sum = &mut self.word_sums[sum_offset as usize..];
        for &u in &single {
            for (acc, v) in sum
                .iter_mut()
                .zip(&scorer.table[u as usize * scorer.stride..][..scorer.stride])
            {
                *acc += v;
            }
        }
        let single_start = self.char_ids.len() as u32;
        self.char_ids.extend_from_slice(&single);
        let repeated_start = self.char_ids.len() as u32;
        self.char_ids.extend_from_slice(&repeated);
        let e = self.entries.len() as u32;
        self.entries.push(TokenEntry {
            plain,
            negated,
            single_chars: (single_start, repeated_start),
            sum_offset,
            repeated_chars: (repeated_start, self.char_ids.len() as u32),
            negator: tok.kind == TokenKind::Word && is_negator(&tok.text),
        });
        map.insert(tok.text.clone(), e);
        e
    }
}
