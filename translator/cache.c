/* The compiled-module cache (see cache.h). */
#include "translator/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/atomicfile.h"
#include "lib/number.h"
#include "lib/readfile.h"

#define LOG_CAP (64 * 1024)
/* Leftovers of a killed run older than this are removed by cleaning. */
#define STALE_SECONDS 3600

static int fmt_path(char *out, size_t len, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(out, len, fmt, a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		return 0;
	}
	/* Not the umask's choice: lookups refuse group-writable folders. */
	return chmod(buf, mode) < 0 ? -errno : 0;
}

/* $HOME when it belongs to the effective user, else that user's home from
 * the password database: root under "sudo -E" must not build its cache in a
 * folder the user owns (lookups there would refuse every entry). */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;
	struct stat st;

	if (h && *h && stat(h, &st) == 0 && st.st_uid == geteuid())
		return h;
	pw = getpwuid(geteuid());
	return pw ? pw->pw_dir : h;
}

int cache_open(struct cache *c)
{
	const char *root = getenv("SYSTEMTAP_DIR"), *home;
	char memo[PATH_MAX];
	int r;

	memset(c, 0, sizeof *c);
	if (root && *root)
		r = fmt_path(c->dir, sizeof c->dir, "%s/%s", root, "cache");
	else if ((home = home_dir()))
		r = fmt_path(c->dir, sizeof c->dir, "%s/%s", home, ".systemtap/cache");
	else
		r = -ENOENT;
	if (r == 0)
		r = mkdir_p(c->dir, 0755);
	if (r < 0) {
		fprintf(stderr, "stap: cache folder %s: %s\n", c->dir[0] ? c->dir : "(no $HOME)",
			strerror(-r));
		return -1;
	}
	if (fmt_path(memo, sizeof memo, "%s/%s", c->dir, "digests") < 0 ||
	    !(c->memo = key_memo_open(memo))) {
		fprintf(stderr, "stap: cache folder %s: out of memory\n", c->dir);
		return -1;
	}
	return 0;
}

void cache_close(struct cache *c)
{
	if (!c->memo)
		return;
	key_memo_save(c->memo); /* only a speed-up: a failure costs a re-hash */
	key_memo_free(c->memo);
	c->memo = NULL;
}

int cache_entry_paths(const struct cache *c, const struct cache_key *k, struct cache_entry *e)
{
	char two[3] = {k->hex[0], k->hex[1], '\0'};
	const char *dir = e->dir;

	if (fmt_path(e->dir, sizeof e->dir, "%s/%s", c->dir, two) < 0 ||
	    fmt_path(e->ko, sizeof e->ko, "%s/stap_%s.ko", dir, k->hex) < 0 ||
	    fmt_path(e->c, sizeof e->c, "%s/stap_%s.c", dir, k->hex) < 0 ||
	    fmt_path(e->stp, sizeof e->stp, "%s/stap_%s.stp", dir, k->hex) < 0 ||
	    fmt_path(e->log, sizeof e->log, "%s/stap_%s.log", dir, k->hex) < 0 ||
	    fmt_path(e->lock, sizeof e->lock, "%s/stap_%s.lock", dir, k->hex) < 0)
		return -ENAMETOOLONG;
	return 0;
}

int cache_elf_sane(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;
	struct stat st;
	GElf_Ehdr eh;
	size_t nsec = 0;
	Elf *elf;

	if (fd < 0)
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE || fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh) && eh.e_type == ET_REL &&
	    elf_getshdrnum(elf, &nsec) == 0 && nsec > 1) {
		ok = 1;
		/* Every section's bytes must lie inside the file (truncation). */
		for (Elf_Scn *scn = NULL; ok && (scn = elf_nextscn(elf, scn));) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				ok = 0;
			else if (sh.sh_type != SHT_NOBITS &&
				 sh.sh_offset + sh.sh_size > (unsigned long long)st.st_size)
				ok = 0;
		}
	}
	elf_end(elf);
	close(fd);
	return ok ? 0 : -1;
}

/* The value after "name: " on its own line of the log, copied to out. */
static int log_field(const char *log, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, nl) != 0 || p[nl] != ':' || p[nl + 1] != ' ')
			continue;
		const char *v = p + nl + 2, *end = strchr(v, '\n');
		size_t vl = end ? (size_t)(end - v) : strlen(v);
		if (vl >= len)
			return -1;
		memcpy(out, v, vl);
		out[vl] = '\0';
		return 0;
	}
	return -1;
}

/* "sha256:HEX SIZE" recorded for a file, checked against the file. */
static int check_file(struct cache *c, const char *log, const char *field, const char *path)
{
	char rec[128], hex[KEY_HEXLEN + 1], want[KEY_HEXLEN + 1];
	unsigned long long size;
	struct stat st;

	if (log_field(log, field, rec, sizeof rec) < 0 ||
	    sscanf(rec, "sha256:%64[0-9a-f] %llu", want, &size) != 2 || strlen(want) != KEY_HEXLEN)
		return -1;
	if (stat(path, &st) < 0 || (unsigned long long)st.st_size != size)
		return -1;
	if (key_file_digest(c->memo, path, hex) < 0 || strcmp(hex, want) != 0)
		return -1;
	return 0;
}

/* Only files this user alone could have written are trusted: a module from
 * a cache someone else can write to must never be loaded, least of all by
 * root.  Regular files (or the folder), owned by the effective uid, not
 * writable by group or others. */
static int owned_safely(const char *path, int want_dir)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return 0;
	return st.st_uid == geteuid() && !(st.st_mode & 022);
}

enum cache_state cache_lookup(struct cache *c, const struct cache_key *k,
			      const struct cache_entry *e, const char **why)
{
	unsigned char *log;
	size_t len;
	char key[KEY_HEXLEN + 2];
	const char *bad = NULL;
	int r = readfile_path(e->log, LOG_CAP, &log, &len);

	if (r == -ENOENT)
		return CACHE_MISS;
	if (r < 0)
		bad = "unreadable log";
	else if (!owned_safely(e->dir, 1) || !owned_safely(e->log, 0) || !owned_safely(e->ko, 0) ||
		 !owned_safely(e->c, 0))
		bad = "not owned by this user alone, or writable by others";
	else if (strlen((char *)log) != len || log_field((char *)log, "key", key, sizeof key) < 0 ||
		 strcmp(key, k->hex) != 0)
		bad = "log does not name this key";
	else if (check_file(c, (char *)log, "ko", e->ko) < 0)
		bad = "module missing or differs from its recorded digest";
	else if (check_file(c, (char *)log, "c", e->c) < 0)
		bad = "C source missing or differs from its recorded digest";
	/* No ELF parsing here: cache_store checked the very bytes whose digest
	 * the .log records, and the .log is this user's alone and names a key
	 * that includes this translator's own digest.  A .ko that matches is
	 * the checked one; re-reading it with libelf on every hit would prove
	 * nothing more and load libelf for nothing (issue 17). */
	if (r == 0)
		free(log);
	if (why)
		*why = bad;
	if (bad)
		return CACHE_CORRUPT;
	/* The .log's mtime is the entry's last use, for LRU cleaning. */
	utimensat(AT_FDCWD, e->log, NULL, 0);
	return CACHE_HIT;
}

int cache_lock(const struct cache_entry *e)
{
	int fd, r;

	r = mkdir_p(e->dir, 0755);
	fd = r < 0 ? r : open(e->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "stap: cache lock %s: %s\n", e->lock, strerror(r < 0 ? -r : errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		fprintf(stderr, "stap: cache lock %s: %s\n", e->lock, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

void cache_remove(const struct cache_entry *e)
{
	unlink(e->log);
	unlink(e->ko);
	unlink(e->c);
	unlink(e->stp);
}

/* DIR/.tmp.PID.NAME.SUFFIX.XXXXXX: the pid lets cleaning remove what a
 * killed run left at once. */
static int cache_tmpname(const struct cache_entry *e, const char *suffix, char *out, size_t len)
{
	const char *base = strrchr(e->log, '/') + 1;
	int n = snprintf(out, len, "%s/.tmp.%ld.%.*s.%s.XXXXXX", e->dir, (long)getpid(),
			 (int)(strlen(base) - 4), base, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cache_tmpfile(const struct cache_entry *e, const char *suffix, char *out, size_t len)
{
	int fd, r = cache_tmpname(e, suffix, out, len);

	if (r < 0)
		return r;
	fd = mkstemp(out);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);
	close(fd);
	return 0;
}

/* Write text to path atomically, through a temporary file cleaning knows. */
static int write_atomic(const struct cache_entry *e, const char *suffix, const char *path,
			const char *text)
{
	char tmpl[PATH_MAX];
	int r = cache_tmpname(e, suffix, tmpl, sizeof tmpl);

	return r < 0 ? r : atomic_write_tmp(path, tmpl, text, strlen(text), 0644);
}

static int file_record(const char *path, char *out, size_t len)
{
	char hex[KEY_HEXLEN + 1];
	struct stat st;
	int r = key_file_digest(NULL, path, hex);

	if (r < 0 || stat(path, &st) < 0)
		return r < 0 ? r : -errno;
	snprintf(out, len, "sha256:%s %llu", hex, (unsigned long long)st.st_size);
	return 0;
}

static char *log_text(const struct cache_key *k, const char *ko_rec, const char *c_rec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "# stapauth cache entry: the fields of the key, then the files\n");
	key_print(k, f);
	fprintf(f, "modname: %s\nko: %s\nc: %s\ncreated: %lld\n", k->modname, ko_rec, c_rec,
		(long long)time(NULL));
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int cache_store(struct cache *c, const struct cache_key *k, const struct cache_entry *e,
		const char *ko_tmp, const char *c_tmp, const char *script)
{
	char ko_rec[128], c_rec[128], *log = NULL;
	const char *what = "module";
	int r;

	(void)c;
	/* The .log goes first, so nobody uses the old entry while it changes. */
	unlink(e->log);
	r = cache_elf_sane(ko_tmp) < 0 ? -ENOEXEC : 0;
	if (r == 0 && (chmod(ko_tmp, 0644) < 0 || chmod(c_tmp, 0644) < 0))
		r = -errno;
	if (r == 0)
		r = file_record(ko_tmp, ko_rec, sizeof ko_rec);
	if (r == 0 && (what = "C source", r = file_record(c_tmp, c_rec, sizeof c_rec)) == 0)
		r = (what = "module", atomic_rename(ko_tmp, e->ko));
	if (r == 0)
		r = (what = "C source", atomic_rename(c_tmp, e->c));
	if (r == 0)
		r = (what = "script", write_atomic(e, "stp", e->stp, script));
	if (r == 0 && (what = "log", !(log = log_text(k, ko_rec, c_rec))))
		r = -ENOMEM;
	if (r == 0)
		r = write_atomic(e, "log", e->log, log);
	free(log);
	if (r < 0) {
		fprintf(stderr, "stap: cache %s: not stored: the %s: %s\n", e->log, what,
			r == -ENOEXEC ? "not a sane ELF module" : strerror(-r));
		unlink(ko_tmp);
		unlink(c_tmp);
		cache_remove(e);
		return -1;
	}
	return 0;
}

unsigned long long cache_limit_bytes(const struct cache *c)
{
	char path[PATH_MAX], buf[32] = "";
	unsigned long long mb = CACHE_DEFAULT_MB;
	FILE *f;

	if (fmt_path(path, sizeof path, "%s/%s", c->dir, "cache_mb_limit") < 0)
		return mb << 20;
	f = fopen(path, "re");
	if (!f) {
		f = fopen(path, "wxe");
		if (f) {
			fprintf(f, "%d\n", CACHE_DEFAULT_MB);
			fclose(f);
		}
		return mb << 20;
	}
	if (fgets(buf, sizeof buf, f)) {
		long long v;

		buf[strcspn(buf, "\n")] = '\0';
		if (number_parse(buf, 0, (1LL << 40) - 1, &v) == 0)
			mb = (unsigned long long)v;
	}
	fclose(f);
	return mb << 20;
}

struct clean_entry {
	char base[80]; /* stap_KEY */
	char dir[PATH_MAX];
	unsigned long long size;
	long long used; /* .log mtime, ns */
};

struct clean_list {
	struct clean_entry *e;
	size_t n, cap;
	unsigned long long total;
};

static long long mtime_ns(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* The entry named by a file: "stap_" + 64 hex; 0 if the name is not one. */
static int entry_base(const char *name, char base[80])
{
	if (strncmp(name, "stap_", 5) != 0 || strspn(name + 5, "0123456789abcdef") != KEY_HEXLEN ||
	    name[5 + KEY_HEXLEN] != '.')
		return 0;
	snprintf(base, 80, "%.*s", 5 + KEY_HEXLEN, name);
	return 1;
}

static struct clean_entry *list_entry(struct clean_list *l, const char *dir, const char *base)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->e[i].base, base) == 0 && strcmp(l->e[i].dir, dir) == 0)
			return &l->e[i];
	if (array_grow(&l->e, &l->cap, l->n, sizeof *l->e, 64) < 0)
		return NULL;
	memset(&l->e[l->n], 0, sizeof l->e[l->n]);
	snprintf(l->e[l->n].base, sizeof l->e[l->n].base, "%s", base);
	snprintf(l->e[l->n].dir, sizeof l->e[l->n].dir, "%s", dir);
	l->e[l->n].used = -1; /* no .log yet */
	return &l->e[l->n++];
}

/* ".tmp.PID.": is that process gone? */
static int writer_gone(const char *name)
{
	char *end;
	long pid = strtol(name + 5, &end, 10);

	if (end == name + 5 || *end != '.' || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Remove old leftovers in one XX folder and list its entries. */
static void clean_scan_dir(struct clean_list *l, const char *dir, time_t now)
{
	DIR *dh = opendir(dir);
	struct dirent *d;

	if (!dh)
		return;
	while ((d = readdir(dh))) {
		char path[PATH_MAX], base[80];
		struct stat st;
		struct clean_entry *ce;
		if (d->d_name[0] == '.' && strncmp(d->d_name, ".tmp.", 5) != 0)
			continue;
		if (fmt_path(path, sizeof path, "%s/%s", dir, d->d_name) < 0 ||
		    lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strncmp(d->d_name, ".tmp.", 5) == 0) {
			if (now - st.st_mtime > STALE_SECONDS || writer_gone(d->d_name))
				unlink(path); /* a killed run's temporary file */
			continue;
		}
		if (!entry_base(d->d_name, base) || !(ce = list_entry(l, dir, base)))
			continue;
		ce->size += (unsigned long long)st.st_size;
		l->total += (unsigned long long)st.st_size;
		if (strcmp(d->d_name + strlen(base), ".log") == 0)
			ce->used = mtime_ns(&st);
		else if (ce->used < 0 && now - st.st_mtime <= STALE_SECONDS)
			ce->used = -2; /* being written, perhaps: leave it */
	}
	closedir(dh);
}

static int cmp_used(const void *a, const void *b)
{
	const struct clean_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* Remove one entry unless somebody holds its lock. */
static int clean_remove(struct clean_list *l, struct clean_entry *ce)
{
	static const char *const ext[] = {".log", ".ko", ".c", ".stp"};
	char lock[PATH_MAX], path[PATH_MAX];
	int fd;

	if (fmt_path(lock, sizeof lock, "%s/%s.lock", ce->dir, ce->base) < 0)
		return 0;
	fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		if (fmt_path(path, sizeof path, "%s/%s", ce->dir, ce->base) == 0 &&
		    strlen(path) + strlen(ext[i]) < sizeof path)
			unlink(strcat(path, ext[i]));
	unlink(lock);
	if (fd >= 0)
		close(fd);
	l->total -= ce->size;
	return 1;
}

int cache_clean(struct cache *c, unsigned long long limit, const struct cache_entry *keep)
{
	struct clean_list l = {0};
	time_t now = time(NULL);
	DIR *dh = opendir(c->dir);
	struct dirent *d;
	int removed = 0;

	if (!dh)
		return 0;
	while ((d = readdir(dh))) {
		char sub[PATH_MAX];
		if (strlen(d->d_name) == 2 && strspn(d->d_name, "0123456789abcdef") == 2 &&
		    fmt_path(sub, sizeof sub, "%s/%s", c->dir, d->d_name) == 0)
			clean_scan_dir(&l, sub, now);
	}
	closedir(dh);
	qsort(l.e, l.n, sizeof *l.e, cmp_used);
	for (size_t i = 0; i < l.n; i++) {
		struct clean_entry *ce = &l.e[i];
		char log[PATH_MAX];
		if (ce->used == -2)
			continue;
		if (keep && fmt_path(log, sizeof log, "%s/%s.log", ce->dir, ce->base) == 0 &&
		    strcmp(log, keep->log) == 0)
			continue;
		/* Entries without a .log are leftovers; the rest go oldest first. */
		if (ce->used == -1 || l.total > limit)
			removed += clean_remove(&l, ce);
	}
	free(l.e);
	return removed;
}
