/* kattack: attacks on a loaded module's transport and runtime, run inside
 * the VM bench by cases/kernel.sh (built static on the host by
 * prep/kernel.sh).  Each subcommand does one thing and prints what it saw:
 *
 *   battery DIR             the transport checks that must keep holding;
 *                           prints PASS:/FAIL: lines (T_NAME) itself
 *   epoll-hold DATA READY GO  open DATA, add it to an epoll set, create READY,
 *                           wait for GO, then close the epoll set and DATA
 *   poll-hold DATA READY N  drain DATA, create READY, block in poll(2) in N
 *                           processes sharing the open file
 *   spin-read DATA          open DATA as soon as it exists, read to the end
 *   fault-read DATA         a read into an unmapped buffer, then the records
 *   storm DIR SECS          4 readers, 4 control writers and 2 pollers on
 *                           DIR's files for SECS seconds (rmmod meanwhile)
 *   target GO [EXEC [MODE]] wait for GO, getpgid(0), then exec EXEC MODE
 *                           (default "after")
 *   after                   (the exec'd program) getpgid(0), print euid
 *   after-drop              setuid: all uids back to the real one first
 *                           (the mm stays undumpable), then as after */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REC_MIN (4 + 4096)
#define BUFLEN (64 << 10)

static const char *tname(void)
{
	const char *t = getenv("T_NAME");

	return t ? t : "kattack";
}

static int failures;

/* The raw system calls: hostile pointers must reach the kernel as they are. */
static long raw_read(int fd, void *p, size_t n)
{
	return syscall(SYS_read, fd, p, n);
}

static long raw_write(int fd, const void *p, size_t n)
{
	return syscall(SYS_write, fd, p, n);
}

/* PASS when cond, else FAIL with what errno said. */
static void expect(int cond, const char *what, long rc, int err)
{
	if (cond) {
		printf("PASS: %s: %s\n", tname(), what);
	} else {
		printf("FAIL: %s: %s: got %ld (%s)\n", tname(), what, rc, strerror(err));
		failures++;
	}
	fflush(stdout);
}

#define EXPECT_ERR(call, want, what)                                                               \
	do {                                                                                       \
		errno = 0;                                                                         \
		long rc_ = (long)(call);                                                           \
		int e_ = errno;                                                                    \
		expect(rc_ < 0 && e_ == (want), what, rc_, e_);                                    \
	} while (0)

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd >= 0)
		close(fd);
}

static int wait_file(const char *path, int secs)
{
	struct stat st;

	for (int i = 0; i < secs * 100; i++) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Probe output (channel 1) of records in buf to stdout. */
static void print_records(const unsigned char *p, size_t n)
{
	while (n >= 4) {
		uint32_t h = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		size_t len = h & 0xffffff;

		if (len > n - 4)
			break;
		if (h >> 24 == 1)
			fwrite(p + 4, 1, len, stdout);
		p += 4 + len;
		n -= 4 + len;
	}
	fflush(stdout);
}

static int read_all(int fd)
{
	static unsigned char buf[BUFLEN];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		print_records(buf, (size_t)n);
	if (n < 0)
		printf("read: %s\n", strerror(errno));
	return n < 0 ? 1 : 0;
}

static int ctl_state(const char *dir, const char *state)
{
	char path[256], buf[512], want[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/control", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof want, "state %s\n", state);
	return strstr(buf, want) != NULL;
}

static void battery_data(const char *dir)
{
	static unsigned char buf[BUFLEN];
	char path[256];
	struct pollfd pfd;
	int fd, fd2;
	void *m;

	snprintf(path, sizeof path, "%s/data", dir);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	expect(fd >= 0, "data: open", fd, errno);
	if (fd < 0)
		return;
	EXPECT_ERR(fd2 = open(path, O_RDONLY), EBUSY, "data: a second open is EBUSY");
	if (fd2 >= 0)
		close(fd2);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	expect(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN), "data: poll says POLLIN",
	       pfd.revents, errno);
	EXPECT_ERR(read(fd, buf, 0), EINVAL, "data: a read of 0 bytes is EINVAL");
	EXPECT_ERR(read(fd, buf, 16), EINVAL, "data: a read smaller than a record is EINVAL");
	EXPECT_ERR(raw_read(fd, NULL, REC_MIN), EFAULT, "data: a read into NULL is EFAULT");
	EXPECT_ERR(raw_read(fd, NULL, SIZE_MAX), EFAULT,
		   "data: a read of SIZE_MAX bytes is EFAULT");
	EXPECT_ERR(raw_read(fd, (void *)0xffffffff81000000ul, REC_MIN), EFAULT,
		   "data: a read into a kernel address is EFAULT");
	EXPECT_ERR(raw_read(fd, (void *)0x8000000000000000ul, REC_MIN), EFAULT,
		   "data: a read into a non-canonical address is EFAULT");
	EXPECT_ERR(pread(fd, buf, REC_MIN, 0), ESPIPE, "data: pread is ESPIPE");
	EXPECT_ERR(lseek(fd, 0, SEEK_SET), ESPIPE, "data: lseek is ESPIPE");
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	expect(m == MAP_FAILED, "data: mmap fails", 0, errno);
	{
		ssize_t n = read(fd, buf, sizeof buf);

		expect(n > 0 && memmem(buf, (size_t)n, "begin", 5),
		       "data: the records survive the faulting reads", n, errno);
		while (read(fd, buf, sizeof buf) > 0)
			;
	}
	EXPECT_ERR(read(fd, buf, sizeof buf), EAGAIN, "data: O_NONBLOCK with nothing is EAGAIN");
	close(fd);
}

static void battery_ctl_write(int fd, const void *p, size_t n, int want, const char *what)
{
	EXPECT_ERR(raw_write(fd, p, n), want, what);
}

static void battery_control(const char *dir)
{
	char path[256];
	int fd, fds[500], opened = 0;
	size_t big = 1 << 20;
	char *mem, *pg, rbuf[64];

	snprintf(path, sizeof path, "%s/control", dir);
	fd = open(path, O_RDWR);
	expect(fd >= 0, "control: open", fd, errno);
	if (fd < 0)
		return;
	mem = calloc(1, big);
	if (mem)
		memcpy(mem, "exit", 4);
	battery_ctl_write(fd, mem, big, EINVAL, "control: a 1 MiB write is EINVAL");
	free(mem);
	{
		long rc = write(fd, "", 0);

		expect(rc <= 0, "control: an empty write does nothing", rc, errno);
	}
	battery_ctl_write(fd, "exi", 3, EINVAL, "control: 'exi' alone is EINVAL");
	battery_ctl_write(fd, "t", 1, EINVAL, "control: then 't' is EINVAL");
	battery_ctl_write(fd, "exit\0junk", 9, EINVAL, "control: 'exit\\0junk' is EINVAL");
	battery_ctl_write(fd, "exitjunk", 8, EINVAL, "control: 'exitjunk' is EINVAL");
	battery_ctl_write(fd, "exit\n\n", 6, EINVAL, "control: 'exit\\n\\n' is EINVAL");
	battery_ctl_write(fd, NULL, 4, EFAULT, "control: a write from NULL is EFAULT");
	pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg != MAP_FAILED) {
		memcpy(pg + 4094, "ex", 2);
		mprotect(pg + 4096, 4096, PROT_NONE);
		battery_ctl_write(fd, pg + 4094, 4, EFAULT,
				  "control: a write straddling into PROT_NONE is EFAULT");
	}
	expect(lseek(fd, (off_t)1 << 62, SEEK_SET) >= 0 && read(fd, rbuf, sizeof rbuf) == 0,
	       "control: a read at a huge offset returns 0", 0, errno);
	for (int i = 0; i < 500; i++) {
		fds[i] = open(path, O_RDONLY);
		opened += fds[i] >= 0;
	}
	for (int i = 0; i < 500; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	expect(opened == 500, "control: 500 opens at once", opened, errno);
	expect(ctl_state(dir, "running"), "control: after all that the module still runs", 0, 0);
	lseek(fd, 0, SEEK_SET);
	expect(write(fd, "exit\n", 5) == 5, "control: 'exit\\n' is accepted", 0, errno);
	for (int i = 0; i < 1000 && !ctl_state(dir, "finished"); i++)
		usleep(10000);
	expect(ctl_state(dir, "finished"), "control: the module finished", 0, 0);
	expect(write(fd, "exit", 4) == 4, "control: 'exit' after the finish is harmless", 0, errno);
	close(fd);
}

static int battery(const char *dir)
{
	char path[256];
	unsigned char *buf = malloc(BUFLEN);
	int fd;
	ssize_t n;

	battery_data(dir);
	battery_control(dir);
	snprintf(path, sizeof path, "%s/data", dir);
	fd = open(path, O_RDONLY);
	if (fd >= 0 && buf) {
		while ((n = read(fd, buf, BUFLEN)) > 0)
			;
		expect(n == 0 && read(fd, buf, BUFLEN) == 0, "data: reads after the end return 0",
		       n, errno);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return failures ? 1 : 0;
}

static int epoll_hold(const char *data, const char *ready, const char *go)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int fd = open(data, O_RDONLY | O_NONBLOCK), ep = epoll_create1(0);

	if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		printf("epoll-hold: %s\n", strerror(errno));
		return 1;
	}
	touch(ready);
	if (wait_file(go, 120) < 0)
		return 1;
	close(ep);
	close(fd);
	printf("epoll-hold: closed\n");
	return 0;
}

static int poll_hold(const char *data, const char *ready, int n)
{
	static unsigned char buf[BUFLEN];
	struct pollfd pfd;
	int fd = open(data, O_RDONLY | O_NONBLOCK), r, st, bad = 0;

	if (fd < 0) {
		printf("poll-hold: %s\n", strerror(errno));
		return 1;
	}
	while (read(fd, buf, sizeof buf) > 0)
		;
	for (int i = 1; i < n; i++)
		if (fork() == 0)
			break;
	touch(ready);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	r = poll(&pfd, 1, -1);
	if (getpid() != getpgrp() && r != 1)
		_exit(1);
	if (getpid() != getpgrp())
		_exit(0);
	while (wait(&st) > 0)
		bad += !WIFEXITED(st) || WEXITSTATUS(st);
	printf("poll-hold: poll %d revents %#x, %d of %d others did not return 1\n", r, pfd.revents,
	       bad, n - 1);
	close(fd);
	return 0;
}

static int spin_read(const char *data)
{
	int fd = -1;

	for (int i = 0; i < 6000000 && fd < 0; i++)
		fd = open(data, O_RDONLY);
	if (fd < 0) {
		printf("spin-read: never opened: %s\n", strerror(errno));
		return 1;
	}
	printf("spin-read: opened\n");
	fflush(stdout);
	read_all(fd);
	printf("spin-read: end\n");
	return 0;
}

static int fault_read(const char *data)
{
	struct pollfd pfd;
	int fd = open(data, O_RDONLY);
	char *bad = mmap(NULL, BUFLEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ssize_t n;

	if (fd < 0 || bad == MAP_FAILED) {
		printf("fault-read: %s\n", strerror(errno));
		return 1;
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	poll(&pfd, 1, 20000);
	n = raw_read(fd, bad, BUFLEN);
	printf("fault-read: first read %zd %s\n", n, n < 0 ? strerror(errno) : "");
	return read_all(fd);
}

/* One storm worker: kind 0 reads, 1 writes junk commands, 2 polls; it
 * reopens its file whenever it can until the time is up. */
static void storm_worker(const char *dir, int kind, time_t until)
{
	static unsigned char buf[BUFLEN];
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, kind == 1 ? "control" : "data");
	while (time(NULL) < until) {
		int fd = open(path, kind == 1 ? O_WRONLY : O_RDONLY | O_NONBLOCK);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (fd < 0) {
			usleep(1000);
			continue;
		}
		for (int i = 0; i < 100; i++) {
			if (kind == 0 && read(fd, buf, sizeof buf) < 0 && errno != EAGAIN)
				break;
			if (kind == 1 && write(fd, "exi", 3) < 0 && errno != EINVAL)
				break;
			if (kind == 2 && poll(&pfd, 1, 10) < 0)
				break;
		}
		close(fd);
	}
	_exit(0);
}

static int storm(const char *dir, int secs)
{
	static const int kinds[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
	time_t until = time(NULL) + secs;
	int bad = 0, st;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (fork() == 0)
			storm_worker(dir, kinds[i], until);
	while (wait(&st) > 0)
		bad += !WIFEXITED(st) || WEXITSTATUS(st);
	printf("storm: %d workers failed\n", bad);
	return bad != 0;
}

static int target(const char *go, const char *exec, const char *mode)
{
	if (wait_file(go, 120) < 0)
		return 1;
	printf("target: euid %d getpgid %d\n", (int)geteuid(), (int)getpgid(0));
	fflush(stdout);
	if (exec) {
		execl(exec, exec, mode, (char *)NULL);
		printf("target: exec %s: %s\n", exec, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	setpgid(0, 0); /* the poll-hold parent is the group leader */
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "battery") && argc == 3)
		return battery(argv[2]);
	if (!strcmp(c, "epoll-hold") && argc == 5)
		return epoll_hold(argv[2], argv[3], argv[4]);
	if (!strcmp(c, "poll-hold") && argc == 5)
		return poll_hold(argv[2], argv[3], atoi(argv[4]));
	if (!strcmp(c, "spin-read") && argc == 3)
		return spin_read(argv[2]);
	if (!strcmp(c, "fault-read") && argc == 3)
		return fault_read(argv[2]);
	if (!strcmp(c, "storm") && argc == 4)
		return storm(argv[2], atoi(argv[3]));
	if (!strcmp(c, "target") && argc >= 3 && argc <= 5)
		return target(argv[2], argc >= 4 ? argv[3] : NULL, argc == 5 ? argv[4] : "after");
	if (!strcmp(c, "after-drop")) {
		uid_t r = getuid();

		printf("after-drop: euid %d\n", (int)geteuid());
		if (setresuid(r, r, r) < 0) {
			printf("after-drop: setresuid: %s\n", strerror(errno));
			return 1;
		}
		c = "after";
	}
	if (!strcmp(c, "after")) {
		printf("after: euid %d getpgid %d\n", (int)geteuid(), (int)getpgid(0));
		return 0;
	}
	fprintf(stderr,
		"usage: kattack battery|epoll-hold|poll-hold|spin-read|fault-read|target\n");
	return 2;
}
