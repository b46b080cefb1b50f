/* The byte stream of /proc/<module>/data, shared by the kernel side
 * (runtime/transport.c) and the reader (staprun/relay.c).  Plain C: no
 * kernel or libc headers needed.
 *
 * The stream is a sequence of records, each a 4-byte little-endian header
 * followed by its payload:
 *
 *    0               3 4                          4+len
 *   +-------+-------+-+---------------------------+
 *   | len (bits 0-23) | chan (bits 24-31) | payload ...
 *   +-----------------+-------------------+-----------
 *
 * chan STP_CHAN_OUT is probe output (the reader's stdout), STP_CHAN_WARN
 * and STP_CHAN_ERR are complete "WARNING: ..." / "ERROR: ..." messages
 * (stderr), STP_CHAN_DROP carries two 8-byte little-endian counters: bytes
 * and records dropped so far (cumulative), placed where the gap is.
 * A read(2) returns whole records only; the buffer given to read must hold
 * at least STP_READ_MIN bytes.  read(2) returns 0 (end of file) once the
 * module has finished (end probes run) and every record was read. */
#ifndef STP_TRANSPORT_PROTO_H
#define STP_TRANSPORT_PROTO_H

#define STP_HDR_LEN 4
#define STP_REC_MAX 4096 /* largest payload; longer prints are split */
#define STP_READ_MIN (STP_HDR_LEN + STP_REC_MAX)
#define STP_LEN_MASK 0xffffffu
#define STP_CHAN_SHIFT 24

#define STP_CHAN_OUT 1
#define STP_CHAN_WARN 2
#define STP_CHAN_ERR 3
#define STP_CHAN_DROP 4

/* /proc/<module>/control: write "exit" to ask the module to finish; read
 * "key value" lines: state (starting|running|stopping|finished),
 * dropped_bytes, dropped_records, errors, target. */
#define STP_CTL_EXIT "exit"
#define STP_PROC_DATA "data"
#define STP_PROC_CONTROL "control"

#endif
