/*
 * Casebook's crypto provider for SQLCipher: the same algorithms as SQLCipher's own OpenSSL provider (AES-256-CBC,
 * HMAC-SHA1/256/512, PBKDF2, OpenSSL's random bytes), so the files it writes and reads are byte for byte the format
 * the stock provider writes and reads. What differs is only what is done once instead of on every page.
 *
 * The stock provider, deliberately minimal, looks up the HMAC implementation and its digest, and makes a new cipher
 * context whose AES implementation OpenSSL 3.0 looks up again, for every page it encrypts, decrypts or
 * authenticates, and takes a global lock around each page's random IV. Here the AES and HMAC implementations are
 * fetched once, when the provider is registered, and each database connection's codec keeps its own cipher context
 * and one HMAC context per digest (SQLCipher calls a codec from one thread at a time), keyed afresh on every call.
 * OpenSSL 3's random generator is thread-safe on its own, so the IV takes no lock.
 *
 * SQLCipher invites this: its reference provider says a faster one should be written from it, and takes one through
 * sqlcipher_register_provider(). It is registered when the program is loaded (a constructor, so the Rust side needs
 * no unsafe call), before any database is keyed; every codec made from then on uses it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_NOMEM 7

/* SQLCipher's algorithm numbers (sqlcipher.h). */
#define SQLCIPHER_HMAC_SHA1 0
#define SQLCIPHER_HMAC_SHA256 1
#define SQLCIPHER_HMAC_SHA512 2
#define SQLCIPHER_PBKDF2_HMAC_SHA1 0
#define SQLCIPHER_PBKDF2_HMAC_SHA256 1
#define SQLCIPHER_PBKDF2_HMAC_SHA512 2
#define DIGESTS 3

/* SQLCipher's provider interface, as declared in sqlcipher.h (4.x). */
typedef struct sqlcipher_provider sqlcipher_provider;
struct sqlcipher_provider {
  int (*init)(void);
  void (*shutdown)(void);
  const char *(*get_provider_name)(void *ctx);
  int (*add_random)(void *ctx, const void *buffer, int length);
  int (*random)(void *ctx, void *buffer, int length);
  int (*hmac)(void *ctx, int algorithm, const unsigned char *hmac_key, int key_sz, const unsigned char *in,
              int in_sz, const unsigned char *in2, int in2_sz, unsigned char *out);
  int (*kdf)(void *ctx, int algorithm, const unsigned char *pass, int pass_sz, const unsigned char *salt,
             int salt_sz, int workfactor, int key_sz, unsigned char *key);
  int (*cipher)(void *ctx, int mode, const unsigned char *key, int key_sz, const unsigned char *iv,
                const unsigned char *in, int in_sz, unsigned char *out);
  const char *(*get_cipher)(void *ctx);
  int (*get_key_sz)(void *ctx);
  int (*get_iv_sz)(void *ctx);
  int (*get_block_sz)(void *ctx);
  int (*get_hmac_sz)(void *ctx, int algorithm);
  int (*ctx_init)(void **ctx);
  int (*ctx_free)(void **ctx);
  int (*fips_status)(void *ctx);
  const char *(*get_provider_version)(void *ctx);
  sqlcipher_provider *next;
};

int sqlcipher_register_provider(sqlcipher_provider *p);
void *sqlcipher_malloc(unsigned long long size);
int sqlite3_initialize(void);
int sqlite3_open(const char *filename, void **db);
int sqlite3_exec(void *db, const char *sql, void *callback, void *arg, char **errmsg);
int sqlite3_close(void *db);

static EVP_CIPHER *aes_256_cbc;
static EVP_MAC *hmac_impl;
static const char *const digest_names[DIGESTS] = {"SHA1", "SHA256", "SHA512"};
static const int digest_sizes[DIGESTS] = {20, 32, 64};

/* One codec's contexts, made when first needed. */
typedef struct {
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *hmac[DIGESTS];
} codec_ctx;

/* Fetched when the first codec is made, not at load: a program that never opens an encrypted file never asks. */
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch(void) {
  aes_256_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
  hmac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static const char *provider_name(void *ctx) {
  (void)ctx;
  return "casebook-openssl";
}

static const char *provider_version(void *ctx) {
  (void)ctx;
  return OpenSSL_version(OPENSSL_VERSION);
}

static int add_random(void *ctx, const void *buffer, int length) {
  (void)ctx;
  RAND_add(buffer, length, 0);
  return SQLITE_OK;
}

static int random_bytes(void *ctx, void *buffer, int length) {
  (void)ctx;
  return RAND_bytes((unsigned char *)buffer, length) == 1 ? SQLITE_OK : SQLITE_ERROR;
}

static EVP_MAC_CTX *hmac_ctx(codec_ctx *c, int algorithm) {
  if (c->hmac[algorithm]) return c->hmac[algorithm];
  EVP_MAC_CTX *m = EVP_MAC_CTX_new(hmac_impl);
  if (!m) return NULL;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", (char *)digest_names[algorithm], 0),
      OSSL_PARAM_construct_end(),
  };
  if (!EVP_MAC_CTX_set_params(m, params)) {
    EVP_MAC_CTX_free(m);
    return NULL;
  }
  c->hmac[algorithm] = m;
  return m;
}

static int hmac(void *ctx, int algorithm, const unsigned char *hmac_key, int key_sz, const unsigned char *in,
                int in_sz, const unsigned char *in2, int in2_sz, unsigned char *out) {
  codec_ctx *c = ctx;
  if (!c || !in || algorithm < 0 || algorithm >= DIGESTS) return SQLITE_ERROR;
  EVP_MAC_CTX *m = hmac_ctx(c, algorithm);
  if (!m) return SQLITE_ERROR;
  size_t written = 0;
  /* A key given to init starts a fresh HMAC with it, whatever the context computed before. */
  if (!EVP_MAC_init(m, hmac_key, (size_t)key_sz, NULL)) return SQLITE_ERROR;
  if (!EVP_MAC_update(m, in, (size_t)in_sz)) return SQLITE_ERROR;
  if (in2 && !EVP_MAC_update(m, in2, (size_t)in2_sz)) return SQLITE_ERROR;
  if (!EVP_MAC_final(m, out, &written, (size_t)digest_sizes[algorithm])) return SQLITE_ERROR;
  return written == (size_t)digest_sizes[algorithm] ? SQLITE_OK : SQLITE_ERROR;
}

static int kdf(void *ctx, int algorithm, const unsigned char *pass, int pass_sz, const unsigned char *salt,
               int salt_sz, int workfactor, int key_sz, unsigned char *key) {
  (void)ctx;
  const EVP_MD *md;
  switch (algorithm) {
    case SQLCIPHER_PBKDF2_HMAC_SHA1: md = EVP_sha1(); break;
    case SQLCIPHER_PBKDF2_HMAC_SHA256: md = EVP_sha256(); break;
    case SQLCIPHER_PBKDF2_HMAC_SHA512: md = EVP_sha512(); break;
    default: return SQLITE_ERROR;
  }
  return PKCS5_PBKDF2_HMAC((const char *)pass, pass_sz, salt, salt_sz, workfactor, md, key_sz, key) == 1
             ? SQLITE_OK
             : SQLITE_ERROR;
}

static int page_cipher(void *ctx, int mode, const unsigned char *key, int key_sz, const unsigned char *iv,
                       const unsigned char *in, int in_sz, unsigned char *out) {
  codec_ctx *c = ctx;
  if (!c || key_sz != EVP_CIPHER_get_key_length(aes_256_cbc)) return SQLITE_ERROR;
  if (!c->cipher) {
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
    if (!e) return SQLITE_NOMEM;
    if (!EVP_CipherInit_ex2(e, aes_256_cbc, NULL, NULL, mode, NULL)) {
      EVP_CIPHER_CTX_free(e);
      return SQLITE_ERROR;
    }
    c->cipher = e;
  }
  /* The cipher stays; the key, IV and direction are set for this page. Pages are whole blocks: no padding. */
  if (!EVP_CipherInit_ex2(c->cipher, NULL, key, iv, mode, NULL)) return SQLITE_ERROR;
  if (!EVP_CIPHER_CTX_set_padding(c->cipher, 0)) return SQLITE_ERROR;
  int first = 0, last = 0;
  if (!EVP_CipherUpdate(c->cipher, out, &first, in, in_sz)) return SQLITE_ERROR;
  if (!EVP_CipherFinal_ex(c->cipher, out + first, &last)) return SQLITE_ERROR;
  return first + last == in_sz ? SQLITE_OK : SQLITE_ERROR;
}

static const char *cipher_name(void *ctx) {
  (void)ctx;
  return OBJ_nid2sn(EVP_CIPHER_get_nid(aes_256_cbc));
}

static int key_sz(void *ctx) {
  (void)ctx;
  return EVP_CIPHER_get_key_length(aes_256_cbc);
}

static int iv_sz(void *ctx) {
  (void)ctx;
  return EVP_CIPHER_get_iv_length(aes_256_cbc);
}

static int block_sz(void *ctx) {
  (void)ctx;
  return EVP_CIPHER_get_block_size(aes_256_cbc);
}

static int hmac_sz(void *ctx, int algorithm) {
  (void)ctx;
  return algorithm >= 0 && algorithm < DIGESTS ? digest_sizes[algorithm] : 0;
}

static int ctx_init(void **ctx) {
  pthread_once(&fetched, fetch);
  if (!aes_256_cbc || !hmac_impl) return SQLITE_ERROR;
  codec_ctx *c = calloc(1, sizeof *c);
  if (!c) return SQLITE_NOMEM;
  *ctx = c;
  return SQLITE_OK;
}

static int ctx_free(void **ctx) {
  codec_ctx *c = *ctx;
  if (c) {
    /* Both free functions wipe the key schedules and HMAC states they hold. */
    EVP_CIPHER_CTX_free(c->cipher);
    for (int i = 0; i < DIGESTS; i++) EVP_MAC_CTX_free(c->hmac[i]);
    free(c);
  }
  *ctx = NULL;
  return SQLITE_OK;
}

static int fips_status(void *ctx) {
  (void)ctx;
  return 0;
}

/* Installs the provider as SQLCipher's default. SQLite is initialized first: that sets up SQLCipher's locks and its
 * memory, from which the provider is allocated (SQLCipher frees every registered provider at shutdown), and registers
 * the stock provider, which stays behind this one in SQLCipher's list. A failure leaves the stock provider in use. */
__attribute__((constructor)) static void install(void) {
  if (sqlite3_initialize() != SQLITE_OK) return;
  sqlcipher_provider *p = sqlcipher_malloc(sizeof *p);
  if (!p) return;
  memset(p, 0, sizeof *p);
  p->get_provider_name = provider_name;
  p->add_random = add_random;
  p->random = random_bytes;
  p->hmac = hmac;
  p->kdf = kdf;
  p->cipher = page_cipher;
  p->get_cipher = cipher_name;
  p->get_key_sz = key_sz;
  p->get_iv_sz = iv_sz;
  p->get_block_sz = block_sz;
  p->get_hmac_sz = hmac_sz;
  p->ctx_init = ctx_init;
  p->ctx_free = ctx_free;
  p->fips_status = fips_status;
  p->get_provider_version = provider_version;
  sqlcipher_register_provider(p);

  /* A key sets a codec's page layout as it is given: with SQLCipher's default HMAC-SHA512 a new database reserves
   * 80 bytes a page, and SQLite never shrinks a reserve, so choosing SHA-256 after the key would leave 32 of them
   * unused. New codecs start with the HMAC the store makes databases with (cipher::PageMac); a database encrypted
   * before is keyed with SHA-512 explicitly. */
  void *db = NULL;
  if (sqlite3_open(":memory:", &db) == SQLITE_OK)
    sqlite3_exec(db, "PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256", NULL, NULL, NULL);
  sqlite3_close(db);
}
