//! Password checks on a few long-lived threads of their own.
//!
//! Each Argon2 check takes 19 MiB. On tokio's blocking pool a check may land on any of dozens of threads, and the C
//! allocator keeps a freed block that size in the thread's own arena for its next use: twenty sign-ins at once left
//! the server at 320 MB (the benchmark's sync phase), although only one check per core ever ran at a time. On one
//! thread per core the same blocks are reused, so memory stays near cores × 19 MiB however many people sign in at
//! once; the checks queue for a few tens of milliseconds instead.

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

pub struct PasswordPool {
    jobs: mpsc::Sender<Job>,
    threads: usize,
}

impl PasswordPool {
    /// Starts `threads` workers (at least one); they end when the pool is dropped.
    pub fn new(threads: usize) -> PasswordPool {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut started = 0;
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("casebook-password-{i}"))
                .spawn(move || work(&queue));
            match spawned {
                Ok(_) => started += 1,
                Err(e) => tracing::warn!("could not start a password-check thread: {e}"),
            }
        }
        PasswordPool {
            jobs,
            threads: started,
        }
    }

    /// Runs `check` on a worker and waits for its answer; `None` if it panicked. Without any worker (none could
    /// be started) it runs on tokio's blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        if self.threads == 0 {
            return tokio::task::spawn_blocking(check).await.ok();
        }
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(check());
            }))
            .ok()?;
        answered.await.ok()
    }
}

fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.recv()
        };
        let Ok(job) = job else { return };
        // A panicking check drops its answer (the caller sees `None`); the worker goes on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn checks_run_on_the_pools_threads_only_however_many_wait() {
        let pool = Arc::new(PasswordPool::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let names = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let mut waiting = Vec::new();
        for i in 0..12 {
            let (pool, running, most, names) =
                (pool.clone(), running.clone(), most.clone(), names.clone());
            waiting.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    names
                        .lock()
                        .unwrap()
                        .insert(std::thread::current().name().map(str::to_string));
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 2
                })
                .await
            }));
        }
        for (i, w) in waiting.into_iter().enumerate() {
            assert_eq!(
                w.await.unwrap(),
                Some(i * 2),
                "every check gets its own answer"
            );
        }
        assert!(
            most.load(Ordering::SeqCst) <= 2,
            "never more checks at once than threads"
        );
        let names = names.lock().unwrap();
        assert!(
            names.len() <= 2
                && names.iter().all(|n| n
                    .as_deref()
                    .is_some_and(|n| n.starts_with("casebook-password-"))),
            "every check runs on one of the pool's own threads: {names:?}"
        );
    }

    #[tokio::test]
    async fn a_panicking_check_answers_none_and_the_worker_goes_on() {
        let pool = PasswordPool::new(1);
        let panicked: Option<bool> = pool.run(|| panic!("a broken hash")).await;
        assert_eq!(panicked, None);
        assert_eq!(
            pool.run(|| true).await,
            Some(true),
            "the one worker still answers"
        );
    }
}
