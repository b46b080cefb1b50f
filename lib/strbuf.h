/* A growable, always NUL-terminated string.  Appends after an allocation
 * failure do nothing and set oom, so a caller checks once at the end.
 * Zero-initialize; free(b.s) when done. */
#ifndef LIB_STRBUF_H
#define LIB_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t n, cap;
	int oom;
};

void sb_puts(struct strbuf *b, const char *s);
void sb_putn(struct strbuf *b, const char *s, size_t n);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as one word for a POSIX shell: in single quotes, each ' as '\''. */
void sb_shquote(struct strbuf *b, const char *s);

#endif
