/* Passes 3-5 around the compiled-module cache.
 *
 * The hit path parses, elaborates and hashes; nothing else: the key's file
 * digests come from the memo, the entry check is a few stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "translator/ast.h"
#include "translator/cache.h"
#include "translator/passclock.h"
#include "translator/passes.h"
#include "translator/session.h"

static int key_for(struct stap_session *s, struct stap_program *p, struct key_memo *m,
		   struct cache_key *k)
{
	struct key_input in = {0};
	char *text;
	int r;

	if (!s->kernel.release || !s->kernel.build_dir || !s->kernel.arch) {
		fprintf(stderr, "stap: no kernel build tree for the target kernel %s\n",
			s->kernel.release ? s->kernel.release : "(unknown)");
		return -1;
	}
	text = program_canonical_text(p);
	if (!text) {
		fprintf(stderr, "stap: cache key: no canonical program text\n");
		return -1;
	}
	in.program_text = text;
	in.translator = STAPAUTH_VERSION;
	in.runtime_dir = s->runtime_dir;
	in.release = s->kernel.release;
	in.arch = s->kernel.arch;
	in.build_dir = s->kernel.build_dir;
	in.target = s->target_identity;
	in.guru = s->guru;
	in.defines = (const char *const *)s->defines;
	in.ndefines = s->ndefines;
	in.kbuild_opts = (const char *const *)s->kbuild_opts;
	in.nkbuild_opts = s->nkbuild_opts;
	in.modname_opt = s->module_name;
	r = key_compute(&in, m, k);
	free(text);
	return r;
}

int driver_print_key(struct stap_session *s, struct stap_program *p, FILE *out)
{
	struct cache c;
	struct cache_key k;
	int r;

	if (s->disable_cache) {
		c.memo = key_memo_open(NULL);
		r = c.memo ? key_for(s, p, c.memo, &k) : -1;
		key_memo_free(c.memo);
	} else {
		if (cache_open(&c) < 0)
			return -1;
		r = key_for(s, p, c.memo, &k);
		cache_close(&c);
	}
	if (r < 0) {
		/* -p2 itself succeeded; only the key is missing (no kernel tree?). */
		fprintf(out, "cache: no key (see above)\n");
		return 0;
	}
	/* "cache: FIELD: VALUE" lines, then the key and the module name. */
	for (size_t i = 0; i < k.n; i++)
		fprintf(out, "cache: %s: %s\n", k.f[i].name, k.f[i].value);
	fprintf(out, "cache: key: %s\ncache: modname: %s\n", k.hex, k.modname);
	key_release(&k);
	return 0;
}

static int copy_to(const char *path, FILE *out)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "stap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
	return fflush(out) == 0 ? 0 : -1;
}

/* What the user asked for once the .ko (and its C) exist. */
static int finish(struct stap_session *s, const char *c_path, const char *ko_path)
{
	if (s->last_pass == 3)
		return copy_to(c_path, stdout) < 0 ? 1 : 0;
	if (s->last_pass == 4) {
		printf("%s\n", ko_path);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	return run_module(s, ko_path); /* prints the "Pass 5" line */
}

/* Pass 3 into c_path.  0 or -1. */
static int pass3(struct stap_session *s, struct stap_program *p, const char *modname,
		 const char *c_path)
{
	struct pass_clock clk;
	FILE *f;
	int r;

	passclock_start(&clk);
	f = fopen(c_path, "we");
	if (!f) {
		fprintf(stderr, "stap: %s: %s\n", c_path, strerror(errno));
		return -1;
	}
	r = emit_module(s, p, modname, f);
	if (fclose(f) != 0 && r == 0) {
		fprintf(stderr, "stap: %s: %s\n", c_path, strerror(errno));
		r = -1;
	}
	if (r == 0 && s->verbose) {
		fprintf(stderr, "Pass 3: translated to C into \"%s\" for kernel %s ", c_path,
			s->kernel.release);
		passclock_report(&clk, stderr);
	}
	return r;
}

static int pass4(struct stap_session *s, const char *c_path, const char *modname,
		 const char *ko_path)
{
	struct pass_clock clk;
	int r;

	passclock_start(&clk);
	r = kbuild_module(s, c_path, modname, ko_path);
	if (r == 0 && s->verbose) {
		fprintf(stderr, "Pass 4: compiled C into \"%s.ko\" for kernel %s ", modname,
			s->kernel.release);
		passclock_report(&clk, stderr);
	}
	return r;
}

/* --disable-cache: C in a temporary file, the module in the current folder. */
static int run_uncached(struct stap_session *s, struct stap_program *p)
{
	struct cache_key k;
	struct key_memo *m = key_memo_open(NULL);
	char c_path[] = "/tmp/stapXXXXXX", modname[64], ko[96], ko_tmp[128];
	int fd, rc = 1;

	if (!m || key_for(s, p, m, &k) < 0) {
		key_memo_free(m);
		return 1;
	}
	key_memo_free(m);
	snprintf(modname, sizeof modname, "%s", k.modname);
	key_release(&k);
	snprintf(ko, sizeof ko, "%s.ko", modname);
	snprintf(ko_tmp, sizeof ko_tmp, ".%s.ko.XXXXXX", modname);
	fd = mkstemp(c_path);
	if (fd < 0) {
		fprintf(stderr, "stap: temporary file: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	if (pass3(s, p, modname, c_path) < 0)
		goto out;
	if (s->last_pass == 3) {
		rc = finish(s, c_path, NULL);
		goto out;
	}
	fd = mkstemp(ko_tmp);
	if (fd < 0) {
		fprintf(stderr, "stap: %s: %s\n", ko_tmp, strerror(errno));
		goto out;
	}
	close(fd);
	if (pass4(s, c_path, modname, ko_tmp) < 0 || rename(ko_tmp, ko) < 0) {
		unlink(ko_tmp);
		goto out;
	}
	rc = finish(s, c_path, ko);
out:
	unlink(c_path);
	return rc;
}

static int use_hit(struct stap_session *s, const struct cache_entry *e)
{
	if (s->verbose) {
		fprintf(stderr,
			"Pass 3: using cached %s (cached) for kernel %s in 0usr/0sys/0real ms.\n",
			e->c, s->kernel.release);
		if (s->last_pass >= 4)
			fprintf(stderr,
				"Pass 4: using cached %s (cached) for kernel %s in 0usr/0sys/0real "
				"ms.\n",
				e->ko, s->kernel.release);
	}
	return finish(s, e->c, e->ko);
}

/* Passes 3 and 4 into temporary files of the entry, then store.  Called with
 * the entry's lock held.  0, 1 when -p3 is done, or -1. */
static int build_entry(struct stap_session *s, struct stap_program *p, struct cache *c,
		       const struct cache_key *k, const struct cache_entry *e)
{
	char c_tmp[PATH_MAX], ko_tmp[PATH_MAX];
	int r;

	r = cache_tmpfile(e, "c", c_tmp, sizeof c_tmp);
	if (r < 0) {
		fprintf(stderr, "stap: cache folder %s: %s\n", e->dir, strerror(-r));
		return -1;
	}
	if (pass3(s, p, k->modname, c_tmp) < 0) {
		unlink(c_tmp);
		return -1;
	}
	if (s->last_pass == 3) {
		r = copy_to(c_tmp, stdout);
		unlink(c_tmp);
		return r < 0 ? -1 : 1;
	}
	r = cache_tmpfile(e, "ko", ko_tmp, sizeof ko_tmp);
	if (r < 0 || pass4(s, c_tmp, k->modname, ko_tmp) < 0) {
		if (r < 0)
			fprintf(stderr, "stap: cache folder %s: %s\n", e->dir, strerror(-r));
		else
			unlink(ko_tmp);
		unlink(c_tmp); /* a failed compile is never cached */
		return -1;
	}
	return cache_store(c, k, e, ko_tmp, c_tmp, s->script_buf ? s->script_buf : "");
}

static int run_cached(struct stap_session *s, struct stap_program *p, struct cache *c)
{
	struct cache_key k;
	struct cache_entry e;
	enum cache_state st = CACHE_MISS;
	const char *why = NULL;
	int lock, r, rc = 1;

	if (key_for(s, p, c->memo, &k) < 0)
		return 1;
	if (cache_entry_paths(c, &k, &e) < 0) {
		fprintf(stderr, "stap: cache folder %s: name too long\n", c->dir);
		goto out;
	}
	if (!s->poison_cache && (st = cache_lookup(c, &k, &e, &why)) == CACHE_HIT) {
		rc = use_hit(s, &e);
		goto out;
	}
	/* Miss: one compile per key at a time; the others wait, then hit. */
	if ((lock = cache_lock(&e)) < 0)
		goto out;
	if (!s->poison_cache && (st = cache_lookup(c, &k, &e, &why)) == CACHE_HIT) {
		cache_unlock(lock);
		rc = use_hit(s, &e);
		goto out;
	}
	if (st == CACHE_CORRUPT) {
		fprintf(stderr, "stap: cache entry %s is damaged (%s); rebuilding\n", e.log, why);
		cache_remove(&e);
	}
	r = build_entry(s, p, c, &k, &e);
	cache_unlock(lock);
	if (r != 0) {
		rc = r > 0 ? 0 : 1;
		goto out;
	}
	cache_clean(c, cache_limit_bytes(c), &e);
	rc = finish(s, e.c, e.ko);
out:
	key_release(&k);
	return rc;
}

int driver_clean_cache(struct stap_session *s)
{
	struct cache c;
	int n;

	(void)s;
	if (cache_open(&c) < 0)
		return 1;
	n = cache_clean(&c, cache_limit_bytes(&c), NULL);
	if (s->verbose)
		fprintf(stderr, "stap: cache %s: removed %d entries\n", c.dir, n);
	cache_close(&c);
	return 0;
}

int driver_run(struct stap_session *s, struct stap_program *p)
{
	struct cache c;
	int rc;

	if (s->disable_cache)
		return run_uncached(s, p);
	if (cache_open(&c) < 0)
		return 1;
	rc = run_cached(s, p, &c);
	cache_close(&c);
	if (s->clean_cache)
		driver_clean_cache(s);
	return rc;
}
