//! The evidence store's throughput, plain against encrypted, in the same run: one generated stream staged into a
//! plain store (hash, copy, fsync) and into an encrypted one (hash, seal, fsync), then each read back by `check`
//! (hash; decrypt, authenticate and hash). The rounds alternate plain and sealed so a busy neighbour slows both
//! alike, and the best round of each counts. DESIGN.md states no target for it: the figures and their ratio are
//! printed without a verdict.

use std::io::{self, Read};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use casebook_store::blobs::{BlobCheck, BlobStore};
use serde::Serialize;

use crate::Progress;

/// Rounds of each kind; the best counts.
const ROUNDS: usize = 2;

#[derive(Debug, Clone, Serialize)]
pub struct BlobFigures {
    /// Bytes of the evidence stream.
    pub bytes: u64,
    pub plain_write_mib_s: f64,
    pub sealed_write_mib_s: f64,
    /// Sealed over plain write rate.
    pub write_ratio: f64,
    pub plain_check_mib_s: f64,
    pub sealed_check_mib_s: f64,
    /// Sealed over plain check rate.
    pub check_ratio: f64,
    /// The sealed file's size on disk over the plaintext's (header and one tag per 64 KiB).
    pub sealed_size_ratio: f64,
}

pub fn measure(root: &Path, bytes: u64, progress: Progress) -> Result<BlobFigures> {
    let plain = BlobStore::open(&root.join("plain")).context("opening a plain evidence store")?;
    let sealed = BlobStore::open_encrypted(&root.join("sealed"), [0x5a; 32])
        .context("opening an encrypted evidence store")?;
    let bar = progress.bar((ROUNDS * 2) as u64 * 2 * bytes, "evidence store");
    let mut best = [[f64::MAX; 2]; 2];
    let mut sealed_size = 0;
    for _ in 0..ROUNDS {
        for (i, store) in [&plain, &sealed].into_iter().enumerate() {
            let base = bar.position();
            let started = Instant::now();
            let staged = store
                .stage(Generated::new(bytes), &mut |n| bar.set_position(base + n))
                .context("staging the evidence stream")?;
            best[i][0] = best[i][0].min(started.elapsed().as_secs_f64());
            let sha = staged.sha256.clone();
            drop(staged);
            if i == 1 {
                sealed_size = std::fs::metadata(store.path_of(&sha))?.len();
            }
            let base = bar.position();
            let started = Instant::now();
            let check = store
                .check(&sha, &mut |n| bar.set_position(base + n))
                .context("checking the stored evidence")?;
            best[i][1] = best[i][1].min(started.elapsed().as_secs_f64());
            if check != BlobCheck::Matches {
                bail!("the stored evidence does not read back as written: {check:?}");
            }
            std::fs::remove_file(store.path_of(&sha))?;
        }
    }
    bar.finish_and_clear();
    let mib_s = |secs: f64| bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9);
    let [[plain_write, plain_check], [sealed_write, sealed_check]] = best.map(|b| b.map(mib_s));
    Ok(BlobFigures {
        bytes,
        plain_write_mib_s: plain_write,
        sealed_write_mib_s: sealed_write,
        write_ratio: sealed_write / plain_write,
        plain_check_mib_s: plain_check,
        sealed_check_mib_s: sealed_check,
        check_ratio: sealed_check / plain_check,
        sealed_size_ratio: sealed_size as f64 / bytes.max(1) as f64,
    })
}

/// `len` bytes of a cheap non-repeating pattern, generated as they are read (no source file to read from disk).
struct Generated {
    left: u64,
    state: u64,
}

impl Generated {
    fn new(len: u64) -> Generated {
        Generated {
            left: len,
            state: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for word in buf[..n].chunks_mut(8) {
            // xorshift64: fast, and no two 8-byte words of a 1 GiB stream repeat.
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            word.copy_from_slice(&self.state.to_le_bytes()[..word.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}
