/* =~ and !~ over the translator's tables (stp_regex.h): a DFA pass for
 * "is there a match"; when the script reads matched()/ngroups(), the POSIX
 * leftmost-longest extent from the anchored DFA run at each start, then the
 * submatches from a Pike VM over that extent.  Every loop is bounded by the
 * string length (MAXSTRINGLEN) times the program size; nothing recurses or
 * allocates. */

static bool stp_re_search(const struct stp_regex *re, const unsigned char *s, size_t n)
{
	u16 st = re->search_start;
	size_t i;

	for (i = 0; i < n && st; i++) {
		if (re->search_flags[st] & STP_RE_ACCEPT_NOW)
			return true;
		st = re->search[st * re->nclasses + re->cls[s[i]]];
	}
	return st && (re->search_flags[st] & (STP_RE_ACCEPT_NOW | STP_RE_ACCEPT_END));
}

/* The end of the longest match starting at from, or -1. */
static long stp_re_longest(const struct stp_regex *re, const unsigned char *s, size_t n,
			   size_t from)
{
	u16 st = from ? re->anch_startmid : re->anch_start0;
	long end = -1;
	size_t i = from;

	for (;;) {
		u8 f = re->anch_flags[st];

		if ((f & STP_RE_ACCEPT_NOW) || (i == n && (f & STP_RE_ACCEPT_END)))
			end = (long)i;
		if (i == n)
			break;
		st = re->anch[st * re->nclasses + re->cls[s[i++]]];
		if (!st)
			break;
	}
	return end;
}

static bool stp_re_in_set(const struct stp_regex *re, u16 set, unsigned char ch)
{
	return (re->sets[set][ch >> 3] >> (ch & 7)) & 1;
}

/* Add the thread at pc (captures w->cur) and what it reaches without
 * consuming, highest priority first, to list l. */
static void stp_re_add(struct stp_re_state *w, const struct stp_regex *re,
		       struct stp_re_thread_list *l, u16 pc0, size_t pos, size_t n, int ncaps)
{
	size_t sp = 0;

	w->stack[sp++] = (struct stp_re_frame){pc0, -1, 0};
	while (sp) {
		struct stp_re_frame f = w->stack[--sp];
		const struct stp_re_inst *in;

		if (f.slot >= 0) {
			w->cur[f.slot] = f.val;
			continue;
		}
		if (f.pc >= re->nprog || w->mark[f.pc] == w->gen)
			continue;
		w->mark[f.pc] = w->gen;
		in = &re->prog[f.pc];
		switch (in->op) {
		case STP_RE_JMP:
			w->stack[sp++] = (struct stp_re_frame){in->x, -1, 0};
			break;
		case STP_RE_SPLIT: /* x has priority: pushed last, taken first */
			w->stack[sp++] = (struct stp_re_frame){in->y, -1, 0};
			w->stack[sp++] = (struct stp_re_frame){in->x, -1, 0};
			break;
		case STP_RE_SAVE:
			if (in->x < ncaps) {
				w->stack[sp++] = (struct stp_re_frame){0, in->x, w->cur[in->x]};
				w->cur[in->x] = (s16)pos;
			}
			w->stack[sp++] = (struct stp_re_frame){f.pc + 1, -1, 0};
			break;
		case STP_RE_BOL:
			if (pos == 0)
				w->stack[sp++] = (struct stp_re_frame){f.pc + 1, -1, 0};
			break;
		case STP_RE_EOL:
			if (pos == n)
				w->stack[sp++] = (struct stp_re_frame){f.pc + 1, -1, 0};
			break;
		default: /* SET, MATCH: a thread */
			l->pc[l->n] = f.pc;
			memcpy(l->caps[l->n], w->cur, ncaps * sizeof(s16));
			l->n++;
		}
	}
}

static void stp_re_next_gen(struct stp_re_state *w)
{
	if (++w->gen == 0) {
		memset(w->mark, 0, sizeof(w->mark));
		w->gen = 1;
	}
}

/* Submatches of the match [from, to): the highest-priority parse. */
static void stp_re_groups(struct stp_re_state *w, const struct stp_regex *re,
			  const unsigned char *s, size_t n, size_t from, size_t to)
{
	int ncaps = 2 * (re->ngroups + 1);
	struct stp_re_thread_list *cl = &w->lists[0], *nl = &w->lists[1], *t;
	size_t pos, i;

	if (ncaps > STP_RE_MAXCAPS || re->nprog > STP_RE_MAXPROG)
		return;
	memset(w->cur, 0xff, sizeof(w->cur));
	cl->n = 0;
	stp_re_next_gen(w);
	stp_re_add(w, re, cl, 0, from, n, ncaps);
	for (pos = from; pos < to; pos++) {
		nl->n = 0;
		stp_re_next_gen(w);
		for (i = 0; i < cl->n; i++) {
			const struct stp_re_inst *in = &re->prog[cl->pc[i]];

			if (in->op != STP_RE_SET || !stp_re_in_set(re, in->x, s[pos]))
				continue;
			memcpy(w->cur, cl->caps[i], ncaps * sizeof(s16));
			stp_re_add(w, re, nl, cl->pc[i] + 1, pos + 1, n, ncaps);
		}
		t = cl, cl = nl, nl = t;
	}
	for (i = 0; i < cl->n; i++)
		if (re->prog[cl->pc[i]].op == STP_RE_MATCH) {
			memcpy(w->caps, cl->caps[i], ncaps * sizeof(s16));
			break;
		}
	w->caps[0] = (s16)from;
	w->caps[1] = (s16)to;
}

/* s =~ re; groups: the script reads matched()/ngroups(), so record them. */
static int64_t stp_regex_match(struct stp_context *c, const struct stp_regex *re, const char *str,
			       bool groups)
{
	struct stp_re_state *w = &c->re;
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, MAXSTRINGLEN - 1), from;
	long end = -1;

	if (!groups)
		return stp_re_search(re, s, n);
	w->ok = false;
	if (!stp_re_search(re, s, n))
		return 0;
	for (from = 0; from <= n && end < 0; from++)
		end = stp_re_longest(re, s, n, from);
	if (end < 0)
		return 0; /* cannot happen: the search found one */
	from--;
	memcpy(w->subject, s, n);
	w->subject[n] = '\0';
	memset(w->caps, 0xff, sizeof(w->caps));
	w->ngroups = re->ngroups;
	stp_re_groups(w, re, s, n, from, (size_t)end);
	w->ok = true;
	return 1;
}

/* matched(n): subexpression n of the last successful =~ ("" if it took no
 * part in the match). */
static const char *stp_regex_matched(struct stp_context *c, char *dst, int64_t n, const char *loc)
{
	struct stp_re_state *w = &c->re;
	s16 a, b;

	dst[0] = '\0';
	if (!w->ok) {
		stp_error(c, loc, "matched(): the last =~ did not match");
		return dst;
	}
	if (n < 0 || n > w->ngroups) {
		stp_error(c, loc, "matched(%lld): the regex has %d subexpressions", (long long)n,
			  w->ngroups);
		return dst;
	}
	a = w->caps[2 * n];
	b = w->caps[2 * n + 1];
	if (a >= 0 && b >= a && b < MAXSTRINGLEN) {
		memcpy(dst, w->subject + a, b - a);
		dst[b - a] = '\0';
	}
	return dst;
}

static const char *stp_regex_matched_str(struct stp_context *c, char *dst, const char *loc)
{
	return stp_regex_matched(c, dst, 0, loc);
}

static int64_t stp_regex_ngroups(struct stp_context *c, const char *loc)
{
	if (!c->re.ok) {
		stp_error(c, loc, "ngroups(): the last =~ did not match");
		return 0;
	}
	return c->re.ngroups;
}
