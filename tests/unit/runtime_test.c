/* The kernel runtime's arithmetic, statistics, maps and string helpers
 * (runtime/), in user space under ASan and UBSan (tests/unit/kstub.h):
 * every value a user can set must give a defined result and stay inside
 * its buffers. */
#include "tests/unit/kstub.h"
#include "tests/unit/unit.h"

static const int64_t edge[] = {
    INT64_MIN, INT64_MIN + 1, -1000,	     -901,     -900, -51, -50, -1, 0, 1, 49, 50, 51,
    99,	       1000,	      INT64_MAX - 1, INT64_MAX};
#define NEDGE (sizeof edge / sizeof edge[0])

/* The bucket stap gives v, in 128-bit arithmetic that cannot overflow. */
static int ref_linear_bucket(const struct stp_hist *h, int64_t v)
{
	__int128 q;

	if (v < h->start)
		return 0;
	q = ((__int128)v - h->start) / h->interval + 1;
	return q > h->buckets - 1 ? h->buckets - 1 : (int)q;
}

static struct stp_stat *stat_new(const struct stp_hist *h)
{
	return calloc(1, stp_stat_size(h));
}

/* Each value lands in the one bucket stap gives it, never outside hist[]. */
static int linear_buckets_ok(int64_t start, int64_t stop, int64_t interval)
{
	struct stp_hist h;
	struct stp_stat *s;
	int64_t total = 0;

	if (stp_hist_init(&h, STP_HIST_LINEAR, start, stop, interval))
		return 0;
	s = stat_new(&h);
	for (size_t i = 0; i < NEDGE; i++) {
		int b = ref_linear_bucket(&h, edge[i]);
		int64_t before = s->hist[b];

		stp_stat_add(&h, s, edge[i]);
		if (s->hist[b] != before + 1) {
			free(s);
			return 0;
		}
	}
	for (int i = 0; i < h.buckets; i++)
		total += s->hist[i];
	free(s);
	return total == (int64_t)NEDGE;
}

TEST(linear_hist_extreme_values_stay_in_range)
{
	CHECK(linear_buckets_ok(-50, 50, 10));
	CHECK(linear_buckets_ok(-1000, -900, 10));
	CHECK(linear_buckets_ok(0, 100, 10));
	CHECK(linear_buckets_ok(INT64_MIN, INT64_MIN + 100, 1));
	CHECK(linear_buckets_ok(INT64_MAX - 100, INT64_MAX, 1));
	CHECK(linear_buckets_ok(INT64_MIN, INT64_MAX, INT64_C(1) << 58));
}

TEST(linear_hist_bounds_refused_when_too_many_buckets)
{
	struct stp_hist h;

	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, INT64_MIN, INT64_MAX, 1) == -EINVAL);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, INT64_MIN, INT64_MAX, INT64_MAX / 64) == -EINVAL);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, 0, 10, 0) == -EINVAL);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, 0, 10, -1) == -EINVAL);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, 10, 10, 1) == -EINVAL);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, 0, STP_MAX_BUCKETS - 3, 1) == 0);
	CHECK(h.buckets == STP_MAX_BUCKETS);
	CHECK(stp_hist_init(&h, STP_HIST_LINEAR, 0, STP_MAX_BUCKETS - 2, 1) == -EINVAL);
}

TEST(log_hist_extremes)
{
	CHECK(stp_log_bucket(INT64_MIN) == 0);
	CHECK(stp_log_bucket(INT64_MAX) == STP_HIST_LOG_BUCKETS - 1);
	CHECK(stp_log_bucket(0) == STP_HIST_LOG_BUCKET0);
	CHECK(stp_log_value(0) == INT64_MIN);
	CHECK(stp_log_value(STP_HIST_LOG_BUCKETS - 1) == INT64_C(1) << 62);
	for (size_t i = 0; i < NEDGE; i++) {
		int b = stp_log_bucket(edge[i]);

		CHECK(b >= 0 && b < STP_HIST_LOG_BUCKETS);
	}
}

TEST(sum_and_avg_wrap_like_stap)
{
	struct stp_hist h;
	struct stp_stat *s;
	struct stp_context *c = kstub_context();

	stp_hist_init(&h, STP_HIST_NONE, 0, 0, 0);
	s = stat_new(&h);
	stp_stat_add(&h, s, INT64_MAX);
	stp_stat_add(&h, s, INT64_MAX);
	CHECK(stp_stat_get(c, s, STP_SUM, "t") == -2);
	CHECK(stp_stat_get(c, s, STP_AVG, "t") == -1);
	stp_stat_add(&h, s, INT64_MIN);
	stp_stat_add(&h, s, INT64_MIN);
	CHECK(stp_stat_get(c, s, STP_MIN, "t") == INT64_MIN);
	CHECK(stp_stat_get(c, s, STP_MAX, "t") == INT64_MAX);
	CHECK(stp_stat_get(c, s, STP_COUNT, "t") == 4);
	free(s);
}

TEST(hist_print_of_extremes)
{
	struct stp_context *c = kstub_context();
	struct stp_hist h;
	struct stp_stat *s;

	kstub_out_reset();
	stp_hist_init(&h, STP_HIST_LINEAR, -50, 50, 10);
	s = stat_new(&h);
	stp_stat_add(&h, s, INT64_MAX);
	stp_stat_add(&h, s, INT64_MIN);
	stp_hist_print(c, &h, s);
	stp_flush(c);
	CHECK(strstr(kstub_out, ">50 |@"));
	CHECK(strstr(kstub_out, "<-50 |@"));
	free(s);
	kstub_out_reset();
	stp_hist_init(&h, STP_HIST_LOG, 0, 0, 0);
	s = stat_new(&h);
	stp_stat_add(&h, s, INT64_MAX);
	stp_stat_add(&h, s, INT64_MIN);
	stp_hist_print(c, &h, s);
	stp_flush(c);
	CHECK(strstr(kstub_out, "4611686018427387904 |@"));
	CHECK(strstr(kstub_out, "-9223372036854775808 |@"));
	free(s);
	kstub_out_reset();
	stp_hist_init(&h, STP_HIST_LINEAR, INT64_MAX - 100, INT64_MAX, 1);
	s = stat_new(&h);
	stp_stat_add(&h, s, INT64_MAX);
	stp_hist_print(c, &h, s);
	stp_flush(c);
	CHECK(strstr(kstub_out, "9223372036854775807 |@"));
	free(s);
}

TEST(division_never_traps)
{
	struct stp_context *c = kstub_context();

	CHECK(stp_div(c, INT64_MIN, -1, false, "t") == INT64_MIN);
	CHECK(stp_div(c, INT64_MIN, -1, true, "t") == 0);
	CHECK(stp_div(c, 7, -2, false, "t") == -3);
	CHECK(stp_div(c, 7, -2, true, "t") == 1);
	CHECK(!c->abort);
	CHECK(stp_div(c, 1, 0, false, "t") == 0);
	CHECK(c->abort == STP_ABORT_ERROR);
	CHECK(strcmp(c->err_msg, "division by 0") == 0);
}

TEST(shifts_take_the_count_modulo_64)
{
	CHECK(stp_shl(1, 64) == 1);
	CHECK(stp_shl(1, 63) == INT64_MIN);
	CHECK(stp_shl(1, -1) == INT64_MIN);
	CHECK(stp_shl(-1, 1) == -2);
	CHECK(stp_shr(INT64_MIN, 70) == INT64_MIN >> 6);
	CHECK(stp_shr(-1, INT64_MIN) == -1);
	CHECK(stp_shr(256, 4) == 16);
}

TEST(printf_star_is_clamped)
{
	CHECK(stp_fmt_star(100000000) == STP_FMT_STAR_MAX);
	CHECK(stp_fmt_star(-100000000) == -STP_FMT_STAR_MAX);
	CHECK(stp_fmt_star(INT64_MIN) == -STP_FMT_STAR_MAX);
	CHECK(stp_fmt_star(INT64_C(1) << 32) == STP_FMT_STAR_MAX);
	CHECK(stp_fmt_star(12) == 12);
	CHECK(stp_fmt_star(-3) == -3);
}

TEST(map_add_wraps)
{
	struct stp_context *c = kstub_context();
	struct stp_map m;
	union stp_key k = {.n = 1};

	memset(&m, 0, sizeof m);
	CHECK(stp_map_init(&m, "m", "l", STP_V_LONG, 4) == 0);
	stp_map_set_n(c, &m, &k, INT64_MAX, "t");
	CHECK(stp_map_add_n(c, &m, &k, 1, "t") == INT64_MIN);
	stp_map_free(&m);
}

TEST(string_helpers_stay_in_their_buffers)
{
	char src[MAXSTRINGLEN], dst[MAXSTRINGLEN];

	for (int i = 0; i < MAXSTRINGLEN - 1; i++)
		src[i] = (char)(i % 255 + 1);
	src[MAXSTRINGLEN - 1] = '\0';
	stp_text_strn(dst, src, -1, true);
	CHECK(strlen(dst) < MAXSTRINGLEN);
	CHECK(dst[0] == '"' && dst[strlen(dst) - 1] == '"');
	stp_substr(dst, src, INT64_MAX, INT64_MAX);
	CHECK(dst[0] == 0);
	stp_substr(dst, src, 1, INT64_MAX);
	CHECK(strlen(dst) == MAXSTRINGLEN - 2);
	stp_substr(dst, src, INT64_MIN, 3);
	CHECK(dst[0] == 0);
	stp_str_replace(dst, src, "\x01", "0123456789");
	CHECK(strlen(dst) == MAXSTRINGLEN - 1);
	stp_concat(dst, src, src);
	CHECK(strlen(dst) == MAXSTRINGLEN - 1);
}

TEST(printf_longer_than_the_output_buffer)
{
	struct stp_context *c = kstub_context();
	char big[STP_OUTBUF_BYTES + 100];

	kstub_out_reset();
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	stp_printf(c, "ab");
	stp_printf(c, "%s", big);
	stp_flush(c);
	CHECK(strncmp(kstub_out, "ab", 2) == 0);
	CHECK(kstub_out_len == 2 + STP_OUTBUF_BYTES - 1);
}
