/* Front-end diagnostics, and string literals quoted in the script's syntax. */
#include <stdlib.h>
#include <string.h>

#include "translator/front_int.h"

#define DIAG_MAX_ERRORS 30 /* keep a bad input from flooding the terminal */

/* The library file loc is in, or NULL for the script itself. */
static const struct stap_source *diag_lib_source(const struct diag *d, const struct stap_loc *loc)
{
	for (size_t i = 0; loc && loc->file && i < d->nlib; i++)
		if (loc->file == d->lib[i].file || strcmp(loc->file, d->lib[i].file) == 0)
			return &d->lib[i];
	return NULL;
}

/* The source line holding loc, and a caret under loc's column. */
static void diag_source_line(struct diag *d, const struct stap_loc *loc)
{
	const struct stap_source *lib = diag_lib_source(d, loc);
	const char *p = lib ? lib->text : d->src, *end = p + (lib ? lib->len : d->len);
	int line = 1;

	if (!p || loc->line < 1)
		return;
	while (p < end && line < loc->line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return;
		p = nl + 1;
		line++;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	int n = (int)((nl ? nl : end) - p);
	fprintf(d->out, "    %.*s\n    ", n, p);
	for (int i = 1; i < loc->col && i <= n; i++)
		fputc(p[i - 1] == '\t' ? '\t' : ' ', d->out);
	fputs("^\n", d->out);
}

static void diag_emit(struct diag *d, const struct stap_loc *loc, const char *kind, const char *fmt,
		      va_list ap)
{
	if (loc && loc->file)
		fprintf(d->out, "%s:%d:%d: %s", loc->file, loc->line, loc->col, kind);
	else
		fprintf(d->out, "stap: %s", kind);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	if (loc)
		diag_source_line(d, loc);
}

void diag_error(struct diag *d, const struct stap_loc *loc, const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	if (!d->out || d->nerrors > DIAG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	diag_emit(d, loc, "", fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const struct stap_loc *loc, const char *fmt, ...)
{
	va_list ap;

	/* The library's own code is not the user's to fix (stap is silent too). */
	if (diag_lib_source(d, loc))
		return;
	d->nwarnings++;
	if (!d->out || d->no_warnings)
		return;
	va_start(ap, fmt);
	diag_emit(d, loc, "WARNING: ", fmt, ap);
	va_end(ap);
}

/* A string literal in the script's own syntax (C escapes, octal for others). */
void sb_quote(struct strbuf *b, const char *s, size_t n)
{
	sb_putn(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				sb_printf(b, "\\%03o", c);
			else
				sb_putn(b, (const char *)&s[i], 1);
		}
	}
	sb_putn(b, "\"", 1);
}

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of neighbours ("pdi" is one step from "pid"); above cap, cap+1. */
int front_edit_distance(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return cap + 1;
	int rows[3][65], *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		int best = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			int d = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
			if (d < best)
				best = d;
		}
		if (best > cap)
			return cap + 1;
		int *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}
