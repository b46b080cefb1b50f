/* The compiled-module cache: $SYSTEMTAP_DIR/cache/XX/stap_KEY.{ko,c,stp,log}.
 *
 * An entry exists when its .log exists: the .log is renamed into place last
 * and records the digests and sizes of the .ko and .c, so a reader never uses
 * a partial entry and detects a corrupt or truncated one.  Writers of one key
 * serialize on stap_KEY.lock (flock, released by the kernel even on SIGKILL);
 * every file is written to a temporary name and renamed. */
#ifndef TRANSLATOR_CACHE_H
#define TRANSLATOR_CACHE_H

#include <limits.h>

#include "translator/key.h"

#define CACHE_DEFAULT_MB 256

struct cache {
	char dir[PATH_MAX]; /* $SYSTEMTAP_DIR/cache */
	struct key_memo *memo;
};

struct cache_entry {
	char dir[PATH_MAX]; /* cache/XX */
	char ko[PATH_MAX], c[PATH_MAX], stp[PATH_MAX], log[PATH_MAX], lock[PATH_MAX];
};

enum cache_state {
	CACHE_MISS = 0,
	CACHE_HIT = 1,
	CACHE_CORRUPT = 2, /* present but fails verification: rebuild */
};

/* Open (creating) the cache folder under $SYSTEMTAP_DIR, default ~/.systemtap.
 * 0, or -1 after printing an error. */
int cache_open(struct cache *c);
/* Save the digest memo and free. */
void cache_close(struct cache *c);
/* Paths of key k's entry. */
int cache_entry_paths(const struct cache *c, const struct cache_key *k, struct cache_entry *e);
/* Verify the entry: every file is this user's alone, the .log names key k,
 * the .ko (and .c) match their recorded digests (which cache_store wrote
 * after checking the .ko is a sane ELF relocatable).  A hit marks the entry
 * used (for LRU).  why (if not NULL) gets a reason for CACHE_CORRUPT. */
enum cache_state cache_lookup(struct cache *c, const struct cache_key *k,
			      const struct cache_entry *e, const char **why);
/* Exclusive lock for writing key k's entry: an fd to close, or -1 after an
 * error.  Blocks while another stap compiles the same key. */
int cache_lock(const struct cache_entry *e);
void cache_unlock(int fd);
/* Remove the entry (the .log first so that nobody uses it meanwhile). */
void cache_remove(const struct cache_entry *e);
/* A temporary file name in the entry's folder for suffix ("ko", "c"):
 * created empty, mode 0644 (umask).  0 or -errno. */
int cache_tmpfile(const struct cache_entry *e, const char *suffix, char *out, size_t len);
/* Move built files into place and write the .log last.  ko_tmp and c_tmp
 * are renamed (consumed); script is the user's source text.  0, or -1 after
 * printing an error (and nothing left usable). */
int cache_store(struct cache *c, const struct cache_key *k, const struct cache_entry *e,
		const char *ko_tmp, const char *c_tmp, const char *script);
/* Size limit in bytes from cache_mb_limit (created with the default). */
unsigned long long cache_limit_bytes(const struct cache *c);
/* Remove leftovers of interrupted runs, then least recently used entries
 * until the total fits limit.  keep (may be NULL) is never removed.
 * Returns the number of entries removed. */
int cache_clean(struct cache *c, unsigned long long limit, const struct cache_entry *keep);
/* Check the .ko at path is a sane relocatable ELF (libelf).  0 or -1. */
int cache_elf_sane(const char *path);

#endif
