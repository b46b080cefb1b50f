/* The per-user cache of the kernel's function list and raw .BTF
 * (~/.systemtap/symbols/), so only the first run pays for decompressing
 * vmlinuz.  Each entry records the image's size and mtime it came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/atomicfile.h"
#include "lib/readfile.h"
#include "translator/front_int.h"
#include "translator/symbols_int.h"

/* ~/.systemtap/symbols/kernel-REL.funcs: "stapauth-funcs 1 SIZE MTIME" then
 * "name\tproto" lines, so only the first run pays for decompression. */
char *symcache_path(const char *release, const char *suffix)
{
	const char *dir = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	char *p;
	if (strchr(release, '/'))
		return NULL;
	if (dir && *dir) {
		if (asprintf(&p, "%s/symbols/kernel-%s.%s", dir, release, suffix) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&p, "%s/.systemtap/symbols/kernel-%s.%s", home, release, suffix) < 0)
			return NULL;
	} else {
		return NULL;
	}
	return p;
}

int symcache_read(const char *path, const struct stat *img, struct sym_table *t)
{
	unsigned char *data;
	size_t len;
	long long size, mtime;
	int off = 0;

	if (readfile_path(path, 256 << 20, &data, &len) < 0)
		return -1;
	char *buf = (char *)data, *end = buf + len;
	if (sscanf(buf, "stapauth-funcs 1 %lld %lld\n%n", &size, &mtime, &off) != 2 || off == 0 ||
	    size != (long long)img->st_size || mtime != (long long)img->st_mtime) {
		free(data);
		return -1;
	}
	t->blob = buf;
	for (char *line = buf + off; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			break;
		*nl = 0;
		char *tab = strchr(line, '\t');
		if (tab)
			*tab = 0;
		struct sym *sy = sym_slot(t);
		sy->name = line;
		sy->proto = tab ? tab + 1 : NULL;
		sy->addr = sy->offset = 0;
		line = nl + 1;
	}
	return t->n ? 0 : -1;
}

/* Cache files are replaced atomically, so a concurrent stap reads the old
 * table or the new one.  A cache that cannot be written is only slower. */
static void symcache_store(const char *path, const struct strbuf *b)
{
	char *dir = strdup(path);
	if (!dir || b->oom) {
		free(dir);
		return;
	}
	/* mkdir -p of the two levels we may need ($HOME/.systemtap/symbols). */
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		char *up = strrchr(dir, '/');
		if (up) {
			*up = 0;
			mkdir(dir, 0700);
			*up = '/';
		}
		mkdir(dir, 0700);
	}
	free(dir);
	(void)atomic_write(path, b->s ? b->s : "", b->n, 0600);
}

void symcache_write(const char *path, const struct stat *img, const struct sym_table *t)
{
	struct strbuf b = {0};
	sb_printf(&b, "stapauth-funcs 1 %lld %lld\n", (long long)img->st_size,
		  (long long)img->st_mtime);
	for (size_t i = 0; i < t->n; i++)
		sb_printf(&b, "%s\t%s\n", t->v[i].name, t->v[i].proto ? t->v[i].proto : "");
	symcache_store(path, &b);
	free(b.s);
}

/* ~/.systemtap/symbols/kernel-REL.btf: "stapauth-btf 1 SIZE MTIME\n" + .BTF */
void symcache_write_btf(const struct stap_kernel *k, const struct stat *img,
			const unsigned char *raw, size_t len)
{
	char *path = symcache_path(k->release, "btf");
	struct strbuf b = {0};
	if (path) {
		sb_printf(&b, "stapauth-btf 1 %lld %lld\n", (long long)img->st_size,
			  (long long)img->st_mtime);
		sb_putn(&b, (const char *)raw, len);
		symcache_store(path, &b);
	}
	free(b.s);
	free(path);
}
