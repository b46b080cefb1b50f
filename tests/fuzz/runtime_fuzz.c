/* The kernel runtime's statistics, histograms, maps, arithmetic and string
 * helpers (runtime/, built in user space by tests/unit/kstub.h), driven by
 * arbitrary bytes as a user's parameters and target memory would drive
 * them: nothing may leave its buffer or overflow a signed integer.
 *
 * Input: a header picking the histogram (type, start, stop, interval),
 * then 9-byte operations: one opcode byte and one 64-bit value. */
#include "tests/unit/kstub.h"

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static int64_t fuzz_i64(struct fuzz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8 && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return (int64_t)v;
}

static uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t b = in->n ? *in->p : 0;

	if (in->n) {
		in->p++;
		in->n--;
	}
	return b;
}

/* A few strings made from the value's bytes and the remaining input. */
static void fuzz_strings(struct stp_context *c, struct fuzz_in *in, int64_t v)
{
	char a[MAXSTRINGLEN], b[MAXSTRINGLEN], out[MAXSTRINGLEN];
	size_t la = in->n < MAXSTRINGLEN - 1 ? in->n : MAXSTRINGLEN - 1;

	memcpy(a, in->p, la);
	a[la] = '\0';
	snprintf(b, sizeof b, "%c%c", (char)(v | 1), (char)((v >> 8) | 1));
	stp_text_strn(out, a, v % 1024, v & 1);
	stp_substr(out, a, v, v >> 32);
	stp_str_replace(out, a, b, a);
	stp_concat(out, a, a);
	stp_stringat(c, a, v, "fuzz");
	stp_tokenize(c, out, a, b);
	stp_tokenize(c, out, "", b);
	stp_case(out, a, v & 1);
	stp_strtol(c, a, v & 63, "fuzz");
	c->abort = STP_ABORT_NONE;
}

static void fuzz_op(struct stp_context *c, struct stp_map *m, uint8_t op, int64_t v,
		    struct fuzz_in *in)
{
	union stp_key k = {.n = v & 15};

	switch (op % 8) {
	case 0:
		stp_map_stat_add(c, m, &k, v, "fuzz");
		break;
	case 1:
		stp_div(c, v, (int64_t)(v >> 56) - 1, op & 8, "fuzz");
		break;
	case 2:
		stp_shl(v, v >> 8);
		stp_shr(v, v >> 8);
		break;
	case 3:
		stp_printf(c, "[%*lld|%.*s]", stp_fmt_star(v), (long long)v, stp_fmt_star(v >> 3),
			   "xyz");
		break;
	case 4:
		stp_map_delete(m, &k);
		break;
	case 5:
		fuzz_strings(c, in, v);
		break;
	default: {
		struct stp_stat *s = stp_map_get_stat(m, &k);

		for (int i = STP_COUNT; i <= STP_AVG; i++)
			stp_stat_get(c, s, i, "fuzz");
		stp_hist_print(c, &m->hist, s);
		stp_flush(c);
		kstub_out_reset();
	}
	}
	c->abort = STP_ABORT_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct stp_context *c = kstub_context();
	struct stp_map m;
	enum stp_hist_type type = fuzz_u8(&in) % 3;
	int64_t start = fuzz_i64(&in), stop = fuzz_i64(&in), interval = fuzz_i64(&in);

	memset(&m, 0, sizeof m);
	if (stp_hist_init(&m.hist, type, start, stop, interval) != 0)
		return 0;
	if (stp_map_init(&m, "fuzz", "l", STP_V_STAT, 8) != 0)
		abort();
	while (in.n) {
		uint8_t op = fuzz_u8(&in);

		fuzz_op(c, &m, op, fuzz_i64(&in), &in);
	}
	stp_flush(c);
	kstub_out_reset();
	stp_map_free(&m);
	return 0;
}
