//! The encrypted database's pages go through Casebook's own SQLCipher provider (`csrc/page_crypto.c`), and stay
//! SQLCipher 4's format: a file SQLCipher's stock provider wrote opens, reads and takes writes, and every page this
//! build writes is read back by an independent reader of the format written here from its specification (AES-256-CBC
//! under the raw key, a random IV and an HMAC in each page's reserved tail, the HMAC key derived from the file's salt
//! with PBKDF2-HMAC-SHA512). A store made now authenticates its pages with HMAC-SHA256, one made before with
//! HMAC-SHA512 (`cipher::PageMac`).

use std::path::Path;

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, KeyInit};
use casebook_store::cipher::DataKey;
use casebook_store::Store;
use rusqlite::Connection;

const PAGE: usize = 4096;
const SALT: usize = 16;
const IV: usize = 16;

/// A page's HMAC: SQLCipher 4's default, or what this build's stores use.
#[derive(Clone, Copy)]
enum Mac {
    Sha512,
    Sha256,
}

impl Mac {
    fn len(self) -> usize {
        match self {
            Mac::Sha512 => 64,
            Mac::Sha256 => 32,
        }
    }

    fn algorithm(self) -> ring::hmac::Algorithm {
        match self {
            Mac::Sha512 => ring::hmac::HMAC_SHA512,
            Mac::Sha256 => ring::hmac::HMAC_SHA256,
        }
    }

    /// The bytes at the end of each page: the IV, then the HMAC.
    fn reserve(self) -> usize {
        IV + self.len()
    }
}

/// A copy of a database SQLCipher 4.19 wrote with its stock OpenSSL provider (how: `tests/fixtures/README.md`).
const STOCK_FIXTURE: &str = "tests/fixtures/sqlcipher-4.19-stock-provider.db";
const STOCK_KEY: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];

/// Every page of an encrypted database file, authenticated with `mac` and decrypted by SQLCipher 4's rules (4 KiB
/// pages, PBKDF2-HMAC-SHA512 with 2 rounds for the HMAC key, page numbers little-endian). Page 1's first 16 bytes
/// are the salt, in clear; its plaintext is returned from byte 16 on, like SQLCipher's.
fn read_pages(file: &[u8], key: &[u8; 32], mac: Mac) -> Result<Vec<Vec<u8>>, String> {
    if file.is_empty() || !file.len().is_multiple_of(PAGE) {
        return Err(format!("{} bytes is no whole number of pages", file.len()));
    }
    let salt = &file[..SALT];
    let mac_salt: Vec<u8> = salt.iter().map(|b| b ^ 0x3a).collect();
    let mut mac_key = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA512,
        std::num::NonZeroU32::new(2).unwrap(),
        &mac_salt,
        key,
        &mut mac_key,
    );
    let mac_key = ring::hmac::Key::new(mac.algorithm(), &mac_key);
    let aes = aes::Aes256::new(GenericArray::from_slice(key));
    let mut pages = Vec::new();
    for (i, page) in file.chunks(PAGE).enumerate() {
        let number = u32::try_from(i + 1).unwrap();
        let start = if number == 1 { SALT } else { 0 };
        let (body, tail) = page.split_at(PAGE - mac.reserve());
        let (iv, tag) = tail.split_at(IV);
        let mut signed = page[start..PAGE - mac.len()].to_vec();
        signed.extend_from_slice(&number.to_le_bytes());
        ring::hmac::verify(&mac_key, &signed, tag)
            .map_err(|_| format!("page {number} fails its HMAC"))?;
        // CBC by hand: each plaintext block is the block's decryption XOR the ciphertext block before it.
        let mut previous: [u8; 16] = iv.try_into().unwrap();
        let mut plain = Vec::with_capacity(body.len() - start);
        for block in body[start..].chunks(16) {
            let mut b = GenericArray::clone_from_slice(block);
            aes.decrypt_block(&mut b);
            plain.extend(b.iter().zip(previous).map(|(x, p)| x ^ p));
            previous = block.try_into().unwrap();
        }
        pages.push(plain);
    }
    Ok(pages)
}

fn contains(pages: &[Vec<u8>], needle: &str) -> bool {
    pages
        .iter()
        .any(|p| p.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

/// A raw connection keyed for SQLCipher 4's default page HMAC, SHA-512, as a database encrypted before.
fn keyed(path: &Path, key: &[u8; 32]) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; PRAGMA cipher_hmac_algorithm = HMAC_SHA512;",
        hex::encode(key)
    ))
    .unwrap();
    conn
}

fn provider(conn: &Connection) -> String {
    conn.query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_encrypted_store_is_keyed_through_casebooks_provider() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_keyed(
        &dir.path().join("casebook.db"),
        Some(&DataKey::from_bytes([9; 32])),
    )
    .unwrap();
    assert_eq!(provider(store.conn()), "casebook-openssl");
}

#[test]
fn a_database_sqlciphers_own_provider_wrote_opens_reads_and_takes_writes() {
    let fixture = std::fs::read(STOCK_FIXTURE).unwrap();
    // The independent reader agrees with the stock provider, so it can judge this build's pages below.
    let stock = read_pages(&fixture, &STOCK_KEY, Mac::Sha512).unwrap();
    assert!(contains(
        &stock,
        "stock note 200: lateral movement from WKS-FIN-200"
    ));
    assert_eq!(
        &stock[0][..2],
        &[0x10, 0x00],
        "page size in page 1's header"
    );
    assert_eq!(
        stock[0][4],
        Mac::Sha512.reserve() as u8,
        "reserved bytes in page 1's header"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stock.db");
    std::fs::write(&path, &fixture).unwrap();
    {
        let conn = keyed(&path, &STOCK_KEY);
        assert_eq!(provider(&conn), "casebook-openssl");
        let (rows, last): (i64, String) = conn
            .query_row(
                "SELECT count(*), (SELECT body FROM notes WHERE n = 200) FROM notes",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(rows, 200);
        assert_eq!(last, "stock note 200: lateral movement from WKS-FIN-200");
        conn.execute(
            "INSERT INTO notes (n, body) VALUES (201, 'written by casebook-openssl')",
            [],
        )
        .unwrap();
    }
    let written = read_pages(&std::fs::read(&path).unwrap(), &STOCK_KEY, Mac::Sha512).unwrap();
    assert!(contains(&written, "written by casebook-openssl"));
    assert!(contains(
        &written,
        "stock note 1: lateral movement from WKS-FIN-001"
    ));
    let conn = keyed(&path, &STOCK_KEY);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn every_page_a_store_writes_is_sqlcipher_4s_format_with_sha256_and_a_changed_byte_fails_its_hmac()
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casebook.db");
    let key = [0x5a; 32];
    {
        let store = Store::open_keyed(&path, Some(&DataKey::from_bytes(key))).unwrap();
        store
            .conn()
            .execute_batch(
                "CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL);
                 INSERT INTO notes (body) VALUES ('beacon to 203.0.113.77 every 60 s');
                 WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 500)
                 INSERT INTO notes (body) SELECT 'filler row ' || n FROM k;",
            )
            .unwrap();
    }
    // Closed: the log was copied into the file and removed, so every page is in the file.
    let mut file = std::fs::read(&path).unwrap();
    assert!(file.len() > 4 * PAGE, "a few pages at least");
    assert!(
        read_pages(&file, &key, Mac::Sha512).is_err(),
        "a new store's pages are not SHA-512's"
    );
    let pages = read_pages(&file, &key, Mac::Sha256).unwrap();
    assert_eq!(&pages[0][..2], &[0x10, 0x00]);
    assert_eq!(pages[0][4], Mac::Sha256.reserve() as u8);
    assert!(contains(&pages, "beacon to 203.0.113.77 every 60 s"));
    assert!(contains(&pages, "filler row 500"));
    // Not the raw file: the text is only in the decrypted pages.
    assert!(!contains(&[file.clone()], "beacon to 203.0.113.77"));

    // The reader checks what it reads: one byte changed in the last page's ciphertext is refused.
    let at = file.len() - PAGE + 100;
    file[at] ^= 1;
    let refused = read_pages(&file, &key, Mac::Sha256).unwrap_err();
    assert!(refused.contains("fails its HMAC"), "{refused}");
}

#[test]
fn a_store_encrypted_before_with_sha512_opens_and_keeps_its_format_and_a_wrong_key_still_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casebook.db");
    std::fs::write(&path, std::fs::read(STOCK_FIXTURE).unwrap()).unwrap();
    let key = DataKey::from_bytes(STOCK_KEY);
    assert!(casebook_store::cipher::key_opens(&path, &key).unwrap());
    assert!(!casebook_store::cipher::key_opens(&path, &DataKey::from_bytes([1; 32])).unwrap());
    {
        // The store's schema is made in it: the migrations write pages, in the file's own format.
        let store = Store::open_keyed(&path, Some(&key)).unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 200);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
    let pages = read_pages(&std::fs::read(&path).unwrap(), &STOCK_KEY, Mac::Sha512).unwrap();
    assert!(contains(
        &pages,
        "stock note 7: lateral movement from WKS-FIN-007"
    ));
    let wrong = Store::open_keyed(&path, Some(&DataKey::from_bytes([1; 32]))).err();
    assert!(
        matches!(wrong, Some(casebook_store::StoreError::WrongKey)),
        "{wrong:?}"
    );
}
