/* Pass 3: the printf family.  A stap format is translated at compile time
 * into a kernel vsnprintf format with 64-bit conversions (%d -> %lld, %p ->
 * %#llx as stap prints it), so the runtime formats with the kernel's own
 * vsnprintf and the C compiler checks every argument. */
#include <stdlib.h>
#include <string.h>

#include "translator/emit.h"

struct fmt_buf {
	char *text;
	size_t len;
	FILE *f;
};

static void fmt_open(struct fmt_buf *b)
{
	b->text = NULL;
	b->len = 0;
	b->f = open_memstream(&b->text, &b->len);
}

static void fmt_close(struct fmt_buf *b)
{
	if (b->f)
		fclose(b->f);
	b->f = NULL;
}

/* One argument with its C cast, by conversion. */
static void emit_fmt_arg(struct emit *e, const struct stap_expr *a, char conv)
{
	fputs(", ", e->out);
	if (conv == 's') {
		emit_expr(e, a);
		return;
	}
	if (conv == '*') /* clamped before it reaches the kernel's vsnprintf */
		fputs("stp_fmt_star(", e->out);
	else if (conv == 'c')
		fputs("(int)(", e->out);
	else if (conv == 'd' || conv == 'i')
		fputs("(long long)(", e->out);
	else
		fputs("(unsigned long long)(", e->out);
	emit_expr(e, a);
	fputs(")", e->out);
}

/* Translate fmt; emits the C format literal then the arguments args[0..].
 * Returns the number of arguments consumed, or -1 after an error. */
static int emit_format(struct emit *e, const struct stap_expr *fx, struct stap_expr *const *args,
		       size_t nargs)
{
	const char *s = fx->str, *end = fx->str + fx->str_len;
	struct fmt_buf b;
	char convs[64];
	size_t nconv = 0, used = 0, i;

	fmt_open(&b);
	while (s < end) {
		const char *spec;

		if (*s != '%') {
			fputc(*s++, b.f);
			continue;
		}
		spec = s++;
		while (s < end && strchr("-+ #0", *s))
			s++;
		fwrite(spec, 1, s - spec, b.f);
		if (s < end && *s == '*') {
			if (nconv < sizeof convs)
				convs[nconv++] = '*';
			fputc(*s++, b.f);
		}
		while (s < end && *s >= '0' && *s <= '9')
			fputc(*s++, b.f);
		if (s < end && *s == '.') {
			fputc(*s++, b.f);
			if (s < end && *s == '*') {
				if (nconv < sizeof convs)
					convs[nconv++] = '*';
				fputc(*s++, b.f);
			}
			while (s < end && *s >= '0' && *s <= '9')
				fputc(*s++, b.f);
		}
		if (s >= end) {
			emit_error(e, &fx->loc, "format ends in the middle of a conversion");
			break;
		}
		switch (*s) {
		case '%':
			fputc('%', b.f);
			break;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			fprintf(b.f, "ll%c", *s == 'i' ? 'd' : *s);
			break;
		case 'p':
			fputs("#llx", b.f);
			break;
		case 's':
		case 'c':
			fputc(*s, b.f);
			break;
		default:
			emit_error(e, &fx->loc, "unsupported format conversion %%%c", *s);
		}
		if (*s != '%' && nconv < sizeof convs)
			convs[nconv++] = *s == 'i' ? 'd' : *s == 'p' ? 'x' : *s;
		s++;
	}
	fmt_close(&b);
	if (!b.text) {
		emit_error(e, &fx->loc, "out of memory");
		return -1;
	}
	if (nconv > nargs) {
		emit_error(e, &fx->loc, "format needs %zu arguments, %zu given", nconv, nargs);
		free(b.text);
		return -1;
	}
	emit_c_string(e->out, b.text, b.len);
	free(b.text);
	for (i = 0; i < nconv; i++)
		emit_fmt_arg(e, args[used++], convs[i]);
	return (int)used;
}

/* print/println/printd...: "%lld"/"%s" per argument with delimiters. */
static void emit_print_args(struct emit *e, const struct stap_expr *x, int delim, int nl,
			    const char *call_open)
{
	size_t first = delim ? 1 : 0, i;
	struct fmt_buf b;

	fmt_open(&b);
	for (i = first; i < x->nargs; i++) {
		if (delim && i > first)
			fputs("%s", b.f);
		fputs(x->args[i]->type == STAP_T_STRING ? "%s" : "%lld", b.f);
	}
	if (nl)
		fputs("\n", b.f);
	fmt_close(&b);
	fputs(call_open, e->out);
	emit_c_string(e->out, b.text ? b.text : "", b.text ? b.len : 0);
	free(b.text);
	for (i = first; i < x->nargs; i++) {
		if (delim && i > first) {
			fputs(", ", e->out);
			emit_expr(e, x->args[0]);
		}
		emit_fmt_arg(e, x->args[i], x->args[i]->type == STAP_T_STRING ? 's' : 'd');
	}
	fputs(")", e->out);
}

static int has_hist(const struct stap_expr *x)
{
	size_t i;

	for (i = 0; i < x->nargs; i++)
		if (x->args[i]->kind == E_HIST)
			return 1;
	return 0;
}

/* print(@hist_log(x)) and friends: the histograms and other arguments in
 * order, each printed on its own. */
static void emit_print_with_hist(struct emit *e, const struct stap_expr *x, int nl)
{
	size_t i;

	fputs("(", e->out);
	for (i = 0; i < x->nargs; i++) {
		const struct stap_expr *a = x->args[i];

		if (a->kind == E_HIST) {
			emit_expr(e, a);
		} else {
			fprintf(e->out, "stp_printf(c, \"%s\", ",
				a->type == STAP_T_STRING ? "%s" : "%lld");
			if (a->type != STAP_T_STRING)
				fputs("(long long)", e->out);
			emit_expr(e, a);
			fputs(")", e->out);
		}
		fputs(", ", e->out);
	}
	fprintf(e->out, "%s(int64_t)0)", nl ? "stp_puts(c, \"\\n\"), " : "");
}

static int format_is_empty(const struct stap_expr *x)
{
	return x->nargs > 0 && x->args[0]->kind == E_STR && x->args[0]->str_len == 0;
}

void emit_printf_call(struct emit *e, const struct stap_expr *x)
{
	enum stap_builtin b = x->builtin;
	int to_string = b == BI_SPRINTF || b == BI_SPRINT || b == BI_SPRINTLN || b == BI_SPRINTD;
	char open[64];

	if (to_string)
		snprintf(open, sizeof open, "stp_sprintf(l->t%d, ", emit_new_temp(e));
	else
		snprintf(open, sizeof open, "(stp_printf(c, ");
	if (b == BI_PRINTF || b == BI_SPRINTF) {
		if (x->nargs < 1 || x->args[0]->kind != E_STR) {
			emit_error(e, &x->loc, "%s needs a literal format string", x->str);
			fputs(to_string ? "\"\"" : "((int64_t)0)", e->out);
			return;
		}
		if (format_is_empty(x)) {
			fputs(to_string ? "\"\"" : "((int64_t)0)", e->out);
			return;
		}
		fputs(open, e->out);
		emit_format(e, x->args[0], x->args + 1, x->nargs - 1);
		fputs(to_string ? ")" : "), (int64_t)0)", e->out);
		return;
	}
	if (!to_string && has_hist(x)) {
		emit_print_with_hist(e, x, b == BI_PRINTLN || b == BI_PRINTDLN);
		return;
	}
	if ((b == BI_PRINT || b == BI_SPRINT) && x->nargs == 0) {
		fputs(to_string ? "\"\"" : "((int64_t)0)", e->out);
		return;
	}
	emit_print_args(e, x, b == BI_PRINTD || b == BI_PRINTDLN || b == BI_SPRINTD,
			b == BI_PRINTLN || b == BI_SPRINTLN || b == BI_PRINTDLN, open);
	if (!to_string)
		fputs(", (int64_t)0)", e->out);
}
