//! The sealed (encrypted) blob format, after age's payload: a streaming ChaCha20-Poly1305 in 64 KiB chunks.
//!
//! ```text
//! magic    8 bytes  "CBSEAL" 0x00 0x01 (format version 1)
//! salt    32 bytes  random per file; HKDF-SHA256(data key, salt) gives this file's payload key
//! sha     48 bytes  the plaintext's SHA-256, sealed (nonce: counter 2^88-1, flag 2)
//! chunks            each 64 KiB of plaintext + 16-byte tag (nonce: 11-byte big-endian counter, flag 0),
//!                   then one last chunk of fewer than 64 KiB, possibly none (flag 1)
//! ```
//!
//! A fresh key per file means nonces never repeat across files; the counter and the last-chunk flag in each nonce
//! make a reordered, swapped, dropped or appended chunk fail authentication. The file's name is an HMAC-SHA256 of the
//! plaintext's SHA-256 under a key derived from the data key, so equal contents still share one file and names say
//! nothing of the contents. The sealed SHA-256 in the header lets the sweep and the listing know what a file holds
//! without decrypting it whole.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};

/// Plaintext bytes per chunk.
pub const PLAIN_CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
/// Bytes per full chunk on disk.
pub(super) const SEALED_CHUNK: usize = PLAIN_CHUNK + TAG;
const MAGIC: &[u8; 8] = b"CBSEAL\x00\x01";
const SALT: usize = 32;
const SHA_AT: u64 = (MAGIC.len() + SALT) as u64;
/// The header's length: magic, salt and the sealed SHA-256.
pub(super) const HEADER: usize = MAGIC.len() + SALT + 32 + TAG;
const SHA_NONCE: [u8; 12] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,
];

/// The 32-byte data key an encrypted store's blobs are sealed with (the database's data key, passed in).
#[derive(Clone)]
pub struct BlobKey {
    secret: [u8; 32],
    names: hmac::Key,
}

impl fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlobKey(..)")
    }
}

impl BlobKey {
    pub fn new(secret: [u8; 32]) -> BlobKey {
        let names = hkdf::Salt::new(hkdf::HKDF_SHA256, b"casebook blob names")
            .extract(&secret)
            .expand(&[b"casebook blob name v1"], hmac::HMAC_SHA256)
            .expect("HKDF-SHA256 gives 32 bytes")
            .into();
        BlobKey { secret, names }
    }

    /// The file name a blob with this plaintext SHA-256 (hex) is stored under.
    pub fn name_of(&self, sha256: &str) -> String {
        hex::encode(hmac::sign(&self.names, sha256.as_bytes()))
    }

    fn payload_key(&self, salt: &[u8]) -> LessSafeKey {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(&self.secret);
        let okm = prk
            .expand(&[b"casebook blob payload v1"], &CHACHA20_POLY1305)
            .expect("HKDF-SHA256 gives a ChaCha20-Poly1305 key");
        LessSafeKey::new(UnboundKey::from(okm))
    }
}

fn nonce(counter: u64, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn damaged(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Encrypts a stream into `file` chunk by chunk, holding at most one chunk of plaintext.
pub(super) struct SealWriter<F: Write + FileExt> {
    file: F,
    key: LessSafeKey,
    counter: u64,
    buf: Vec<u8>,
}

impl<F: Write + FileExt> SealWriter<F> {
    /// Writes a new header (fresh salt; the SHA-256 if already known, else a placeholder [`finish`] fills).
    pub fn create(mut file: F, key: &BlobKey, sha256: Option<&str>) -> io::Result<SealWriter<F>> {
        let mut salt = [0u8; SALT];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| io::Error::other("the system gave no random bytes"))?;
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&salt);
        header.resize(HEADER, 0);
        file.write_all(&header)?;
        let mut w = SealWriter {
            file,
            key: key.payload_key(&salt),
            counter: 0,
            buf: Vec::with_capacity(SEALED_CHUNK),
        };
        if let Some(sha) = sha256 {
            w.write_sha(sha)?;
        }
        Ok(w)
    }

    /// Continues a file an earlier writer left: keeps its whole chunks (`header` read, `file` positioned after them).
    pub fn resume(file: F, key: &BlobKey, header: &[u8; HEADER], chunks: u64) -> SealWriter<F> {
        SealWriter {
            file,
            key: key.payload_key(&header[MAGIC.len()..MAGIC.len() + SALT]),
            counter: chunks,
            buf: Vec::with_capacity(SEALED_CHUNK),
        }
    }

    fn write_sha(&mut self, sha256: &str) -> io::Result<()> {
        let mut rec = hex::decode(sha256).unwrap_or_default();
        rec.resize(32, 0);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(SHA_NONCE),
                Aad::from(MAGIC),
                &mut rec,
            )
            .map_err(|_| io::Error::other("cannot seal the evidence header"))?;
        rec.extend_from_slice(tag.as_ref());
        self.file.write_all_at(&rec, SHA_AT)
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce(self.counter, last), Aad::from(MAGIC), &mut self.buf)
            .map_err(|_| io::Error::other("cannot seal an evidence chunk"))?;
        self.buf.extend_from_slice(tag.as_ref());
        self.file.write_all(&self.buf)?;
        self.buf.clear();
        self.counter += 1;
        Ok(())
    }

    /// Plaintext bytes taken so far (written in whole chunks, or held for the next one).
    pub fn taken(&self) -> u64 {
        self.counter * PLAIN_CHUNK as u64 + self.buf.len() as u64
    }

    pub fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let take = (PLAIN_CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            // A full chunk is never the last: [`finish`] seals what is left, fewer than 64 KiB and possibly none,
            // so a reader tells the last chunk by its length alone.
            if self.buf.len() == PLAIN_CHUNK {
                self.seal_chunk(false)?;
            }
        }
        Ok(())
    }

    /// Seals the last chunk and the plaintext's SHA-256 into the header; returns the file (not yet synced).
    pub fn finish(mut self, sha256: &str) -> io::Result<F> {
        self.seal_chunk(true)?;
        self.write_sha(sha256)?;
        Ok(self.file)
    }
}

/// Reads a sealed header: checks the format and opens the sealed SHA-256 (hex), which needs the right key.
pub(super) fn read_header(
    r: &mut impl Read,
    key: &BlobKey,
) -> io::Result<([u8; HEADER], LessSafeKey, String)> {
    let mut header = [0u8; HEADER];
    r.read_exact(&mut header).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            damaged("the encrypted evidence file is shorter than its header (truncated)".into())
        } else {
            e
        }
    })?;
    if &header[..MAGIC.len()] != MAGIC {
        return Err(damaged(
            "not an encrypted Casebook evidence file of a known version".into(),
        ));
    }
    let payload = key.payload_key(&header[MAGIC.len()..MAGIC.len() + SALT]);
    let mut rec = header[SHA_AT as usize..].to_vec();
    let sha = payload
        .open_in_place(
            Nonce::assume_unique_for_key(SHA_NONCE),
            Aad::from(MAGIC),
            &mut rec,
        )
        .map_err(|_| {
            damaged(
                "the encrypted evidence file cannot be opened: it was sealed with another key, or its header was altered"
                    .into(),
            )
        })?;
    let sha = hex::encode(sha);
    Ok((header, payload, sha))
}

/// Streams a sealed file's plaintext, checking every chunk's tag before handing out its bytes.
pub struct SealReader<R: Read> {
    inner: R,
    key: LessSafeKey,
    sha256: String,
    counter: u64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> SealReader<R> {
    pub(super) fn new(mut inner: R, key: &BlobKey) -> io::Result<SealReader<R>> {
        let (_, payload, sha256) = read_header(&mut inner, key)?;
        Ok(SealReader {
            inner,
            key: payload,
            sha256,
            counter: 0,
            buf: Vec::with_capacity(SEALED_CHUNK),
            pos: 0,
            done: false,
        })
    }

    /// The plaintext SHA-256 its header records.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        self.buf.resize(SEALED_CHUNK, 0);
        let mut n = 0;
        while n < SEALED_CHUNK {
            match self.inner.read(&mut self.buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if n < TAG {
            return Err(damaged(format!(
                "the encrypted evidence file ends before its last chunk (truncated at chunk {})",
                self.counter
            )));
        }
        let last = n < SEALED_CHUNK;
        self.buf.truncate(n);
        let plain = self
            .key
            .open_in_place(nonce(self.counter, last), Aad::from(MAGIC), &mut self.buf)
            .map_err(|_| {
                damaged(format!(
                    "chunk {} of the encrypted evidence file fails authentication: it was altered, moved or cut short",
                    self.counter
                ))
            })?
            .len();
        self.buf.truncate(plain);
        self.pos = 0;
        self.counter += 1;
        self.done = last;
        Ok(())
    }
}

impl<R: Read + Seek> SealReader<R> {
    /// Moves to plaintext byte `offset` (a resumed upload), decrypting only the chunk it falls in.
    pub fn seek_plain(&mut self, offset: u64) -> io::Result<()> {
        let chunk = offset / PLAIN_CHUNK as u64;
        self.inner
            .seek(SeekFrom::Start(HEADER as u64 + chunk * SEALED_CHUNK as u64))?;
        self.counter = chunk;
        self.done = false;
        self.next_chunk()?;
        self.pos = ((offset % PLAIN_CHUNK as u64) as usize).min(self.buf.len());
        Ok(())
    }
}

impl<R: Read> Read for SealReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
