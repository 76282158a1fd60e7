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

#endif
