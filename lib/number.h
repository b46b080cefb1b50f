/* Decimal numbers from text that must be exactly a number (uids, pids,
 * option values): OpenBSD's strtonum, returning an error code. */
#ifndef LIB_NUMBER_H
#define LIB_NUMBER_H

/* s is an optional '-' (only when min < 0) and decimal digits, nothing
 * else (no spaces, no '+', no base prefix), with min <= value <= max.
 * 0 with *out set, -EINVAL (not a number) or -ERANGE (out of range). */
int number_parse(const char *s, long long min, long long max, long long *out);
/* "not a number" or "out of range" for an error from number_parse. */
const char *number_strerror(int err);

#endif
