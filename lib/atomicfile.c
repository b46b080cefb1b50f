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

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0, e;

	af->fd = -1;
	af->tmp = NULL;
	af->path = strdup(path);
	if (!af->path || asprintf(&af->tmp, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen) < 0) {
		af->tmp = NULL;
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

int atomic_file_commit(struct atomic_file *af)
{
	int r = 0;

	if (fsync(af->fd) < 0)
		r = -errno;
	if (close(af->fd) < 0 && r == 0)
		r = -errno;
	af->fd = -1;
	if (r == 0 && rename(af->tmp, af->path) < 0)
		r = -errno;
	if (r == 0)
		r = fsync_parent(af->path);
	else
		unlink(af->tmp);
	atomic_file_free(af);
	return r;
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

int atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	struct atomic_file af;
	int r = atomic_file_open(&af, path, mode);

	if (r < 0)
		return r;
	r = atomic_file_write(&af, data, len);
	if (r < 0) {
		atomic_file_abort(&af);
		return r;
	}
	return atomic_file_commit(&af);
}
