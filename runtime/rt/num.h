/* Numbers and hashing for the Aura runtime: float printing and parsing, sha256.
 * Freestanding C (no libc), compiled for wasm32 and x86-64 with the rest of runtime/rt. */
#ifndef AURA_RT_NUM_H
#define AURA_RT_NUM_H

/* Writes x as Rust's `{:?}` for f64 does (shortest round-trip digits, Rust's tie rule,
 * `1.0`, `0.1`, `1e300`, `1e-7`, `inf`, `-inf`, `NaN`, `-0.0`). buf has room for 40 bytes.
 * Returns the number of bytes written (no terminating zero). */
int rt_fmt_f64(double x, char *buf);

/* Parses the decimal float text s[0..len) (optional sign, digits, optional fraction, optional
 * exponent; no spaces; `inf`/`NaN` not accepted), correctly rounded to nearest-even.
 * Returns 1 and stores *out on success, 0 when the text is not a number. */
int rt_parse_f64(const char *s, unsigned long len, double *out);

/* sha256 of data[0..len) into out[0..32). */
void rt_sha256(const unsigned char *data, unsigned long len, unsigned char out[32]);

#endif
