/* POSIX ERE -> program -> DFAs (see regex.h).
 *
 *   re     := alt
 *   alt    := concat ('|' concat)*
 *   concat := piece*
 *   piece  := atom ('*' | '+' | '?' | '{' m [',' [n]] '}')*
 *   atom   := '(' alt ')' | '[' bracket ']' | '.' | '^' | '$' | '\' byte | byte
 *
 * The parser emits the program directly; a piece's code is copied for
 * {m,n}, so each piece is first emitted once and remembered by its span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translator/regex.h"

#define RE_MAX_DEPTH 64	  /* parentheses */
#define RE_MAX_REPEAT 255 /* {m,n} bounds */

struct rc {
	const char *s;
	size_t len, i;
	struct re_prog *p;
	int depth;
	char *why;
	size_t whylen;
	size_t at;
	int failed;
};

static int fail(struct rc *c, size_t at, const char *msg)
{
	if (!c->failed) {
		snprintf(c->why, c->whylen, "%s", msg);
		c->at = at;
		c->failed = 1;
	}
	return -1;
}

static int emit(struct rc *c, enum re_op op, unsigned x, unsigned y)
{
	if (c->p->n >= RE_MAX_PROG)
		return fail(c, c->i, "regular expression too large");
	struct re_inst *in = &c->p->inst[c->p->n++];
	in->op = (uint8_t)op;
	in->x = (uint16_t)x;
	in->y = (uint16_t)y;
	return (int)c->p->n - 1;
}

/* The index of a byte set, shared when equal. */
static int add_set(struct rc *c, const uint8_t set[32])
{
	for (size_t i = 0; i < c->p->nsets; i++)
		if (memcmp(c->p->sets[i], set, 32) == 0)
			return (int)i;
	if (c->p->nsets >= RE_MAX_SETS)
		return fail(c, c->i, "too many distinct character sets");
	memcpy(c->p->sets[c->p->nsets], set, 32);
	return (int)c->p->nsets++;
}

static void set_add(uint8_t set[32], unsigned ch)
{
	set[ch >> 3] |= (uint8_t)(1u << (ch & 7));
}

static int emit_byteset(struct rc *c, const uint8_t set[32])
{
	int k = add_set(c, set);
	return k < 0 ? -1 : emit(c, RE_SET, (unsigned)k, 0);
}

/* ---- bracket expressions ---- */

static const struct {
	const char *name;
	int (*is)(int);
} char_classes[] = {
    {"alpha", NULL}, {"digit", NULL}, {"alnum", NULL}, {"upper", NULL},
    {"lower", NULL}, {"space", NULL}, {"blank", NULL}, {"punct", NULL},
    {"print", NULL}, {"graph", NULL}, {"cntrl", NULL}, {"xdigit", NULL},
};

/* The C locale's classes, spelled out so the result never depends on the
 * translator's locale. */
static int in_class(int k, unsigned ch)
{
	int up = ch >= 'A' && ch <= 'Z', lo = ch >= 'a' && ch <= 'z', dg = ch >= '0' && ch <= '9';
	int pr = ch >= 0x20 && ch < 0x7f;
	switch (k) {
	case 0:
		return up || lo;
	case 1:
		return dg;
	case 2:
		return up || lo || dg;
	case 3:
		return up;
	case 4:
		return lo;
	case 5:
		return ch == ' ' || (ch >= '\t' && ch <= '\r');
	case 6:
		return ch == ' ' || ch == '\t';
	case 7:
		return pr && ch != ' ' && !(up || lo || dg);
	case 8:
		return pr;
	case 9:
		return pr && ch != ' ';
	case 10:
		return ch < 0x20 || ch == 0x7f;
	default:
		return dg || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
	}
}

/* [:name:] at c->i (just after '[:'); adds the class to set. */
static int bracket_class(struct rc *c, uint8_t set[32])
{
	size_t start = c->i - 2;
	const char *end = memmem(c->s + c->i, c->len - c->i, ":]", 2);
	if (!end)
		return fail(c, start, "unterminated [: :] character class");
	size_t n = (size_t)(end - (c->s + c->i));
	for (int k = 0; k < (int)(sizeof(char_classes) / sizeof(char_classes[0])); k++) {
		if (strlen(char_classes[k].name) == n &&
		    memcmp(char_classes[k].name, c->s + c->i, n) == 0) {
			for (unsigned ch = 1; ch < 256; ch++)
				if (in_class(k, ch))
					set_add(set, ch);
			c->i += n + 2;
			return 0;
		}
	}
	return fail(c, start, "unknown character class");
}

static int parse_bracket(struct rc *c)
{
	size_t start = c->i - 1;
	uint8_t set[32] = {0};
	int neg = 0, first = 1;
	if (c->i < c->len && c->s[c->i] == '^')
		neg = 1, c->i++;
	for (;;) {
		if (c->i >= c->len)
			return fail(c, start, "unterminated [ ] bracket expression");
		unsigned ch = (unsigned char)c->s[c->i];
		if (ch == ']' && !first) {
			c->i++;
			break;
		}
		first = 0;
		if (ch == '[' && c->i + 1 < c->len && c->s[c->i + 1] == ':') {
			c->i += 2;
			if (bracket_class(c, set) < 0)
				return -1;
			continue;
		}
		if (ch == '[' && c->i + 1 < c->len &&
		    (c->s[c->i + 1] == '.' || c->s[c->i + 1] == '='))
			return fail(c, c->i,
				    "collating elements [. .] and [= =] are not supported");
		c->i++;
		unsigned hi = ch;
		if (c->i + 1 < c->len && c->s[c->i] == '-' && c->s[c->i + 1] != ']') {
			hi = (unsigned char)c->s[c->i + 1];
			if (hi < ch)
				return fail(c, c->i - 1, "invalid range end in bracket expression");
			c->i += 2;
		}
		for (unsigned b = ch; b <= hi; b++)
			set_add(set, b);
	}
	if (neg)
		for (int k = 0; k < 32; k++)
			set[k] = (uint8_t)~set[k];
	set[0] &= (uint8_t)~1u; /* never NUL: strings end there */
	return emit_byteset(c, set);
}

/* ---- the grammar ---- */

static int parse_alt(struct rc *c);

static int parse_atom(struct rc *c)
{
	unsigned ch = (unsigned char)c->s[c->i];
	uint8_t set[32] = {0};
	size_t at = c->i++;
	switch (ch) {
	case '(': {
		if (++c->depth > RE_MAX_DEPTH)
			return fail(c, at, "parentheses nested too deeply");
		int g = ++c->p->ngroups;
		if (g > RE_MAX_GROUPS)
			return fail(c, at, "more than 9 subexpressions");
		if (emit(c, RE_SAVE, 2u * (unsigned)g, 0) < 0 || parse_alt(c) < 0)
			return -1;
		if (c->i >= c->len || c->s[c->i] != ')')
			return fail(c, at, "unmatched '('");
		c->i++;
		c->depth--;
		return emit(c, RE_SAVE, 2u * (unsigned)g + 1, 0);
	}
	case '[':
		return parse_bracket(c);
	case '.':
		memset(set, 0xff, sizeof(set));
		set[0] &= (uint8_t)~1u;
		return emit_byteset(c, set);
	case '^':
		return emit(c, RE_BOL, 0, 0);
	case '$':
		return emit(c, RE_EOL, 0, 0);
	case '\\':
		if (c->i >= c->len)
			return fail(c, at, "trailing backslash");
		ch = (unsigned char)c->s[c->i++];
		break;
	case '*':
	case '+':
	case '?':
	case '{':
		return fail(c, at, "repetition operator with nothing to repeat");
	case ')':
		return fail(c, at, "unmatched ')'");
	default:
		break;
	}
	set_add(set, ch);
	return emit_byteset(c, set);
}

/* Append code (n instructions that sat at orig), shifting its jumps. */
static int emit_copy(struct rc *c, const struct re_inst *code, size_t n, size_t orig)
{
	size_t shift = c->p->n - orig;
	for (size_t k = 0; k < n; k++) {
		struct re_inst in = code[k];
		if (in.op == RE_SPLIT || in.op == RE_JMP)
			in.x = (uint16_t)(in.x + shift);
		if (in.op == RE_SPLIT)
			in.y = (uint16_t)(in.y + shift);
		if (emit(c, (enum re_op)in.op, in.x, in.y) < 0)
			return -1;
	}
	return 0;
}

/* Insert a SPLIT before the code [at, end) (shifting it by one). */
static int insert_split(struct rc *c, size_t at)
{
	if (emit(c, RE_JMP, 0, 0) < 0)
		return -1;
	struct re_inst *v = c->p->inst;
	for (size_t k = c->p->n - 1; k > at; k--) {
		v[k] = v[k - 1];
		if (v[k].op == RE_SPLIT || v[k].op == RE_JMP)
			v[k].x = (uint16_t)(v[k].x + (v[k].x >= at));
		if (v[k].op == RE_SPLIT)
			v[k].y = (uint16_t)(v[k].y + (v[k].y >= at));
	}
	v[at].op = RE_SPLIT;
	return 0;
}

/* x? : split(L1, L2) L1: x L2:       x* : L0: split(L1, L2) L1: x jmp L0 L2:
 * x+ : L1: x split(L1, L2) L2: */
static int make_star(struct rc *c, size_t start, int plus, int optional)
{
	if (plus)
		return emit(c, RE_SPLIT, (unsigned)start, (unsigned)c->p->n + 1) < 0 ? -1 : 0;
	if (insert_split(c, start) < 0)
		return -1;
	if (!optional && emit(c, RE_JMP, (unsigned)start, 0) < 0)
		return -1;
	c->p->inst[start].x = (uint16_t)(start + 1);
	c->p->inst[start].y = (uint16_t)c->p->n;
	return 0;
}

static int parse_count(struct rc *c, long *v)
{
	size_t st = c->i;
	*v = 0;
	while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		*v = *v * 10 + (c->s[c->i++] - '0');
		if (*v > RE_MAX_REPEAT)
			return fail(c, st, "repetition count above 255");
	}
	return c->i > st ? 0 : 1;
}

/* {m}, {m,}, {m,n} after the code [start, end): m copies, then either one
 * more under '*' or n - m more each under '?'. */
static int make_counted(struct rc *c, size_t start, size_t brace)
{
	long m, n;
	if (parse_count(c, &m) != 0)
		return fail(c, brace, "expected a count in { }");
	n = m;
	if (c->i < c->len && c->s[c->i] == ',') {
		c->i++;
		int r = parse_count(c, &n);
		if (r < 0)
			return -1;
		if (r == 1)
			n = -1;
	}
	if (c->i >= c->len || c->s[c->i] != '}')
		return fail(c, brace, "unterminated { } repetition");
	c->i++;
	if (n >= 0 && n < m)
		return fail(c, brace, "invalid repetition count (m > n in {m,n})");
	size_t len = c->p->n - start;
	struct re_inst code[RE_MAX_PROG];
	memcpy(code, c->p->inst + start, len * sizeof(*code));
	c->p->n = start;
	for (long k = 0; k < m; k++)
		if (emit_copy(c, code, len, start) < 0)
			return -1;
	for (long k = m; n < 0 ? k == m : k < n; k++) {
		size_t s = c->p->n;
		if (emit_copy(c, code, len, start) < 0 || make_star(c, s, 0, n >= 0) < 0)
			return -1;
	}
	return 0;
}

static int parse_piece(struct rc *c)
{
	size_t start = c->p->n;
	if (parse_atom(c) < 0)
		return -1;
	while (c->i < c->len) {
		char op = c->s[c->i];
		int r = 0;
		if (op == '*' || op == '+' || op == '?') {
			c->i++;
			r = make_star(c, start, op == '+', op == '?');
		} else if (op == '{') {
			r = make_counted(c, start, c->i++);
		} else {
			break;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

static int parse_concat(struct rc *c)
{
	while (c->i < c->len && c->s[c->i] != '|' && c->s[c->i] != ')')
		if (parse_piece(c) < 0)
			return -1;
	return 0;
}

/* a|b : split(L1, L2) L1: a jmp L3 L2: b L3: */
static int parse_alt(struct rc *c)
{
	size_t start = c->p->n;
	if (parse_concat(c) < 0)
		return -1;
	while (c->i < c->len && c->s[c->i] == '|') {
		c->i++;
		if (insert_split(c, start) < 0)
			return -1;
		int jmp = emit(c, RE_JMP, 0, 0);
		if (jmp < 0)
			return -1;
		c->p->inst[start].x = (uint16_t)(start + 1);
		c->p->inst[start].y = (uint16_t)c->p->n;
		if (parse_concat(c) < 0)
			return -1;
		c->p->inst[jmp].x = (uint16_t)c->p->n;
	}
	return 0;
}

/* ---- DFAs by subset construction ---- */

struct subset {
	uint16_t *pcs; /* sorted kernel instruction indexes */
	size_t n;
	int bol;
};

struct builder {
	const struct re_prog *p;
	struct re_dfa *d;
	struct subset *sets;
	size_t nsets, cap;
	int search; /* restart at instruction 0 after every byte */
	uint8_t *mark;
	uint16_t *stack;
};

/* Which instructions the kernel reaches without consuming: marks in b->mark. */
static void closure(struct builder *b, const struct subset *s, int eol)
{
	size_t sp = 0;
	memset(b->mark, 0, b->p->n);
	for (size_t i = 0; i < s->n; i++)
		b->stack[sp++] = s->pcs[i];
	while (sp) {
		uint16_t pc = b->stack[--sp];
		if (pc >= b->p->n || b->mark[pc])
			continue;
		b->mark[pc] = 1;
		const struct re_inst *in = &b->p->inst[pc];
		if (in->op == RE_JMP)
			b->stack[sp++] = in->x;
		else if (in->op == RE_SPLIT)
			b->stack[sp++] = in->x, b->stack[sp++] = in->y;
		else if (in->op == RE_SAVE || (in->op == RE_BOL && s->bol) ||
			 (in->op == RE_EOL && eol))
			b->stack[sp++] = (uint16_t)(pc + 1);
	}
}

static int accepts(struct builder *b, const struct subset *s, int eol)
{
	closure(b, s, eol);
	for (size_t pc = 0; pc < b->p->n; pc++)
		if (b->mark[pc] && b->p->inst[pc].op == RE_MATCH)
			return 1;
	return 0;
}

/* The state for subset s (taking ownership of s->pcs), or -1 when full. */
static int state_of(struct builder *b, struct subset *s)
{
	if (s->n == 0) {
		free(s->pcs);
		return 0;
	}
	for (size_t i = 1; i < b->nsets; i++)
		if (b->sets[i].n == s->n && b->sets[i].bol == s->bol &&
		    memcmp(b->sets[i].pcs, s->pcs, s->n * sizeof(*s->pcs)) == 0) {
			free(s->pcs);
			return (int)i;
		}
	if (b->nsets >= RE_MAX_STATES) {
		free(s->pcs);
		return -1;
	}
	if (b->nsets == b->cap) {
		b->cap *= 2;
		b->sets = realloc(b->sets, b->cap * sizeof(*b->sets));
		if (!b->sets)
			abort();
	}
	b->sets[b->nsets] = *s;
	return (int)b->nsets++;
}

static struct subset subset_one(uint16_t pc, int bol)
{
	struct subset s = {malloc(sizeof(uint16_t)), 1, bol};
	if (!s.pcs)
		abort();
	s.pcs[0] = pc;
	return s;
}

/* The kernel after consuming a byte of class k from state i. */
static struct subset step(struct builder *b, size_t i, unsigned rep)
{
	struct subset s = {calloc(b->p->n + 1, sizeof(uint16_t)), 0, 0};
	if (!s.pcs)
		abort();
	closure(b, &b->sets[i], 0);
	for (size_t pc = 0; pc < b->p->n; pc++) {
		const struct re_inst *in = &b->p->inst[pc];
		if (b->mark[pc] && in->op == RE_SET &&
		    (b->p->sets[in->x][rep >> 3] >> (rep & 7)) & 1)
			s.pcs[s.n++] = (uint16_t)(pc + 1);
	}
	if (b->search && (s.n == 0 || s.pcs[0] != 0)) {
		memmove(s.pcs + 1, s.pcs, s.n * sizeof(*s.pcs));
		s.pcs[0] = 0;
		s.n++;
	}
	return s;
}

static int build_dfa(const struct re_prog *p, const unsigned *rep, int search, struct re_dfa *d)
{
	struct builder b = {.p = p, .d = d, .search = search, .cap = 64};
	b.sets = calloc(b.cap, sizeof(*b.sets));
	b.mark = calloc(p->n + 1, 1);
	b.stack = calloc(2 * p->n + 2, sizeof(uint16_t));
	if (!b.sets || !b.mark || !b.stack)
		abort();
	b.nsets = 1; /* the dead state */
	struct subset s0 = subset_one(0, 1), sm = subset_one(0, 0);
	d->start0 = (uint16_t)state_of(&b, &s0);
	d->startmid = (uint16_t)state_of(&b, &sm);
	int rc = 0;
	size_t cap_next = 0;
	for (size_t i = 1; i < b.nsets && rc == 0; i++) {
		if ((i + 1) * p->nclasses > cap_next) {
			cap_next = 2 * (i + 1) * p->nclasses;
			d->next = realloc(d->next, cap_next * sizeof(*d->next));
			if (!d->next)
				abort();
		}
		for (size_t k = 0; k < p->nclasses; k++) {
			struct subset t = step(&b, i, rep[k]);
			int st = state_of(&b, &t);
			if (st < 0) {
				rc = -1;
				break;
			}
			d->next[i * p->nclasses + k] = (uint16_t)st;
		}
	}
	d->nstates = b.nsets;
	d->flags = calloc(b.nsets, 1);
	if (!d->flags)
		abort();
	for (size_t i = 1; rc == 0 && i < b.nsets; i++)
		d->flags[i] = (uint8_t)((accepts(&b, &b.sets[i], 0) ? RE_ACCEPT_NOW : 0) |
					(accepts(&b, &b.sets[i], 1) ? RE_ACCEPT_END : 0));
	if (d->next)
		for (size_t k = 0; k < p->nclasses; k++)
			d->next[k] = 0; /* the dead state stays dead */
	for (size_t i = 1; i < b.nsets; i++)
		free(b.sets[i].pcs);
	free(b.sets);
	free(b.mark);
	free(b.stack);
	return rc;
}

/* Bytes no set tells apart share a class: the DFAs index by class. */
static void byte_classes(struct re_prog *p, unsigned rep[256])
{
	p->nclasses = 0;
	for (unsigned ch = 0; ch < 256; ch++) {
		unsigned k;
		for (k = 0; k < p->nclasses; k++) {
			unsigned r = rep[k];
			size_t s;
			for (s = 0; s < p->nsets; s++)
				if (((p->sets[s][ch >> 3] >> (ch & 7)) & 1) !=
				    ((p->sets[s][r >> 3] >> (r & 7)) & 1))
					break;
			if (s == p->nsets)
				break;
		}
		if (k == p->nclasses)
			rep[p->nclasses++] = ch;
		p->cls[ch] = (uint8_t)k;
	}
}

int re_compile(const char *re, size_t len, struct re_prog *out, char *why, size_t whylen,
	       size_t *at)
{
	struct rc c = {.s = re, .len = len, .p = out, .why = why, .whylen = whylen};
	unsigned rep[256];
	memset(out, 0, sizeof(*out));
	if (memchr(re, 0, len))
		fail(&c, (size_t)((const char *)memchr(re, 0, len) - re),
		     "a NUL byte in a regular expression");
	else if (emit(&c, RE_SAVE, 0, 0) >= 0 && parse_alt(&c) == 0) {
		if (c.i < len)
			fail(&c, c.i, "unmatched ')'");
		else if (emit(&c, RE_SAVE, 1, 0) >= 0)
			emit(&c, RE_MATCH, 0, 0);
	}
	if (!c.failed) {
		byte_classes(out, rep);
		if (build_dfa(out, rep, 1, &out->search) < 0 ||
		    build_dfa(out, rep, 0, &out->anchored) < 0)
			fail(&c, 0, "regular expression too complex (more than 1024 DFA states)");
	}
	if (c.failed) {
		*at = c.at;
		re_free(out);
		return -1;
	}
	return 0;
}

void re_free(struct re_prog *p)
{
	free(p->search.next);
	free(p->search.flags);
	free(p->anchored.next);
	free(p->anchored.flags);
	memset(&p->search, 0, sizeof(p->search));
	memset(&p->anchored, 0, sizeof(p->anchored));
}
