/* Whole-file reading for code that must verify and then use the same bytes. */
#ifndef LIB_READFILE_H
#define LIB_READFILE_H

#include <stddef.h>

/* Read the regular file open on fd whole into a new buffer (NUL-terminated,
 * the NUL not counted in *len).  Fails with -EINVAL if fd is not a regular
 * file, -EFBIG if it is larger than cap, -EIO if it changed size while read.
 * The caller frees *data. */
int readfile_fd(int fd, size_t cap, unsigned char **data, size_t *len);

/* Open path with O_NOFOLLOW|O_CLOEXEC and read it as readfile_fd does.
 * A symlink gives -ELOOP, a directory -EISDIR. */
int readfile_path(const char *path, size_t cap, unsigned char **data, size_t *len);

/* Read fd (a pipe too) to its end, at most cap bytes (-EFBIG beyond), into
 * a new NUL-terminated buffer; the caller frees *data. */
int readfile_stream(int fd, size_t cap, unsigned char **data, size_t *len);
/* The first byte of a kernel flag file such as
 * /sys/module/module/parameters/sig_enforce ("Y") or /sys/kernel/realtime
 * ("1"); 0 when it cannot be read. */
char readfile_flag(const char *path);

/* A short phrase for an error from the two functions above. */
const char *readfile_strerror(int err);

#endif
