/* Statistics: count, sum, min, max and an optional histogram, guarded by the
 * owning global's lock (the handler holds it).  Histograms print exactly as
 * stap prints them: a "value |---- count" header, '@' bars scaled to
 * HIST_WIDTH, runs of empty buckets elided with '~'.
 *
 * Values come from users (parameters, target memory): the sum wraps like
 * stap's, and every bucket index is computed without signed overflow and
 * is within hist[] for every int64_t value. */

enum stp_hist_type { STP_HIST_NONE, STP_HIST_LOG, STP_HIST_LINEAR };

#define STP_HIST_LOG_BUCKETS 128
#define STP_HIST_LOG_BUCKET0 64

struct stp_hist {
	enum stp_hist_type type;
	int64_t start, stop, interval;
	int buckets;
	int variance_shift; /* -1: no @variance; else values scaled by 2^shift */
};

/* mean and m2: Welford's running mean and sum of squared deviations of
 * the values scaled by 2^variance_shift (kept only for @variance). */
struct stp_stat {
	int64_t count, sum, min, max, mean, m2;
	int64_t hist[];
};

static int stp_hist_init(struct stp_hist *h, enum stp_hist_type type, int64_t start, int64_t stop,
			 int64_t interval)
{
	h->type = type;
	h->variance_shift = -1;
	h->start = start;
	h->stop = stop;
	h->interval = interval;
	if (type == STP_HIST_LOG) {
		h->buckets = STP_HIST_LOG_BUCKETS;
	} else if (type == STP_HIST_LINEAR) {
		u64 n;

		if (interval <= 0 || stop <= start)
			return -EINVAL;
		n = div64_u64((u64)stop - (u64)start, (u64)interval);
		if (n > STP_MAX_BUCKETS - 3)
			return -EINVAL;
		/* one bucket each for underflow and overflow */
		h->buckets = (int)n + 3;
	} else {
		h->buckets = 0;
	}
	return 0;
}

static size_t stp_stat_size(const struct stp_hist *h)
{
	return sizeof(struct stp_stat) + h->buckets * sizeof(int64_t);
}

static int stp_log_bucket(int64_t v)
{
	int b;

	if (v == 0)
		return STP_HIST_LOG_BUCKET0;
	if (v > 0)
		return STP_HIST_LOG_BUCKET0 + fls64(v);
	b = fls64(-(uint64_t)v);
	return STP_HIST_LOG_BUCKET0 - b;
}

static int64_t stp_log_value(int b)
{
	if (b == STP_HIST_LOG_BUCKET0)
		return 0;
	if (b > STP_HIST_LOG_BUCKET0)
		return 1LL << (b - STP_HIST_LOG_BUCKET0 - 1);
	return (int64_t)(0 - (1ULL << (STP_HIST_LOG_BUCKET0 - b - 1)));
}

/* 1..buckets-2 in range, 0 below start, buckets-1 at or above the stop
 * bucket; v - start is taken unsigned (it may not fit in int64_t). */
static int stp_linear_bucket(const struct stp_hist *h, int64_t v)
{
	u64 q;

	if (v < h->start)
		return 0;
	q = div64_u64((u64)v - (u64)h->start, (u64)h->interval);
	return q >= (u64)(h->buckets - 2) ? h->buckets - 1 : (int)q + 1;
}

static void stp_stat_add(const struct stp_hist *h, struct stp_stat *s, int64_t v)
{
	int b;

	if (s->count == 0) {
		s->min = s->max = v;
	} else {
		s->min = min(s->min, v);
		s->max = max(s->max, v);
	}
	s->count++;
	s->sum = (int64_t)((u64)s->sum + (u64)v);
	if (h->variance_shift >= 0) {
		int64_t x = (int64_t)((u64)v << h->variance_shift);
		int64_t d = x - s->mean;

		s->mean += div64_s64(d, s->count);
		s->m2 = (int64_t)((u64)s->m2 + (u64)(d * (x - s->mean)));
	}
	if (h->type == STP_HIST_LOG)
		b = stp_log_bucket(v);
	else if (h->type == STP_HIST_LINEAR)
		b = stp_linear_bucket(h, v);
	else
		return;
	s->hist[b]++;
}

enum stp_stat_op { STP_COUNT, STP_SUM, STP_MIN, STP_MAX, STP_AVG };

static int64_t stp_stat_get(struct stp_context *c, const struct stp_stat *s, int op,
			    const char *loc)
{
	if (op == STP_COUNT)
		return s ? s->count : 0;
	if (op == STP_SUM)
		return s ? s->sum : 0;
	if (!s || s->count == 0) {
		stp_error(c, loc, "empty aggregate");
		return 0;
	}
	if (op == STP_MIN)
		return s->min;
	if (op == STP_MAX)
		return s->max;
	return div64_s64(s->sum, s->count);
}

/* k in @hist_*(s), as stap defines it: @hist_*(s)[k], the count of bucket
 * k (numbered as stap numbers them: linear 0 below the start, then one per
 * step up to the one holding the stop, then one for every greater value;
 * log 64 for 0, 64 + n for values of n bits, 64 - n for negative ones); an
 * error when s holds no value or k is not a bucket. */
static int64_t stp_hist_bucket(struct stp_context *c, const struct stp_hist *h,
			       const struct stp_stat *s, int64_t k, const char *loc)
{
	if (!s || s->count == 0) {
		stp_error(c, loc, "empty aggregate");
		return 0;
	}
	if (k < 0 || k >= h->buckets) {
		stp_error(c, loc, "histogram index out of range");
		return 0;
	}
	return s->hist[k];
}

/* @variance(x, shift): the sample variance (0 for one value). */
static int64_t stp_stat_variance(struct stp_context *c, const struct stp_stat *s, int shift,
				 const char *loc)
{
	if (!s || s->count == 0) {
		stp_error(c, loc, "empty aggregate");
		return 0;
	}
	if (s->count < 2 || 2 * shift >= 64) /* shift is 0..62 (pass 1) */
		return 0;
	return div64_s64(s->m2, s->count - 1) >> (2 * shift);
}

static int stp_digits(int64_t v)
{
	int n = v < 0 ? 1 : 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		n++;
		u /= 10;
	} while (u);
	return n;
}

static int64_t stp_hist_bucket_value(const struct stp_hist *h, int i, const char **prefix)
{
	*prefix = "";
	if (h->type == STP_HIST_LOG)
		return stp_log_value(i);
	if (i == 0) {
		*prefix = "<";
		return h->start;
	}
	if (i == h->buckets - 1) {
		*prefix = ">";
		return (int64_t)((u64)h->start + (u64)(i - 2) * (u64)h->interval);
	}
	return (int64_t)((u64)h->start + (u64)(i - 1) * (u64)h->interval);
}

static bool stp_hist_elided(const struct stp_hist *h, const struct stp_stat *s, int i, int lo,
			    int hi)
{
	int k, from = max(lo, i - HIST_ELISION), to = min(hi, i + HIST_ELISION);

	if (HIST_ELISION < 0)
		return false;
	for (k = from; k <= to; k++)
		if (s->hist[k])
			return false;
	return true;
}

static void stp_hist_print(struct stp_context *c, const struct stp_hist *h,
			   const struct stp_stat *s)
{
	int lo = -1, hi = 0, i, j, vspace, cspace, under = 0, over = 0;
	int64_t vmax = 0, scale;
	bool eliding = false;
	const char *prefix;

	if (!s || h->type == STP_HIST_NONE)
		return;
	for (i = 0; i < h->buckets; i++) {
		if (s->hist[i] > 0) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
		vmax = max(vmax, s->hist[i]);
	}
	if (lo < 0) /* empty: stap shows the zero bucket */
		lo = hi = h->type == STP_HIST_LOG ? STP_HIST_LOG_BUCKET0 : 1;
	for (i = 0; i < 2; i++) {
		if (h->type == STP_HIST_LOG) {
			if (lo != STP_HIST_LOG_BUCKET0 && lo > 0)
				lo--;
		} else if (lo > 0) {
			lo--;
		}
		if (hi < h->buckets - 1)
			hi++;
	}
	if (h->type == STP_HIST_LINEAR) {
		if (lo == 0 && s->hist[0] == 0)
			lo++;
		if (hi == h->buckets - 1 && s->hist[hi] == 0)
			hi--;
		under = lo == 0;
		over = hi == h->buckets - 1;
	}
	scale = vmax <= HIST_WIDTH ? 1 : div64_s64(vmax + HIST_WIDTH - 1, HIST_WIDTH);
	cspace = stp_digits(vmax);
	if (h->type == STP_HIST_LINEAR)
		vspace = max(stp_digits(h->start) + under,
			     stp_digits((int64_t)((u64)h->start + (u64)h->interval * hi)) + over);
	else
		vspace = max(stp_digits(stp_log_value(hi)), stp_digits(stp_log_value(lo)));
	vspace = max(vspace, 5);

	stp_printf(c, "%*s |", vspace, "value");
	for (j = 0; j < HIST_WIDTH; j++)
		stp_puts(c, "-");
	stp_puts(c, " count\n");
	for (i = lo; i <= hi; i++) {
		int64_t v, bar;

		if (stp_hist_elided(h, s, i, lo, hi)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			stp_printf(c, "%*s ~\n", vspace, "");
			eliding = false;
		}
		v = stp_hist_bucket_value(h, i, &prefix);
		stp_printf(c, "%*s%lld |", vspace - stp_digits(v), prefix, (long long)v);
		bar = div64_s64(s->hist[i], scale);
		for (j = 0; j < bar; j++)
			stp_puts(c, "@");
		stp_printf(c, "%*lld\n", (int)(HIST_WIDTH - bar + 1 + cspace),
			   (long long)s->hist[i]);
	}
	stp_puts(c, "\n");
}
