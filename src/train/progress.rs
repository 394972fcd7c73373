//! Progress: how far training has come, for a progress bar.
//!
//! Fits run in parallel and their number grows as cross-validation and
//! mode selection decide what to fit, so a shared counter collects them and
//! reports each finished fit to the caller's callback.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A training step finished: `done` of `total` fits, the last one named.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub what: String,
}

/// Counts finished fits against the fits known so far.
pub(crate) struct ProgressCounter<'a> {
    done: AtomicUsize,
    total: AtomicUsize,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl<'a> ProgressCounter<'a> {
    pub(crate) fn new(report: &'a (dyn Fn(Progress) + Sync)) -> Self {
        ProgressCounter {
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            report,
        }
    }

    /// `n` more fits are to run.
    pub(crate) fn expect(&self, n: usize) {
        self.total.fetch_add(n, Ordering::SeqCst);
    }

    /// A step named `what` begins (before the fits, which take long).
    pub(crate) fn announce(&self, what: &str) {
        (self.report)(Progress {
            done: self.done.load(Ordering::SeqCst),
            total: self.total.load(Ordering::SeqCst),
            what: what.to_string(),
        });
    }

    /// A fit named `what` finished.
    pub(crate) fn tick(&self, what: &str) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        (self.report)(Progress {
            done,
            total: self.total.load(Ordering::SeqCst),
            what: what.to_string(),
        });
    }
}
