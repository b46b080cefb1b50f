/* loadtime MOD.ko MODNAME RUNS [PARAMS]: load MOD.ko RUNS times with
 * init_module(2) from memory, unloading MODNAME after each, and print
 * "min_us median_us" for the init_module call alone (the file is read
 * once, before the first run, so the disk is not timed).  For the VM part of
 * bench/pass4.sh; static, so it needs nothing in the image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LT_MAX_RUNS 64

static long lt_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

static int lt_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void *lt_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc(st.st_size ? st.st_size : 1))) {
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, st.st_size - off);

		if (n <= 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		off += n;
	}
	close(fd);
	*len = off;
	return buf;
}

/* Unload NAME, waiting up to 10 s for a module still finishing (exit()
 * from a begin probe hands the end to a work item). */
static int lt_unload(const char *name)
{
	int tries = 1000;

	while (syscall(SYS_delete_module, name, O_NONBLOCK) != 0) {
		if ((errno != EAGAIN && errno != EBUSY) || --tries == 0) {
			fprintf(stderr, "loadtime: delete_module %s: %s\n", name, strerror(errno));
			return -1;
		}
		usleep(10000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long us[LT_MAX_RUNS];
	size_t len;
	void *img;
	int runs, i;

	if (argc < 4 || (runs = atoi(argv[3])) < 1 || runs > LT_MAX_RUNS) {
		fprintf(stderr, "usage: loadtime MOD.ko MODNAME RUNS(1-%d) [PARAMS]\n",
			LT_MAX_RUNS);
		return 2;
	}
	if (!(img = lt_read(argv[1], &len))) {
		fprintf(stderr, "loadtime: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < runs; i++) {
		struct timespec t0, t1;
		long r;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = syscall(SYS_init_module, img, len, argc > 4 ? argv[4] : "");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r != 0) {
			fprintf(stderr, "loadtime: init_module %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		us[i] = lt_us(&t0, &t1);
		if (lt_unload(argv[2]) < 0)
			return 1;
	}
	qsort(us, runs, sizeof us[0], lt_cmp);
	printf("%ld %ld\n", us[0], us[runs / 2]);
	free(img);
	return 0;
}
