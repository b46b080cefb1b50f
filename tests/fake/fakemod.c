/* LD_PRELOAD fake of init_module(2) and delete_module(2), as kmod's tests
 * do, for running staprun.auth without a kernel that loads modules.
 *
 * FAKEMOD_DIR (read when the library is loaded, before the program clears
 * its environment) names a folder where the fake:
 *   - appends one line per call to log:
 *       init_module len=N params=<string>
 *       delete_module name=NAME flags=N
 *   - writes the bytes given to init_module to loaded.ko;
 *   - fails init_module with the errno number in the file fail, if present.
 * The loader calls syscall(2) directly, so syscall is what is wrapped.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char fake_dir[512];

__attribute__((constructor)) static void fake_init(void)
{
	const char *d = getenv("FAKEMOD_DIR");

	if (d)
		snprintf(fake_dir, sizeof fake_dir, "%s", d);
}

static void fake_log(const char *fmt, ...)
{
	char path[600];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof path, "%s/log", fake_dir);
	f = fopen(path, "ae");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int fake_fail(void)
{
	char path[600], buf[16] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s/fail", fake_dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	return atoi(buf);
}

static long fake_init_module(const void *buf, unsigned long len, const char *params)
{
	char path[600];
	int fd, err;

	fake_log("init_module len=%lu params=%s\n", len, params ? params : "(null)");
	err = fake_fail();
	if (err) {
		errno = err;
		return -1;
	}
	snprintf(path, sizeof path, "%s/loaded.ko", fake_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			fake_log("short write of loaded.ko\n");
		close(fd);
	}
	return 0;
}

static long fake_delete_module(const char *name, unsigned flags)
{
	char path[600];

	fake_log("delete_module name=%s flags=%u\n", name, flags);
	snprintf(path, sizeof path, "%s/loaded.ko", fake_dir);
	if (unlink(path) < 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

long syscall(long n, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (fake_dir[0] && n == SYS_init_module)
		return fake_init_module((const void *)a[0], (unsigned long)a[1],
					(const char *)a[2]);
	if (fake_dir[0] && n == SYS_finit_module) {
		fake_log("finit_module refused by the fake\n");
		errno = ENOSYS;
		return -1;
	}
	if (fake_dir[0] && n == SYS_delete_module)
		return fake_delete_module((const char *)a[0], (unsigned)a[1]);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
