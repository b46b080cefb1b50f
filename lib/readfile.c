#include "lib/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int readfile_fd(int fd, size_t cap, unsigned char **data, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	char extra;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size < 0 || (unsigned long long)st.st_size > cap)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;
			free(buf);
			return e;
		}
		got += (size_t)n;
	}
	/* A file that grew after fstat is not the file we measured. */
	for (;;) {
		ssize_t n = read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0) {
			free(buf);
			return -EIO;
		}
		break;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int readfile_path(const char *path, size_t cap, unsigned char **data, size_t *len)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = readfile_fd(fd, cap, data, len);
	close(fd);
	return r;
}

int readfile_stream(int fd, size_t cap, unsigned char **data, size_t *len)
{
	unsigned char *buf = malloc(cap + 1);
	size_t got = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + got, cap + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > cap) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

const char *readfile_strerror(int err)
{
	switch (err) {
	case -ELOOP:
		return "is a symbolic link";
	case -EISDIR:
		return "is a directory";
	case -EINVAL:
		return "is not a regular file";
	case -EFBIG:
		return "is too large";
	case -EIO:
		return "changed while being read";
	default:
		return strerror(-err);
	}
}

char readfile_flag(const char *path)
{
	char v = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, &v, 1) != 1)
		v = 0;
	close(fd);
	return v;
}
