/* The runtime's arithmetic, statistics, maps, strings and printf helpers
 * (runtime/stp_*.c) built in user space, where ASan and UBSan can watch
 * them: a thin stand-in for the few kernel interfaces they use, then the
 * runtime files themselves.  One probe context, one CPU; the transport's
 * output functions append to kstub_out.  Used by tests/unit/runtime_test.c
 * and tests/fuzz/runtime_fuzz.c. */
#ifndef KSTUB_H
#define KSTUB_H

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define U32_MAX UINT32_MAX
#define GFP_KERNEL 0
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)
#define ALIGN(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))

typedef struct {
	int counter;
} atomic_t;
#define ATOMIC_INIT(i)                                                                             \
	{                                                                                          \
		(i)                                                                                \
	}
static inline int atomic_read(const atomic_t *a)
{
	return a->counter;
}
static inline void atomic_set(atomic_t *a, int v)
{
	a->counter = v;
}
static inline int atomic_inc_return(atomic_t *a)
{
	return ++a->counter;
}
static inline void atomic_inc(atomic_t *a)
{
	a->counter++;
}
static inline void atomic_dec(atomic_t *a)
{
	a->counter--;
}
static inline int atomic_xchg(atomic_t *a, int v)
{
	int old = a->counter;

	a->counter = v;
	return old;
}

struct rnd_state {
	uint32_t s;
};
static inline uint64_t get_random_u64(void)
{
	return 0x9e3779b97f4a7c15ull;
}
static inline void prandom_seed_state(struct rnd_state *r, uint64_t seed)
{
	r->s = (uint32_t)(seed ^ seed >> 32) | 1;
}
static inline uint32_t prandom_u32_state(struct rnd_state *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 17;
	r->s ^= r->s << 5;
	return r->s;
}

static unsigned int nr_cpu_ids = 1;
#define for_each_possible_cpu(c) for ((c) = 0; (c) < nr_cpu_ids; (c)++)
static inline void *vzalloc(size_t n)
{
	return calloc(1, n);
}
static inline void vfree(const void *p)
{
	free((void *)p);
}
static inline void *kcalloc(size_t n, size_t size, int gfp)
{
	(void)gfp;
	return calloc(n, size);
}
static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline int64_t div64_s64(int64_t a, int64_t b)
{
	return a / b;
}
static inline uint64_t div64_u64(uint64_t a, uint64_t b)
{
	return a / b;
}
static inline int fls64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Not the kernel's jhash: any deterministic mix serves the maps. */
static inline u32 jhash(const void *key, u32 len, u32 seed)
{
	const unsigned char *p = key;
	u32 h = seed ^ 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}
static inline u32 jhash_2words(u32 a, u32 b, u32 seed)
{
	return jhash(&a, 4, jhash(&b, 4, seed));
}

/* The kernel's sort_r contract (cmp gets priv; swap NULL: generic). */
static inline void sort_r(void *base, size_t num, size_t size,
			  int (*cmp)(const void *, const void *, const void *), void *swap,
			  const void *priv)
{
	char *b = base, tmp[64];

	(void)swap;
	if (size > sizeof tmp)
		abort();
	for (size_t i = 1; i < num; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size, priv) > 0; j--) {
			memcpy(tmp, b + j * size, size);
			memcpy(b + j * size, b + (j - 1) * size, size);
			memcpy(b + (j - 1) * size, tmp, size);
		}
}

/* The kernel's string helpers, by their kernel contracts. */
static inline ssize_t kstub_strscpy(char *dst, const char *src, size_t n)
{
	size_t l = strnlen(src, n);

	if (!n)
		return -E2BIG;
	if (l == n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, l + 1);
	return (ssize_t)l;
}
#define strscpy kstub_strscpy
static inline size_t kstub_strlcat(char *dst, const char *src, size_t n)
{
	size_t d = strnlen(dst, n), s = strlen(src);

	if (d == n)
		return n + s;
	if (s < n - d) {
		memcpy(dst + d, src, s + 1);
	} else {
		memcpy(dst + d, src, n - d - 1);
		dst[n - 1] = '\0';
	}
	return d + s;
}
#define strlcat kstub_strlcat
static inline int vscnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	int r = vsnprintf(buf, n, fmt, ap);

	if (r < 0 || !n)
		return 0;
	return (size_t)r >= n ? (int)n - 1 : r;
}
static inline __printf(3, 4) int scnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vscnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
static inline long long simple_strtoll(const char *s, char **end, unsigned int base)
{
	return strtoll(s, end, (int)base);
}

/* The transport, as transport.h declares it: output goes to kstub_out. */
static char kstub_out[1 << 16];
static size_t kstub_out_len;
static int kstub_exit_requested;

static void kstub_append(const char *buf, size_t len)
{
	size_t room = sizeof kstub_out - 1 - kstub_out_len;

	if (len > room)
		len = room;
	memcpy(kstub_out + kstub_out_len, buf, len);
	kstub_out_len += len;
	kstub_out[kstub_out_len] = '\0';
}
static void stp_print(const char *buf, size_t len)
{
	kstub_append(buf, len);
}
static void stp_warn_msg(const char *buf, size_t len)
{
	kstub_append(buf, len);
}
static void stp_error_msg(const char *buf, size_t len)
{
	kstub_append(buf, len);
}
static void stp_request_exit(void)
{
	kstub_exit_requested = 1;
}
static void __maybe_unused kstub_out_reset(void)
{
	kstub_out_len = 0;
	kstub_out[0] = '\0';
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
/* The kernel builds these files without -Wextra's unused-parameter. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "runtime/stp_limits.h"
#include "runtime/stp_context.c"
#include "runtime/stp_string.c"
#include "runtime/stp_arith.c"
#include "runtime/stp_stat.c"
#include "runtime/stp_map.c"
#pragma GCC diagnostic pop

/* A probe context of the one CPU, as stp_probe_run leaves it for a body. */
static inline struct stp_context *kstub_context(void)
{
	static struct stp_context *c;

	if (!c) {
		c = calloc(1, sizeof *c);
		c->frames = calloc(1, STP_FRAME_BYTES);
		if (!c->frames)
			abort();
	}
	c->abort = STP_ABORT_NONE;
	c->actions = 0;
	c->nesting = 0;
	c->frame_used = 0;
	c->out_len = 0;
	c->err_loc = NULL;
	c->pp = "kstub";
	return c;
}

#endif
