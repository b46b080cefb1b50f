#include "keys/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Why every parent: whoever can write a parent directory can rename the
 * policy or the keys away and put their own in place.  A world-writable
 * directory is tolerated only when it is root-owned and sticky (/tmp):
 * there nobody but the owner of an entry can rename or remove it.
 */
static int check_dir_entry(const char *path, const struct stat *st, uid_t owner, int parent,
			   char *msg, size_t msglen)
{
	if (st->st_uid != owner && !(parent && st->st_uid == 0)) {
		snprintf(msg, msglen, "%s: owned by uid %u, not %s%u", path, (unsigned)st->st_uid,
			 owner ? "uid " : "root (uid ", (unsigned)owner);
		if (!owner)
			strncat(msg, ")", msglen - strlen(msg) - 1);
		return -EPERM;
	}
	if (parent && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0 &&
	    (st->st_mode & S_IWOTH))
		return 0;
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msglen, "%s: writable by %s (mode %04o)", path,
			 st->st_mode & S_IWGRP ? "its group" : "others",
			 (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Check dir (already resolved, absolute) and each of its ancestors. */
static int check_parents(const char *dir, uid_t owner, char *msg, size_t msglen)
{
	char buf[PATH_MAX];
	struct stat st;

	if (strlen(dir) >= sizeof buf) {
		snprintf(msg, msglen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	strcpy(buf, dir);
	for (;;) {
		if (stat(buf, &st) < 0) {
			int err = errno;
			snprintf(msg, msglen, "%s: %s", buf, strerror(err));
			return -err;
		}
		int r = check_dir_entry(buf, &st, owner, 1, msg, msglen);
		if (r < 0)
			return r;
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf) {
			if (strcmp(buf, "/") == 0)
				return 0;
			strcpy(buf, "/");
			continue;
		}
		*slash = '\0';
	}
}

int keys_check_path(const char *path_in, uid_t owner, int want_dir, char *msg, size_t msglen)
{
	char path[PATH_MAX], parent[PATH_MAX], resolved[PATH_MAX], full[PATH_MAX];
	const char *base;
	struct stat st;
	size_t n = strlen(path_in);

	if (n == 0 || n >= sizeof path) {
		snprintf(msg, msglen, "%s: bad path", path_in);
		return -EINVAL;
	}
	memcpy(path, path_in, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	if (strcmp(path, "/") == 0)
		return check_parents("/", owner, msg, msglen);
	/* Resolve the parent (symlinks in it are followed, then the real
	 * directories checked); the last component itself must not be a link. */
	base = strrchr(path, '/');
	if (!base) {
		strcpy(parent, ".");
		base = path;
	} else if (base == path) {
		strcpy(parent, "/");
		base++;
	} else {
		if ((size_t)(base - path) >= sizeof parent) {
			snprintf(msg, msglen, "%s: path too long", path);
			return -ENAMETOOLONG;
		}
		memcpy(parent, path, (size_t)(base - path));
		parent[base - path] = '\0';
		base++;
	}
	if (!realpath(parent, resolved)) {
		int err = errno;
		snprintf(msg, msglen, "%s: %s", parent, strerror(err));
		return -err;
	}
	if (snprintf(full, sizeof full, "%s/%s", strcmp(resolved, "/") ? resolved : "", base) >=
	    (int)sizeof full) {
		snprintf(msg, msglen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (lstat(full, &st) < 0) {
		int err = errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(err));
		return -err;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(msg, msglen, "%s: is a symbolic link", path);
		return -ELOOP;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s: not a %s", path,
			 want_dir ? "directory" : "regular file");
		return want_dir ? -ENOTDIR : -EINVAL;
	}
	int r = check_dir_entry(path, &st, owner, 0, msg, msglen);
	if (r < 0)
		return r;
	return check_parents(resolved, owner, msg, msglen);
}

int keys_check_dir(const char *dir, uid_t owner, char *msg, size_t msglen)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r, fd;

	r = keys_check_path(dir, owner, 1, msg, msglen);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(msg, msglen, "%s: %s", dir, strerror(-r));
		return r;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			snprintf(msg, msglen, "%s: %s", path, strerror(-r));
			break;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(msg, msglen, "%s: not a regular file", path);
			r = -EINVAL;
			break;
		}
		r = check_dir_entry(path, &st, owner, 0, msg, msglen);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}
