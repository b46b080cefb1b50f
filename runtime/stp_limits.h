/* Safety limits of a generated module; each one can be overridden with
 * stap -D NAME=VALUE (emitted as #define before this file). */
#ifndef STP_LIMITS_H
#define STP_LIMITS_H

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512
#endif
#ifndef MAXACTION
#define MAXACTION 1000
#endif
#ifndef MAXNESTING
#define MAXNESTING 10
#endif
#ifndef MAXERRORS
#define MAXERRORS 0
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048
#endif
/* Attempts (each about TRYLOCKDELAY ns apart) to take a global's lock before
 * the probe is skipped and counted. */
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 1000
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 100
#endif
/* Per-CPU memory for the locals of probe handlers and nested functions. */
#ifndef STP_FRAME_BYTES
#define STP_FRAME_BYTES (64 * 1024)
#endif
/* Per-CPU output buffer, flushed to the transport when a probe ends. */
#ifndef STP_OUTBUF_BYTES
#define STP_OUTBUF_BYTES 8192
#endif
#ifndef STP_MAXKEYS
#define STP_MAXKEYS 9
#endif
#ifndef STP_MAX_BUCKETS
#define STP_MAX_BUCKETS 128
#endif
/* Largest printf '*' width or precision (the kernel's vsnprintf takes at
 * most 32767 as a precision). */
#ifndef STP_FMT_STAR_MAX
#define STP_FMT_STAR_MAX 4096
#endif
#ifndef HIST_WIDTH
#define HIST_WIDTH 50
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif

#if MAXSTRINGLEN < 16
#error "MAXSTRINGLEN must be at least 16"
#endif

#endif
