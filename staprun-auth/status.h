/* For `stap-authorize status`: the approved probes loaded right now, read
 * from staprun.auth's record of live loads.  Link
 * $(O)/staprun-auth/libstaprun-auth.a (this pulls in status.o, record.o and
 * rename.o only). */
#ifndef STAPRUN_AUTH_STATUS_H
#define STAPRUN_AUTH_STATUS_H

#include <stdio.h>

/* The compiled-in record folder ("/run/stapauth"). */
const char *auth_status_dir(void);

/* Print one line per live load, sorted by module name:
 *   MODULE sha256:HEX user=NAME uid=N pid=N since=YYYY-MM-DDTHH:MM:SSZ
 * and, when a record's loader is gone, " (loader gone)".  Returns the
 * number of lines, or -errno when dir cannot be read. */
int auth_status_print(FILE *f, const char *dir);

#endif
