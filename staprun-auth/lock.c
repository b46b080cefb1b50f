/* One run owns a module name (README rule 9): from before init_module until
 * the module is gone, the run holds flock(LOCK_EX) on DIR/NAME.lock.  The
 * loader takes it; the guard is forked holding the same open file
 * description, so the lock outlives a killed loader until the guard is done;
 * -d and the start-up reconciliation take it before they unload by name.
 *
 * A lock file is removed only by its holder, and only once the module is
 * gone; a process that locked a file since unlinked (or replaced) retries on
 * the file now at the path, so two runs never both believe they own a name. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_MS 50

static int lock_path(const char *dir, const char *name, char *out, size_t outlen)
{
	if (!auth_name_valid(name))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "%s/%s.lock", dir, name) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* 1: fd is the file now at path (not one a previous holder removed). */
static int lock_still_linked(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || lstat(path, &b) < 0)
		return 0;
	return a.st_nlink > 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void lock_pause(void)
{
	struct timespec ts = {0, LOCK_POLL_MS * 1000000L};

	nanosleep(&ts, NULL);
}

int auth_lock_take(const char *dir, const char *name, int wait_ms, int *fd)
{
	char path[512];
	int e = lock_path(dir, name, path, sizeof path), waited = 0;

	*fd = -1;
	if (e < 0)
		return e;
	e = auth_run_dir(dir);
	if (e < 0)
		return e;
	for (;;) {
		int f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);

		if (f < 0)
			return -errno;
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			if (lock_still_linked(f, path)) {
				*fd = f;
				return 0;
			}
			close(f); /* its holder removed it after its module went */
			continue;
		}
		e = errno;
		close(f);
		if (e != EWOULDBLOCK)
			return -e;
		if (waited >= wait_ms)
			return -EBUSY;
		lock_pause();
		waited += LOCK_POLL_MS;
	}
}

void auth_lock_release(const char *dir, const char *name, int fd, int module_gone)
{
	char path[512];

	if (fd < 0)
		return;
	/* Still the holder here: nobody else can have replaced the file. */
	if (module_gone && lock_path(dir, name, path, sizeof path) == 0)
		unlink(path);
	close(fd);
}

int auth_count_lock(const char *dir, int *fd)
{
	char path[512];
	int e = auth_run_dir(dir);

	*fd = -1;
	if (e < 0)
		return e;
	/* never a module name (they have no '.'), never removed */
	if ((size_t)snprintf(path, sizeof path, "%s/.loads.lock", dir) >= sizeof path)
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (*fd < 0)
		return -errno;
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			e = -errno;
			close(*fd);
			*fd = -1;
			return e;
		}
	}
	return 0;
}
