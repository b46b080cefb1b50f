/* Replace a file atomically: readers see the old or the new content, never
 * a part, and the new content survives a crash once commit returned. */
#ifndef LIB_ATOMICFILE_H
#define LIB_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
	char *path; /* final name */
	char *tmp;  /* DIR/.NAME.XXXXXX: same folder, so rename is atomic */
	int fd;	    /* write the new content here */
};

/* Create the temporary file beside path with mode.  0 or -errno. */
int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode);
/* The same with the temporary file's name from tmpl, a mkstemp template
 * ("...XXXXXX") in path's folder: for a caller whose cleaner knows its
 * temporary files by name.  0 or -errno. */
int atomic_file_open_tmp(struct atomic_file *af, const char *path, const char *tmpl, mode_t mode);
/* Write all of data to the temporary file.  0 or -errno. */
int atomic_file_write(struct atomic_file *af, const void *data, size_t len);
/* fsync, close, rename over path, fsync the folder.  On failure the
 * temporary file is removed and path is untouched.  Always frees af.
 * 0 or -errno. */
int atomic_file_commit(struct atomic_file *af);
/* Like commit, but never replaces: -EEXIST when path exists (a key never
 * overwrites a key).  Always frees af.  0 or -errno. */
int atomic_file_commit_new(struct atomic_file *af);
/* Remove the temporary file and free af (nothing replaced). */
void atomic_file_abort(struct atomic_file *af);
/* The three steps for content held in memory.  0 or -errno. */
int atomic_write(const char *path, const void *data, size_t len, mode_t mode);
/* atomic_write with a temporary name from tmpl (NULL: the default). */
int atomic_write_tmp(const char *path, const char *tmpl, const void *data, size_t len, mode_t mode);
/* Put a finished file another program wrote (tmp, in path's folder) in
 * place: fsync it, rename it over path, fsync the folder.  0 or -errno. */
int atomic_rename(const char *tmp, const char *path);

#endif
