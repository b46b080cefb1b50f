/* Where this program's data is: the source tree it was built from while it
 * runs from its build tree, DATADIR once installed. */
#ifndef LIB_INSTALLED_H
#define LIB_INSTALLED_H

#include <stddef.h>

/* 1 when this binary is the installed one (PREFIX/bin or PREFIX/sbin). */
int installed_self(void);

/* The fleet driver, fleet/fleet-run (ClusterShell's fan-out for stap -T
 * FLEET and stap-authorize -w): $STAPAUTH_FLEET_RUN, else the source
 * tree's from a build tree, else DATADIR/fleet-run.  0 when it is
 * executable, else -errno (out names it either way). */
int installed_fleet_run(char *out, size_t size);

#endif
