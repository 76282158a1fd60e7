/*
 * Digests that scan compares against records: SHA-256 (allowlist entries,
 * wheel RECORD files, baselines) and MD5 (dpkg's md5sums and conffile
 * records). Written from FIPS 180-4 and RFC 1321.
 *
 * Ownership: every function writes into a buffer the caller provides.
 */
#ifndef SW_SCAN_HASH_H
#define SW_SCAN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SCAN_SHA256_LEN 32
#define SCAN_MD5_LEN 16

void scan_sha256(const void *data, size_t len, uint8_t out[SCAN_SHA256_LEN]);
void scan_md5(const void *data, size_t len, uint8_t out[SCAN_MD5_LEN]);

/* Lower-case hex of `len` bytes into `out` (2 * len + 1 bytes with the NUL). */
void scan_hex(const uint8_t *bytes, size_t len, char *out);

/* SHA-256 as lower-case hex, 65 bytes with the NUL. */
void scan_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * SHA-256 in the form of a wheel RECORD ("sha256=" + URL-safe base64 without
 * padding, PEP 376 and the wheel specification), 51 bytes with the NUL.
 */
void scan_sha256_record(const void *data, size_t len, char out[52]);

/*
 * SipHash with `c` compression and `d` finalisation rounds, keys k0 and k1
 * (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012).
 */
uint64_t scan_siphash(int c, int d, uint64_t k0, uint64_t k1, const void *data, size_t len);

/*
 * The source hash a checked hash-based .pyc (PEP 552 flags 3) holds, as
 * importlib.util.source_hash() computes it: SipHash keyed with the 4-byte
 * magic number (little-endian, k1 = 0), 2-4 rounds before 3.11 and 1-3
 * from 3.11 (CPython's _Py_KeyedHash), written little-endian into `out`.
 */
void scan_pyc_source_hash(unsigned magic, int minor, const void *data, size_t len, uint8_t out[8]);

#endif
