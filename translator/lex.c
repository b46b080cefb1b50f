/* Pass 1, step 1: the script's tokens, with their file:line:col. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "translator/front_int.h"

void tokvec_push(struct tokvec *tv, const struct token *t)
{
	if (array_grow(&tv->v, &tv->cap, tv->n, sizeof(*tv->v), 256) < 0) {
		fputs("stap: out of memory\n", stderr);
		abort();
	}
	tv->v[tv->n++] = *t;
}

void tokvec_free(struct tokvec *tv)
{
	free(tv->v);
	tv->v = NULL;
	tv->n = tv->cap = 0;
}

int tok_is(const struct token *t, enum tok_kind k, const char *text)
{
	if (t->kind != k)
		return 0;
	if (!text)
		return 1;
	if (t->len == 0 || t->text[0] != text[0]) /* the common miss, cheaply */
		return 0;
	size_t n = strlen(text);
	return (size_t)t->len == n && memcmp(t->text, text, n) == 0;
}

const char *tok_describe(const struct token *t, char *buf, size_t n)
{
	int len = t->len > 40 ? 40 : t->len;
	switch (t->kind) {
	case TK_EOF:
		snprintf(buf, n, "end of input");
		break;
	case TK_IDENT:
		snprintf(buf, n, "identifier '%.*s'", len, t->text);
		break;
	case TK_NUM:
		snprintf(buf, n, "number '%.*s'", len, t->text);
		break;
	case TK_STR:
		snprintf(buf, n, "string %.*s", len, t->text);
		break;
	case TK_EMBEDDED:
		snprintf(buf, n, "embedded code");
		break;
	default:
		snprintf(buf, n, "'%.*s'", len, t->text);
		break;
	}
	return buf;
}

struct lexer {
	struct stap_program *p;
	struct diag *d;
	const char *file;
	const char *s, *end, *cur;
	const char *line_start;
	int line;
};

static struct stap_loc lex_loc(const struct lexer *lx, const char *at)
{
	struct stap_loc l = {lx->file, lx->line, (int)(at - lx->line_start) + 1};
	return l;
}

static void lex_newline(struct lexer *lx, const char *nl)
{
	lx->line++;
	lx->line_start = nl + 1;
}

/* Blanks and the three comment styles; 1 when anything was skipped. */
static int lex_skip(struct lexer *lx)
{
	const char *start = lx->cur;
	while (lx->cur < lx->end) {
		char c = *lx->cur;
		if (c == '\n') {
			lex_newline(lx, lx->cur);
			lx->cur++;
		} else if (isspace((unsigned char)c)) {
			lx->cur++;
		} else if (c == '#' || (c == '/' && lx->cur + 1 < lx->end && lx->cur[1] == '/')) {
			while (lx->cur < lx->end && *lx->cur != '\n')
				lx->cur++;
		} else if (c == '/' && lx->cur + 1 < lx->end && lx->cur[1] == '*') {
			struct stap_loc l = lex_loc(lx, lx->cur);
			lx->cur += 2;
			while (lx->cur + 1 < lx->end && !(lx->cur[0] == '*' && lx->cur[1] == '/')) {
				if (*lx->cur == '\n')
					lex_newline(lx, lx->cur);
				lx->cur++;
			}
			if (lx->cur + 1 >= lx->end) {
				diag_error(lx->d, &l, "parse error: unterminated comment");
				lx->cur = lx->end;
				return -1;
			}
			lx->cur += 2;
		} else {
			break;
		}
	}
	return lx->cur != start;
}

static int is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int lex_number(struct lexer *lx, struct token *t)
{
	const char *q = lx->cur;
	int base = 10;
	unsigned long long v = 0;
	int overflow = 0;

	if (q[0] == '0' && q + 1 < lx->end && (q[1] == 'x' || q[1] == 'X')) {
		base = 16;
		q += 2;
	} else if (q[0] == '0') {
		base = 8;
	}
	const char *digits = q;
	while (q < lx->end && isalnum((unsigned char)*q)) {
		int dv;
		char c = (char)tolower((unsigned char)*q);
		if (isdigit((unsigned char)c))
			dv = c - '0';
		else if (c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else
			dv = 99;
		if (dv >= base) {
			t->loc = lex_loc(lx, lx->cur);
			diag_error(lx->d, &t->loc, "parse error: malformed number '%.*s'",
				   (int)(q - lx->cur + 1), lx->cur);
			return -1;
		}
		if (v > (~0ULL - (unsigned)dv) / (unsigned)base)
			overflow = 1;
		v = v * (unsigned)base + (unsigned)dv;
		q++;
	}
	if (base == 16 && q == digits) {
		diag_error(lx->d, &t->loc, "parse error: malformed number '%.*s'",
			   (int)(q - lx->cur), lx->cur);
		return -1;
	}
	if (overflow) {
		diag_error(lx->d, &t->loc, "parse error: number '%.*s' does not fit in 64 bits",
			   (int)(q - lx->cur), lx->cur);
		return -1;
	}
	t->kind = TK_NUM;
	t->num = (int64_t)v;
	t->len = (int)(q - lx->cur);
	lx->cur = q;
	return 0;
}

static int hexval(char c)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One escape after a backslash at *q; appends the byte to out. */
static const char *lex_escape(const char *q, const char *end, char *out)
{
	static const char from[] = "ntrabfv\\\"'?", to[] = "\n\t\r\a\b\f\v\\\"'?";
	const char *m = strchr(from, *q);
	if (m && *q) {
		*out = to[m - from];
		return q + 1;
	}
	if (*q >= '0' && *q <= '7') {
		int v = 0, i = 0;
		while (i < 3 && q < end && *q >= '0' && *q <= '7')
			v = v * 8 + (*q++ - '0'), i++;
		*out = (char)v;
		return q;
	}
	if (*q == 'x' && q + 1 < end && hexval(q[1]) >= 0) {
		int v = 0;
		q++;
		for (int i = 0; i < 2 && q < end && hexval(*q) >= 0; i++)
			v = v * 16 + hexval(*q++);
		*out = (char)v;
		return q;
	}
	return NULL;
}

static int lex_string(struct lexer *lx, struct token *t)
{
	const char *q = lx->cur + 1;
	char *buf = stap_alloc(lx->p, (size_t)(lx->end - lx->cur));
	size_t n = 0;

	while (q < lx->end && *q != '"') {
		if (*q == '\n') {
			diag_error(lx->d, &t->loc,
				   "parse error: string literal runs past the end of the line");
			return -1;
		}
		if (*q == '\\' && q + 1 < lx->end) {
			const char *r = lex_escape(q + 1, lx->end, &buf[n]);
			if (!r) {
				struct stap_loc l = lex_loc(lx, q);
				diag_error(lx->d, &l,
					   "parse error: unknown escape '\\%c' in string", q[1]);
				return -1;
			}
			n++;
			q = r;
		} else {
			buf[n++] = *q++;
		}
	}
	if (q >= lx->end) {
		diag_error(lx->d, &t->loc, "parse error: unterminated string literal");
		return -1;
	}
	t->kind = TK_STR;
	t->str = buf;
	t->str_len = n;
	t->len = (int)(q + 1 - lx->cur);
	lx->cur = q + 1;
	return 0;
}

static int lex_embedded(struct lexer *lx, struct token *t)
{
	const char *q = lx->cur + 2;
	while (q + 1 < lx->end && !(q[0] == '%' && q[1] == '}')) {
		if (*q == '\n')
			lex_newline(lx, q);
		q++;
	}
	if (q + 1 >= lx->end) {
		diag_error(lx->d, &t->loc,
			   "parse error: embedded code %%{ without its closing %%}");
		return -1;
	}
	t->kind = TK_EMBEDDED;
	t->str = stap_strndup(lx->p, lx->cur + 2, (size_t)(q - lx->cur - 2));
	t->str_len = (size_t)(q - lx->cur - 2);
	t->len = (int)(q + 2 - lx->cur);
	lx->cur = q + 2;
	return 0;
}

static const char *const ops[] = {
    "<<<", ">>=", "<<=", "%(", "%?", "%:", "%)", "==", "!=", "<=", ">=", "&&", "||", "++",
    "--",  "+=",  "-=",	 "*=", "/=", "%=", "&=", "|=", "^=", ".=", "<<", ">>", "->", "=~",
    "!~",  "+",	  "-",	 "*",  "/",  "%",  "&",	 "|",  "^",  "~",  "!",	 "<",  ">",  "=",
    "?",   ":",	  ";",	 ",",  ".",  "(",  ")",	 "[",  "]",  "{",  "}",	 NULL,
};

static int lex_op(struct lexer *lx, struct token *t)
{
	size_t left = (size_t)(lx->end - lx->cur);
	for (int i = 0; ops[i]; i++) {
		size_t n = strlen(ops[i]);
		if (n <= left && memcmp(lx->cur, ops[i], n) == 0) {
			t->kind = TK_OP;
			t->len = (int)n;
			lx->cur += n;
			return 0;
		}
	}
	if (isprint((unsigned char)*lx->cur))
		diag_error(lx->d, &t->loc, "parse error: unexpected character '%c'", *lx->cur);
	else
		diag_error(lx->d, &t->loc, "parse error: unexpected byte 0x%02x",
			   (unsigned char)*lx->cur);
	return -1;
}

/* $name $1 $# $$vars @name @1 @# */
static int lex_sigil(struct lexer *lx, struct token *t)
{
	const char *q = lx->cur + 1;
	t->kind = *lx->cur == '$' ? TK_DOLLAR : TK_AT;
	if (t->kind == TK_DOLLAR && q < lx->end && *q == '$')
		q++;
	if (q < lx->end && *q == '#') {
		q++;
	} else if (q < lx->end && isdigit((unsigned char)*q)) {
		while (q < lx->end && isdigit((unsigned char)*q))
			q++;
	} else {
		while (q < lx->end && is_ident_char(*q))
			q++;
	}
	if (q == lx->cur + 1 && t->kind == TK_AT) { /* a bare '$' is the pretty-print suffix */
		diag_error(lx->d, &t->loc, "parse error: '%c' must be followed by a name",
			   *lx->cur);
		return -1;
	}
	t->len = (int)(q - lx->cur);
	lx->cur = q;
	return 0;
}

static int lex_one(struct lexer *lx, struct token *t)
{
	char c = *lx->cur;
	t->text = lx->cur;
	t->loc = lex_loc(lx, lx->cur);
	if (is_ident_start(c)) {
		const char *q = lx->cur;
		while (q < lx->end && is_ident_char(*q))
			q++;
		t->kind = TK_IDENT;
		t->len = (int)(q - lx->cur);
		lx->cur = q;
		return 0;
	}
	if (isdigit((unsigned char)c))
		return lex_number(lx, t);
	if (c == '"')
		return lex_string(lx, t);
	if (c == '$' || c == '@')
		return lex_sigil(lx, t);
	if (c == '%' && lx->cur + 1 < lx->end && lx->cur[1] == '{')
		return lex_embedded(lx, t);
	return lex_op(lx, t);
}

int lex_tokens(struct stap_program *p, struct diag *d, const char *file, const char *src,
	       size_t len, struct tokvec *out)
{
	struct lexer lx = {p, d, file, src, src + len, src, src, 1};
	struct token t;
	int adjacent = 0;

	/* A "#!" first line is a comment already. */
	for (;;) {
		int skipped = lex_skip(&lx);
		if (skipped < 0)
			return -1;
		adjacent = !skipped;
		if (lx.cur >= lx.end)
			break;
		memset(&t, 0, sizeof(t));
		if (lex_one(&lx, &t) < 0)
			return -1;
		t.adjacent = adjacent;
		tokvec_push(out, &t);
	}
	memset(&t, 0, sizeof(t));
	t.kind = TK_EOF;
	t.text = "";
	t.loc = lex_loc(&lx, lx.cur);
	tokvec_push(out, &t);
	return 0;
}
