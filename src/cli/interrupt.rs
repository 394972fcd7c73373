//! Stopping cleanly on Ctrl-C or SIGTERM: a `json` or `html` document cut
//! off mid-way does not parse, so the first signal only asks to stop; the
//! subcommand stops reading, finishes the batch it is writing, closes the
//! document and exits 130. A second signal exits at once.
//!
//! Reading happens on a thread of its own, feeding a bounded channel, so a
//! read blocked on standard input does not keep the stop from being seen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

use anyhow::{Context, Result};

/// The exit code after an interruption (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// Whether a stop was asked.
#[derive(Clone)]
pub struct Interrupt {
    stop: Arc<AtomicBool>,
}

impl Interrupt {
    /// Installs the signal handler.
    pub fn install() -> Result<Interrupt> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(INTERRUPTED as i32);
            }
        })
        .context("installing the Ctrl-C handler")?;
        Ok(Interrupt { stop })
    }

    /// Whether a signal asked to stop.
    pub fn requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// `items`, read on a thread of their own, ending early when a stop is
    /// asked (with the items read by then).
    pub fn until_stopped<I>(&self, items: I) -> UntilStopped<I::Item>
    where
        I: Iterator + Send + 'static,
        I::Item: Send + 'static,
    {
        let (tx, rx) = sync_channel(64);
        std::thread::spawn(move || {
            for item in items {
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        UntilStopped {
            rx,
            interrupt: self.clone(),
        }
    }
}

/// Items from a reading thread until they end or a stop is asked.
pub struct UntilStopped<T> {
    rx: Receiver<T>,
    interrupt: Interrupt,
}

impl<T> Iterator for UntilStopped<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            // After a stop, what was already read is still classified.
            if self.interrupt.requested() {
                return self.rx.try_recv().ok();
            }
            match self.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(item) => return Some(item),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}
