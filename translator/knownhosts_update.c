/* Recording a target in a known_hosts file (stap-target add): the file is
 * parsed first (a broken file is never rewritten), then the line of the
 * name is replaced or a line appended, and the result replaces the file
 * atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/atomicfile.h"
#include "lib/readfile.h"
#include "translator/knownhosts.h"

/* The record for the old line without name, or NULL when name was its
 * only one. */
static int kh_without(const struct kh_record *old, const char *name, struct strbuf *line)
{
	struct kh_record copy = *old;
	char *names[64];
	size_t n = 0;

	for (size_t i = 0; i < old->nnames && n < 64; i++)
		if (strcmp(old->names[i], name) != 0)
			names[n++] = old->names[i];
	if (!n)
		return 0;
	copy.names = names;
	copy.nnames = n;
	kh_format(&copy, line);
	return 1;
}

/* The new line for rec, carrying the other names and the groups of old
 * (same host): refreshing a record keeps it in its fleets. */
static void kh_merged(const struct kh_record *rec, const struct kh_record *old, struct strbuf *line)
{
	struct kh_record copy = *rec;

	if (old) {
		copy.names = old->names;
		copy.nnames = old->nnames;
		if (!copy.groups)
			copy.groups = old->groups;
	}
	kh_format(&copy, line);
}

/* Copy text to out, with line `at` (1-based; 0: none) replaced by repl
 * (NULL: dropped). */
static void kh_splice(const char *text, size_t len, unsigned at, const char *repl,
		      struct strbuf *out)
{
	const char *s = text, *end = text + len, *nl;
	unsigned line = 0;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		line++;
		if (line != at)
			sb_putn(out, s, (size_t)((nl ? nl + 1 : end) - s));
		else if (repl)
			sb_printf(out, "%s\n", repl);
		if (!nl && line != at)
			sb_puts(out, "\n");
		s = nl ? nl + 1 : end;
	}
}

static int kh_mkdir_for(const char *path)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	int r = 0;

	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			r = -errno;
	}
	free(dir);
	return r;
}

static int kh_write(const char *path, const struct strbuf *text)
{
	int r = kh_mkdir_for(path);

	if (r == 0)
		r = atomic_write(path, text->s ? text->s : "", text->n, 0644);
	if (r < 0)
		fprintf(stderr, "stap-target: %s: %s\n", path, strerror(-r));
	return r < 0 ? -1 : 0;
}

static int kh_update_text(const char *path, const char *text, size_t len,
			  const struct known_hosts *kh, const struct kh_record *rec, int force,
			  struct strbuf *written)
{
	const struct kh_record *old = kh_find(kh, rec->names[0]);
	struct strbuf out = {0}, line = {0}, exec = {0};
	int r;

	if (old && !kh_same_host(old, rec) && !force) {
		kh_format_execute(old, &exec);
		fprintf(stderr,
			"stap-target: %s:%u: target '%s' is bound to %s; not changed (--force "
			"rebinds it)\n",
			path, old->line, rec->names[0], exec.s ? exec.s : "?");
		free(exec.s);
		return -1;
	}
	if (old && kh_same_host(old, rec)) {
		kh_merged(rec, old, &line);
		kh_splice(text, len, old->line, line.s, &out);
	} else {
		if (old && kh_without(old, rec->names[0], &line))
			kh_splice(text, len, old->line, line.s, &out);
		else
			kh_splice(text, len, old ? old->line : 0, NULL, &out);
		line.n = 0;
		kh_merged(rec, NULL, &line);
		sb_printf(&out, "%s\n", line.s);
	}
	r = out.oom || line.oom ? -1 : kh_write(path, &out);
	if (r == 0)
		sb_puts(written, line.s);
	free(out.s);
	free(line.s);
	return r;
}

int kh_file_update(const char *path, const struct kh_record *rec, int force, struct strbuf *written)
{
	struct known_hosts kh = {0};
	struct strbuf err = {0};
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = readfile_path(path, KH_FILE_MAX, &buf, &len);

	if (r < 0 && r != -ENOENT) {
		fprintf(stderr, "stap-target: %s: %s\n", path, readfile_strerror(r));
		return -1;
	}
	if (r == 0 && kh_parse(&kh, path, (const char *)buf, len, &err) != 0) {
		fputs(err.s ? err.s : "stap-target: out of memory\n", stderr);
		fprintf(stderr, "stap-target: %s: not changed (fix the errors above first)\n",
			path);
		r = -1;
	} else {
		r = kh_update_text(path, buf ? (const char *)buf : "", len, &kh, rec, force,
				   written);
	}
	kh_free(&kh);
	free(err.s);
	free(buf);
	return r;
}
