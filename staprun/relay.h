/* Reading a loaded module's transport: /proc/<module>/data and control
 * (record format in runtime/transport_proto.h). */
#ifndef STAPRUN_RELAY_H
#define STAPRUN_RELAY_H

#include <signal.h>
#include <stdint.h>

#include "staprun/loader.h"

struct relay {
	int data_fd;
	int ctl_fd;
	int out_fd; /* probe output: stdout or -o FILE */
	int err_fd; /* warnings and errors: stderr */
	int eof;    /* the module finished and everything was read */
	int exit_requested;
	int out_err;		/* first errno writing probe output (then discarded) */
	uint64_t dropped_bytes; /* last cumulative figures the module reported */
	uint64_t dropped_records;
	unsigned char *buf;
	size_t buflen;
};

/* Open the module's data and control files (waiting up to timeout_ms for
 * them to appear).  out_fd/err_fd are not closed by relay_close. */
int relay_open(const char *modname, int out_fd, int err_fd, int timeout_ms, struct relay *r,
	       struct loader_err *e);
/* Write "exit" to the control file (once; later calls do nothing). */
int relay_request_exit(struct relay *r, struct loader_err *e);
/* Wait up to timeout_ms for data, copy what arrived to out/err.  Returns 1
 * at end of stream, 0 otherwise, -EINTR when a signal arrived (sigmask is
 * the mask to wait with, as ppoll(2); NULL: none), other -errno on error. */
int relay_pump(struct relay *r, int timeout_ms, const sigset_t *sigmask, struct loader_err *e);
/* Copy the records in p (whole records, as one read(2) returns them) to
 * out/err.  0, or -EPROTO with e set for a malformed record. */
int relay_feed(struct relay *r, const unsigned char *p, size_t n, struct loader_err *e);
/* Read the control file into buf (NUL-terminated).  Returns bytes or -errno. */
int relay_status(struct relay *r, char *buf, size_t len);
void relay_close(struct relay *r);

#endif
