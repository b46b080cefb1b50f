#include "lib/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void atomic_file_free(struct atomic_file *af)
{
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->fd = -1;
}

int atomic_file_open_tmp(struct atomic_file *af, const char *path, const char *tmpl, mode_t mode)
{
	int e;

	af->fd = -1;
	af->path = strdup(path);
	af->tmp = strdup(tmpl);
	if (!af->path || !af->tmp) {
		atomic_file_free(af);
		return -ENOMEM;
	}
	af->fd = mkostemp(af->tmp, O_CLOEXEC);
	if (af->fd < 0) {
		e = -errno;
		atomic_file_free(af);
		return e;
	}
	if (fchmod(af->fd, mode) < 0) {
		e = -errno;
		atomic_file_abort(af);
		return e;
	}
	return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0, r;
	char *tmpl;

	if (asprintf(&tmpl, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen) < 0) {
		af->fd = -1;
		af->path = af->tmp = NULL;
		return -ENOMEM;
	}
	r = atomic_file_open_tmp(af, path, tmpl, mode);
	free(tmpl);
	return r;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp)
		unlink(af->tmp);
	atomic_file_free(af);
}

/* The rename is durable only once the folder's entry is on disk. */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd, r = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* fsync and close the temporary file.  0 or -errno. */
static int atomic_file_close(struct atomic_file *af)
{
	int r = fsync(af->fd) < 0 ? -errno : 0;

	if (close(af->fd) < 0 && r == 0)
		r = -errno;
	af->fd = -1;
	return r;
}

int atomic_file_commit(struct atomic_file *af)
{
	int r = atomic_file_close(af);

	if (r == 0 && rename(af->tmp, af->path) < 0)
		r = -errno;
	if (r == 0)
		r = fsync_parent(af->path);
	else
		unlink(af->tmp);
	atomic_file_free(af);
	return r;
}

/* A hard link never replaces: the name appears whole or not at all. */
int atomic_file_commit_new(struct atomic_file *af)
{
	int r = atomic_file_close(af);

	if (r == 0 && link(af->tmp, af->path) < 0)
		r = -errno;
	unlink(af->tmp);
	if (r == 0)
		r = fsync_parent(af->path);
	atomic_file_free(af);
	return r;
}

int atomic_rename(const char *tmp, const char *path)
{
	int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	return r == 0 ? fsync_parent(path) : r;
}

int atomic_file_write(struct atomic_file *af, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(af->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_write_tmp(const char *path, const char *tmpl, const void *data, size_t len, mode_t mode)
{
	struct atomic_file af;
	int r =
	    tmpl ? atomic_file_open_tmp(&af, path, tmpl, mode) : atomic_file_open(&af, path, mode);

	if (r < 0)
		return r;
	r = atomic_file_write(&af, data, len);
	if (r < 0) {
		atomic_file_abort(&af);
		return r;
	}
	return atomic_file_commit(&af);
}

int atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	return atomic_write_tmp(path, NULL, data, len, mode);
}
