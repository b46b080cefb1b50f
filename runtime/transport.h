/* The kernel half of the transport, included by every generated module:
 *
 *     #include "transport.c"    (ccflags-y += -I<repo>/runtime)
 *
 * The MODULE provides the three hooks below; transport.c provides
 * module_init/module_exit, the /proc/<module>/ files and the output
 * functions.  Stream format: transport_proto.h.  The directory is
 * /proc/<THIS_MODULE->name> (a loader may rename the in-memory copy).
 * Tunables, as -D before the include: STP_BUFSIZE_SHIFT (20: 1 MiB ring),
 * STP_TIMER_MS (20: reader wake-up and exit polling), STP_READER_GRACE_MS
 * (5000), STP_OPEN_TIMEOUT_MS (30000). */
#ifndef STP_TRANSPORT_H
#define STP_TRANSPORT_H

#include <linux/types.h>

#include "transport_proto.h"

/* Implemented by the module (which also sets MODULE_LICENSE("GPL")). */
/* Register probes, run begin probes; 0 or -errno.  On error it must undo
 * itself: the transport then calls neither stop nor end and the load fails. */
static int stp_module_start(void);
static void stp_module_stop(void); /* unregister probes; no handler runs afterwards */
static void stp_module_end(void);  /* run end probes; called exactly once */

/* Provided by the transport; callable from any context (kprobe, hrtimer,
 * irq, NMI) and never sleep.  When the buffer is full the bytes are
 * dropped and counted. */
static void stp_print(const char *buf, size_t len);	/* probe stdout */
static void stp_warn_msg(const char *buf, size_t len);	/* "WARNING: ..." */
static void stp_error_msg(const char *buf, size_t len); /* "ERROR: ..." */
/* exit(): stop the probes, run the end probes once, then finish.  Takes
 * effect from a timer shortly after (never wakes anything itself). */
static void stp_request_exit(void);
/* 1 once an exit was requested or the module is stopping. */
static int stp_exiting(void);

/* Internal parameters, set only by loaders. */
static unsigned int _stp_uid; /* owner of /proc/<module>/ */
static unsigned int _stp_gid;
static int _stp_target; /* -c/-x pid, 0 for none */

#endif
