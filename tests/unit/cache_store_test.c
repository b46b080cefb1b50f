/* The cache entries: atomic store, verified lookup, concurrency, LRU. */
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "translator/cache.h"

/* An ELF relocatable object standing in for a .ko. */
static int make_object(const char *path, const char *code)
{
	char cmd[1024];

	if (snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | cc -c -x c - -o '%s' 2>/dev/null", code,
		     path) >= (int)sizeof cmd)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

static int open_cache(struct cache *c)
{
	char root[512];

	snprintf(root, sizeof root, "%s/stapdir", unit_tmpdir());
	setenv("SYSTEMTAP_DIR", root, 1);
	return cache_open(c);
}

static void fake_key(struct cache_key *k, char fill)
{
	memset(k, 0, sizeof *k);
	memset(k->hex, fill, KEY_HEXLEN);
	k->hex[KEY_HEXLEN] = '\0';
	snprintf(k->modname, sizeof k->modname, "stap_%.32s", k->hex);
}

/* Build (fake passes 3-4) and store the entry for k. */
static int store(struct cache *c, const struct cache_key *k, struct cache_entry *e,
		 const char *code)
{
	char ko[PATH_MAX], src[PATH_MAX];
	FILE *f;

	if (cache_entry_paths(c, k, e) < 0)
		return -1;
	int lock = cache_lock(e);
	if (lock < 0 || cache_tmpfile(e, "c", src, sizeof src) < 0 ||
	    cache_tmpfile(e, "ko", ko, sizeof ko) < 0)
		return -1;
	f = fopen(src, "w");
	fprintf(f, "/* %s */\n", code);
	fclose(f);
	if (make_object(ko, code) < 0)
		return -1;
	int r = cache_store(c, k, e, ko, src, "probe begin { exit() }\n");
	cache_unlock(lock);
	return r;
}

static void corrupt(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char b;

	pread(fd, &b, 1, at);
	b ^= 0xff;
	pwrite(fd, &b, 1, at);
	close(fd);
}

TEST(store_then_hit)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	struct stat st;

	CHECK(open_cache(&c) == 0);
	fake_key(&k, 'a');
	CHECK(cache_entry_paths(&c, &k, &e) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_MISS);
	CHECK(store(&c, &k, &e, "int x = 1;") == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	CHECK(strstr(e.ko, "/cache/aa/stap_aaaa") != NULL);
	CHECK(stat(e.stp, &st) == 0 && stat(e.c, &st) == 0 && stat(e.log, &st) == 0);
	/* A different key is a miss. */
	struct cache_key k2;
	struct cache_entry e2;
	fake_key(&k2, 'b');
	cache_entry_paths(&c, &k2, &e2);
	CHECK(cache_lookup(&c, &k2, &e2, NULL) == CACHE_MISS);
	cache_close(&c);
}

TEST(corrupt_or_truncated_entry_is_detected)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	struct stat st;
	const char *why = NULL;

	CHECK(open_cache(&c) == 0);
	fake_key(&k, 'c');
	CHECK(store(&c, &k, &e, "int y = 2;") == 0);
	CHECK(stat(e.ko, &st) == 0);
	corrupt(e.ko, st.st_size / 2);
	CHECK(cache_lookup(&c, &k, &e, &why) == CACHE_CORRUPT);
	CHECK(why != NULL);
	CHECK(store(&c, &k, &e, "int y = 2;") == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	CHECK(truncate(e.ko, st.st_size - 100) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	CHECK(store(&c, &k, &e, "int y = 2;") == 0);
	CHECK(truncate(e.c, 3) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	CHECK(store(&c, &k, &e, "int y = 2;") == 0);
	CHECK(truncate(e.log, 40) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	cache_close(&c);
}

TEST(not_an_elf_module_is_refused)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	char ko[PATH_MAX], src[PATH_MAX];

	CHECK(open_cache(&c) == 0);
	fake_key(&k, 'd');
	CHECK(cache_entry_paths(&c, &k, &e) == 0);
	int lock = cache_lock(&e);
	CHECK(cache_tmpfile(&e, "c", src, sizeof src) == 0);
	CHECK(cache_tmpfile(&e, "ko", ko, sizeof ko) == 0);
	FILE *f = fopen(ko, "w");
	fputs("\177ELF garbage", f);
	fclose(f);
	CHECK(cache_store(&c, &k, &e, ko, src, "x") < 0);
	cache_unlock(lock);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_MISS);
	CHECK(access(ko, F_OK) < 0 && access(src, F_OK) < 0);
	cache_close(&c);
}

/* A writer killed before the .log is renamed leaves no usable entry. */
TEST(killed_writer_leaves_nothing_usable)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	pid_t pid;
	int pfd[2];
	char ch;

	CHECK(open_cache(&c) == 0);
	fake_key(&k, 'e');
	CHECK(cache_entry_paths(&c, &k, &e) == 0);
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		char ko[PATH_MAX];
		int lock = cache_lock(&e);
		cache_tmpfile(&e, "ko", ko, sizeof ko);
		make_object(ko, "int z;");
		rename(ko, e.ko); /* the module is in place, the .log is not yet */
		write(pfd[1], "x", 1);
		pause();
		_exit(lock);
	}
	close(pfd[1]);
	CHECK(read(pfd[0], &ch, 1) == 1);
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(access(e.ko, F_OK) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_MISS);
	/* The lock died with the writer: the next one gets it at once. */
	int lock = cache_lock(&e);
	CHECK(lock >= 0);
	cache_unlock(lock);
	CHECK(store(&c, &k, &e, "int z;") == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	cache_close(&c);
}

/* Eight identical compiles at once: all succeed, one build, one entry. */
TEST(eight_concurrent_compiles)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	char builds[PATH_MAX], cmd[PATH_MAX + 64];
	pid_t pids[8];
	int ok = 1;

	CHECK(open_cache(&c) == 0);
	fake_key(&k, 'f');
	CHECK(cache_entry_paths(&c, &k, &e) == 0);
	snprintf(builds, sizeof builds, "%s/builds", unit_tmpdir());
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct cache cc;
			int rc = 1;
			if (cache_open(&cc) < 0)
				_exit(2);
			if (cache_lookup(&cc, &k, &e, NULL) != CACHE_HIT) {
				int lock = cache_lock(&e);
				if (cache_lookup(&cc, &k, &e, NULL) != CACHE_HIT) {
					int fd = open(builds, O_WRONLY | O_APPEND | O_CREAT, 0644);
					write(fd, "b", 1);
					close(fd);
					char ko[PATH_MAX], src[PATH_MAX];
					cache_tmpfile(&e, "c", src, sizeof src);
					cache_tmpfile(&e, "ko", ko, sizeof ko);
					make_object(ko, "int w;");
					usleep(200000);
					cache_store(&cc, &k, &e, ko, src, "s");
				}
				cache_unlock(lock);
			}
			rc = cache_lookup(&cc, &k, &e, NULL) == CACHE_HIT ? 0 : 1;
			cache_close(&cc);
			_exit(rc);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(ok);
	struct stat st;
	CHECK(stat(builds, &st) == 0 && st.st_size == 1);
	snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c '^stap_') -eq 5", e.dir);
	CHECK(system(cmd) == 0); /* .ko .c .stp .log .lock, no temporaries */
	cache_close(&c);
}

TEST(limit_file_default_and_lru)
{
	struct cache c;
	struct cache_key k[3];
	struct cache_entry e[3];
	char path[PATH_MAX + 32], line[32];
	FILE *f;

	CHECK(open_cache(&c) == 0);
	CHECK(cache_limit_bytes(&c) == 256ULL << 20);
	snprintf(path, sizeof path, "%s/cache_mb_limit", c.dir);
	f = fopen(path, "r");
	CHECK(f && fgets(line, sizeof line, f));
	fclose(f);
	CHECK_STR(line, "256\n");
	for (int i = 0; i < 3; i++) {
		fake_key(&k[i], "123"[i]);
		CHECK(store(&c, &k[i], &e[i], "int big[10000] = {1};") == 0);
		/* Entry 1 used longest ago, then 0, then 2. */
		struct timespec ts[2] = {{1000000 + (i == 1   ? 0
						     : i == 0 ? 10
							      : 20),
					  0},
					 {1000000 + (i == 1   ? 0
						     : i == 0 ? 10
							      : 20),
					  0}};
		CHECK(utimensat(AT_FDCWD, e[i].log, ts, 0) == 0);
	}
	struct stat st;
	unsigned long long one = 0;
	const char *files[] = {e[0].ko, e[0].c, e[0].stp, e[0].log};
	for (int i = 0; i < 4; i++)
		if (stat(files[i], &st) == 0)
			one += (unsigned long long)st.st_size;
	/* Room for two entries: the least recently used one goes. */
	CHECK(cache_clean(&c, 2 * one + one / 2, NULL) == 1);
	CHECK(cache_lookup(&c, &k[1], &e[1], NULL) == CACHE_MISS);
	CHECK(cache_lookup(&c, &k[0], &e[0], NULL) == CACHE_HIT); /* now most recent */
	CHECK(cache_clean(&c, one + one / 2, NULL) == 1);
	CHECK(cache_lookup(&c, &k[2], &e[2], NULL) == CACHE_MISS);
	CHECK(cache_lookup(&c, &k[0], &e[0], NULL) == CACHE_HIT);
	/* An entry being written (its lock held) is never removed. */
	int lock = cache_lock(&e[0]);
	CHECK(cache_clean(&c, 0, NULL) == 0);
	cache_unlock(lock);
	CHECK(cache_clean(&c, 0, &e[0]) == 0);
	CHECK(cache_clean(&c, 0, NULL) == 1);
	CHECK(cache_lookup(&c, &k[0], &e[0], NULL) == CACHE_MISS);
	cache_close(&c);
}

/* A module someone else could have written is never used. */
TEST(entries_others_can_write_are_refused)
{
	struct cache c;
	struct cache_key k;
	struct cache_entry e;
	const char *why = NULL;

	CHECK(open_cache(&c) == 0);
	fake_key(&k, '7');
	CHECK(store(&c, &k, &e, "int v;") == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	CHECK(chmod(e.ko, 0664) == 0);
	CHECK(cache_lookup(&c, &k, &e, &why) == CACHE_CORRUPT);
	CHECK(why && strstr(why, "owned"));
	CHECK(chmod(e.ko, 0644) == 0);
	CHECK(chmod(e.dir, 0777) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	CHECK(chmod(e.dir, 0755) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	if (geteuid() == 0) {
		CHECK(chown(e.log, 65534, 65534) == 0);
		CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	}
	/* A symlink in place of the module is not followed. */
	char copy[PATH_MAX + 8], cmd[5 * PATH_MAX];
	snprintf(copy, sizeof copy, "%s.copy", e.ko);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && ln -sf '%s' '%s'", e.ko, copy, copy, e.ko);
	CHECK(chown(e.log, geteuid(), getegid()) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_HIT);
	CHECK(system(cmd) == 0);
	CHECK(cache_lookup(&c, &k, &e, NULL) == CACHE_CORRUPT);
	cache_close(&c);
}
