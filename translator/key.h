/* The cache key: SHA-256 over labelled fields that together decide every byte
 * of behaviour of a compiled module (DESIGN.md §2 "Cache"), and a memo of file
 * digests so that the hit path does not re-read megabytes of kernel tree. */
#ifndef TRANSLATOR_KEY_H
#define TRANSLATOR_KEY_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#define KEY_HEXLEN 64
#define KEY_MODNAME_HEX 32 /* "stap_" + 32 hex = 37 chars, kernel limit is 55 */
#define KEY_MAX_FIELDS 32

/* Everything that goes into the key, filled by the driver from the session. */
struct key_input {
	const char *program_text;   /* canonical pass-2 text */
	const char *translator;	    /* version string */
	const char *self_exe;	    /* translator binary to digest; NULL: /proc/self/exe */
	const char *runtime_dir;    /* runtime/ sources */
	const char *release;	    /* target kernel release */
	const char *arch;	    /* target arch */
	const char *build_dir;	    /* kernel build tree */
	int guru;		    /* -g */
	const char *const *defines; /* -D NAME[=VAL], in command-line order */
	size_t ndefines;
	const char *const *kbuild_opts; /* -B options, in order */
	size_t nkbuild_opts;
	const char *modname_opt; /* -m NAME or NULL */
};

struct key_field {
	const char *name; /* static label */
	char *value;
};

struct cache_key {
	struct key_field f[KEY_MAX_FIELDS];
	size_t n;
	char hex[KEY_HEXLEN + 1];
	char modname[64]; /* stap_<hex of every field but euid>, or the -m name */
};

/* File digests (or other strings derived from a file) remembered per file
 * identity: device, inode, size, mtime and ctime in nanoseconds.  A file
 * changed in any way gets a new ctime, so a stale value is never returned;
 * values of files changed in the last seconds are not remembered (the
 * timestamp tick could hide a second change). */
struct key_memo;

/* path NULL: a memo in memory only.  A missing or malformed file is an empty
 * memo; never an error. */
struct key_memo *key_memo_open(const char *path);
/* Write the memo back if it changed (temporary file + rename).  0 or -errno. */
int key_memo_save(struct key_memo *m);
void key_memo_free(struct key_memo *m);
const char *key_memo_get(struct key_memo *m, const char *tag, const char *path,
			 const struct stat *st);
void key_memo_put(struct key_memo *m, const char *tag, const char *path, const struct stat *st,
		  const char *value);

/* Lowercase hex SHA-256 of the file at path, through the memo (m may be
 * NULL).  0, or -errno. */
int key_file_digest(struct key_memo *m, const char *path, char hex[KEY_HEXLEN + 1]);
/* Digest of a source tree: sorted relative paths of its regular files with
 * their contents' digests.  0, or -errno. */
int key_tree_digest(struct key_memo *m, const char *dir, char hex[KEY_HEXLEN + 1]);
/* The compiler kbuild will use for build_dir, named by CONFIG_CC_VERSION_TEXT,
 * as "<config text> | <first line of CC --version>".  Caller frees. */
char *key_compiler_identity(struct key_memo *m, const char *build_dir);

/* Compute every field, the key and the module name.  0, or -1 after printing
 * an error naming the field. */
int key_compute(const struct key_input *in, struct key_memo *m, struct cache_key *k);
/* One "name: value" line per field, then "key: HEX" (the .log format). */
void key_print(const struct cache_key *k, FILE *out);
void key_release(struct cache_key *k);

/* Where runtime/ is: $SYSTEMTAP_RUNTIME, else the source tree the binary was
 * built from (when it still has runtime/), else DATADIR/runtime.  Static. */
const char *key_runtime_dir(void);
/* SRCDIR/sub for a build-tree stap whose source tree has sub, else
 * DATADIR/sub (runtime/, tapset/).  0, or -1 if it does not fit. */
int key_data_dir(const char *sub, char *out, size_t n);

#endif
