//! Worker threads: the binding's own rayon pools.
//!
//! Classification runs on a pool of this crate's, not on rayon's global
//! pool (which the caller's other Rust extensions may share), with as many
//! threads as asked (`threads=None`: all cores, or `RAYON_NUM_THREADS`). A
//! pool is kept for the life of the process, one per thread count asked
//! for, so its workers keep their caches (stems and token ids, per thread)
//! from one call to the next: the second batch of a Spark task is as fast
//! as the hundredth.

use std::sync::{Arc, Mutex};

use rayon::ThreadPool;

use crate::errors::Failure;

/// The pools made so far, by thread count asked for (0: the default).
static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());

/// The pool of `threads` workers (`None`: all cores).
pub(crate) fn pool(threads: Option<usize>) -> Result<Arc<ThreadPool>, Failure> {
    let key = match threads {
        Some(0) => return Err(Failure::input("threads must be at least 1 (or None for all cores)")),
        Some(n) => n,
        None => 0,
    };
    let mut pools = POOLS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(k, _)| *k == key) {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(key)
        .thread_name(|i| format!("stance-{i}"))
        .build()
        .map_err(|e| Failure::Internal(format!("starting worker threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.push((key, pool.clone()));
    Ok(pool)
}
