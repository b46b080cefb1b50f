/* Reading what clush reports: each line to its host, the marker to the
 * host's status, timeouts aside.  The bytes come from the hosts, so every
 * line is taken as text of any length and nothing in it is a format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize/fleet.h"
#include "lib/array.h"
#include "lib/number.h"

void fleet_free(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->h[i].name);
		free(f->h[i].out.s);
		free(f->h[i].err.s);
	}
	free(f->h);
	free(f->timeouts.s);
	free(f->said.s);
	free(f->line[0].s);
	free(f->line[1].s);
}

int fleet_host_add(struct fleet *f, const char *name)
{
	char *s = strdup(name);

	if (!s || array_grow(&f->h, &f->cap, f->n, sizeof *f->h, 16) < 0) {
		free(s);
		return -ENOMEM;
	}
	f->h[f->n++] = (struct fleet_host){.name = s, .rc = -1};
	return 0;
}

struct fleet_host *fleet_find(struct fleet *f, const char *name, size_t len)
{
	for (size_t k = 0; k < f->n; k++) {
		size_t i = (f->last + k) % f->n; /* clush tends to repeat a host */
		if (strlen(f->h[i].name) == len && !memcmp(f->h[i].name, name, len)) {
			f->last = i;
			return &f->h[i];
		}
	}
	return NULL;
}

/* One whole line from clush: "HOST: text" on stdout (fd 0) or stderr (fd
 * 1), or clush's own "clush: ..." messages. */
static void fleet_line(struct fleet *f, int fd, const char *s)
{
	const char *sep = strstr(s, ": ");
	struct fleet_host *h = sep ? fleet_find(f, s, (size_t)(sep - s)) : NULL;
	size_t n = strlen(s), m = strlen(FLEET_TIMEOUT_MSG);

	long long rc;

	if (h && fd == 0 && !strncmp(sep + 2, FLEET_MARK, strlen(FLEET_MARK)) &&
	    number_parse(sep + 2 + strlen(FLEET_MARK), 0, 255, &rc) == 0) {
		h->rc = (int)rc;
		return;
	}
	if (h) {
		sb_printf(fd == 0 ? &h->out : &h->err, "%s\n", sep + 2);
		return;
	}
	if (!strncmp(s, "clush: ", 7) && n > 7 + m && !strcmp(s + n - m, FLEET_TIMEOUT_MSG)) {
		sb_printf(&f->timeouts, "%s%.*s", f->timeouts.n ? "," : "", (int)(n - 7 - m),
			  s + 7);
		return;
	}
	if (!strncmp(s, "clush: ", 7) && strstr(s, ": exited with exit code "))
		return;			/* the marker, or its absence, says it better */
	sb_printf(&f->said, "%s\n", s); /* clush's own trouble: passed on */
}

void fleet_feed(struct fleet *f, int fd, const char *buf, size_t n)
{
	struct strbuf *l = &f->line[fd];

	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) : n;
		sb_putn(l, buf, k);
		if (!nl)
			return;
		fleet_line(f, fd, l->s ? l->s : "");
		l->n = 0;
		if (l->s)
			l->s[0] = '\0';
		buf += k + 1;
		n -= k + 1;
	}
}

const char *fleet_text(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

/* Same output on stdout (fd 0) or stderr (fd 1), for the gathered blocks
 * of the hosts that succeeded. */
int fleet_same_out(const struct fleet_host *a, const struct fleet_host *b)
{
	return a->rc == 0 && b->rc == 0 && !strcmp(fleet_text(&a->out), fleet_text(&b->out));
}

int fleet_same_err(const struct fleet_host *a, const struct fleet_host *b)
{
	return a->rc == 0 && b->rc == 0 && !strcmp(fleet_text(&a->err), fleet_text(&b->err));
}

/* Same outcome, for the summary: every success together, failures by
 * status and by what the host said. */
int fleet_same_outcome(const struct fleet_host *a, const struct fleet_host *b)
{
	return a->rc == b->rc && a->timed_out == b->timed_out &&
	       (a->rc == 0 || !strcmp(fleet_text(&a->err), fleet_text(&b->err)));
}

void fleet_group(struct fleet *f, int (*same)(const struct fleet_host *, const struct fleet_host *))
{
	for (size_t i = 0; i < f->n; i++) {
		f->h[i].group = (int)i;
		for (size_t j = 0; j < i; j++)
			if (f->h[j].group == (int)j && same(&f->h[i], &f->h[j])) {
				f->h[i].group = (int)j;
				break;
			}
	}
}
