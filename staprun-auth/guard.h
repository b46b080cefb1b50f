/* The unload guard of staprun.auth (guard.c). */
#ifndef STAPRUN_AUTH_GUARD_H
#define STAPRUN_AUTH_GUARD_H

#include "staprun-auth/auth.h"

struct auth_guard {
	pid_t pid;
	int fd; /* write end: "load NAME\n", "done\n" */
};

/* Fork the guard (needs root: call before auth_privs_reduce).  Returns once
 * the guard is root in all its ids and in a session of its own, so the user
 * can no longer signal it.  It unloads only a module whose transport belongs
 * to uid (sysmod: "/sys/module", tests pass a fixture tree).  lock: the
 * descriptor holding the name's lock (lock.c), kept by the guard; -1: none. */
int auth_guard_start(struct auth_guard *g, const char *rundir, const char *sysmod, uid_t uid,
		     int lock, char *err, size_t errlen);
/* Tell the guard the module about to be loaded. */
int auth_guard_arm(struct auth_guard *g, const char *name);
/* unloaded: the module is gone (the guard needs to do nothing).  Waits for
 * the guard to end. */
void auth_guard_finish(struct auth_guard *g, int unloaded);

#endif
