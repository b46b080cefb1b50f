/* Reading /proc/<module>/data: records (runtime/transport_proto.h) to the
 * output and error descriptors. */
#include "staprun/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <time.h>
#include <unistd.h>

#include "runtime/transport_proto.h"
#include "staprun/err.h"

#define RELAY_BUF (64u << 10)
#define RELAY_READS 16

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void relay_report_drop(struct relay *r, const unsigned char *p)
{
	uint64_t bytes = le64(p), recs = le64(p + 8);

	if (bytes > r->dropped_bytes)
		dprintf(r->err_fd,
			"WARNING: %" PRIu64 " bytes (%" PRIu64
			" writes) of probe output dropped: the reader fell behind\n",
			bytes - r->dropped_bytes, recs - r->dropped_records);
	r->dropped_bytes = bytes;
	r->dropped_records = recs;
}

/* Probe output gathered from consecutive records, written at once: one
 * write(2) per record cost more than the probe hit that printed it
 * (bench/probe-cost.sh, a printf per hit). */
struct relay_out {
	size_t len;
	unsigned char b[4 * STP_REC_MAX];
};

static void relay_out_flush(struct relay *r, struct relay_out *o)
{
	if (o->len && !r->out_err)
		r->out_err = -write_all(r->out_fd, o->b, o->len);
	o->len = 0;
}

static void relay_out_add(struct relay *r, struct relay_out *o, const unsigned char *p, size_t len)
{
	if (len > sizeof o->b - o->len)
		relay_out_flush(r, o);
	memcpy(o->b + o->len, p, len);
	o->len += len;
}

/* After an output write error (a closed pipe, a full disk) the output is
 * discarded and out_err set; the caller ends the run.  Output records are
 * written before any warning that follows them, so the two streams keep
 * their order. */
int relay_feed(struct relay *r, const unsigned char *p, size_t n, struct loader_err *e)
{
	struct relay_out o;
	int rc = 0;

	o.len = 0;
	while (n > 0) {
		uint32_t h;
		size_t len;
		unsigned chan;

		if (n < STP_HDR_LEN) {
			rc = loader_fail(e, -EPROTO, "transport: truncated record header");
			break;
		}
		h = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 24;
		len = h & STP_LEN_MASK;
		chan = h >> STP_CHAN_SHIFT;
		if (len > STP_REC_MAX || len > n - STP_HDR_LEN) {
			rc = loader_fail(e, -EPROTO, "transport: bad record length %zu", len);
			break;
		}
		p += STP_HDR_LEN;
		n -= STP_HDR_LEN;
		if (chan == STP_CHAN_OUT) {
			if (!r->out_err)
				relay_out_add(r, &o, p, len);
		} else if (chan == STP_CHAN_WARN || chan == STP_CHAN_ERR) {
			relay_out_flush(r, &o);
			(void)write_all(r->err_fd, p, len);
		} else if (chan == STP_CHAN_DROP && len == 16) {
			relay_out_flush(r, &o);
			relay_report_drop(r, p);
		}
		p += len;
		n -= len;
	}
	relay_out_flush(r, &o);
	return rc;
}

/* The transport files are root's (runtime/transport.c): open them with the
 * loader's effective uid, whatever filesystem identity the caller chose for
 * the user's own files (staprun.auth). */
static int relay_open_proc(const char *path, int flags)
{
	uid_t was = (uid_t)setfsuid(geteuid());
	int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW), err = errno;

	setfsuid(was);
	errno = err;
	return fd;
}

int relay_open(const char *modname, int out_fd, int err_fd, int timeout_ms, struct relay *r,
	       struct loader_err *e)
{
	char path[128];
	struct timespec pause = {0, 20 * 1000000L};

	memset(r, 0, sizeof *r);
	r->data_fd = r->ctl_fd = -1;
	r->out_fd = out_fd;
	r->err_fd = err_fd;
	if (loader_proc_path(modname, STP_PROC_DATA, path, sizeof path))
		return loader_fail(e, -ENAMETOOLONG, "%s: module name too long", modname);
	for (int waited = 0;; waited += 20) {
		r->data_fd = relay_open_proc(path, O_RDONLY | O_NONBLOCK);
		if (r->data_fd >= 0 || errno != ENOENT || waited >= timeout_ms)
			break;
		nanosleep(&pause, NULL);
	}
	if (r->data_fd < 0)
		return loader_fail(e, -errno, "%s: %s", path, strerror(errno));
	loader_proc_path(modname, STP_PROC_CONTROL, path, sizeof path);
	r->ctl_fd = relay_open_proc(path, O_RDWR);
	r->buf = malloc(RELAY_BUF);
	r->buflen = RELAY_BUF;
	if (r->ctl_fd < 0 || !r->buf) {
		int err = r->buf ? errno : ENOMEM;

		relay_close(r);
		return loader_fail(e, -err, "%s: %s", path, strerror(err));
	}
	return 0;
}

int relay_request_exit(struct relay *r, struct loader_err *e)
{
	if (r->exit_requested)
		return 0;
	if (pwrite(r->ctl_fd, STP_CTL_EXIT "\n", sizeof STP_CTL_EXIT, 0) < 0)
		return loader_fail(e, -errno, "cannot ask the module to exit: %s", strerror(errno));
	r->exit_requested = 1;
	return 0;
}

int relay_pump(struct relay *r, int timeout_ms, const sigset_t *sigmask, struct loader_err *e)
{
	struct pollfd pfd = {.fd = r->data_fd, .events = POLLIN};
	struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
	ssize_t n = 1;

	if (r->eof)
		return 1;
	if (ppoll(&pfd, 1, timeout_ms < 0 ? NULL : &ts, sigmask) < 0)
		return errno == EINTR ? -EINTR
				      : loader_fail(e, -errno, "poll: %s", strerror(errno));
	/* A bounded number of reads: a module that never stops printing must
	 * not keep the caller from seeing its signals. */
	for (int i = 0; i < RELAY_READS; i++) {
		n = read(r->data_fd, r->buf, r->buflen);
		if (n == 0) {
			r->eof = 1;
			return 1;
		}
		if (n < 0)
			break;
		if (relay_feed(r, r->buf, (size_t)n, e) != 0)
			return -EPROTO;
	}
	if (n > 0 || errno == EAGAIN || errno == EINTR)
		return 0;
	return loader_fail(e, -errno, "reading the module's output: %s", strerror(errno));
}

int relay_status(struct relay *r, char *buf, size_t len)
{
	ssize_t n = pread(r->ctl_fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

void relay_close(struct relay *r)
{
	if (r->data_fd >= 0)
		close(r->data_fd);
	if (r->ctl_fd >= 0)
		close(r->ctl_fd);
	free(r->buf);
	r->data_fd = r->ctl_fd = -1;
	r->buf = NULL;
}
