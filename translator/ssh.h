/* One OpenSSH connection per run: the user's own ssh (config, agent, known
 * hosts) with BatchMode, a ControlMaster that every step shares, and the
 * POSIX-shell quoting of every argument that crosses to the remote shell. */
#ifndef TRANSLATOR_SSH_H
#define TRANSLATOR_SSH_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/strbuf.h"
#include "translator/knownhosts.h"

/* " " and s as one word for a POSIX shell (sb_shquote: in single quotes,
 * each ' written as '\''; any byte but NUL survives). */
void sh_quote_arg(struct strbuf *b, const char *s);

struct ssh_conn {
	const struct kh_record *r;
	const char *label; /* the target's name, for messages */
	char dir[64];	   /* private folder for the control socket */
	char ctl[96];	   /* its ControlPath */
	char port[16];	   /* -p value, or "" */
	int open;	   /* our master is up */
	int shared;	   /* the user's own master (their ControlPath) is used */
};

/* Use the master the user's ssh config already has running for the host
 * (ssh -O check over their ControlPath), or else start our own (ssh -f -N,
 * ControlPersist), so every later step reuses one connection.  0, or -1 after printing one line
 * (ssh's own reason, condensed: a changed host key, a refused login). */
int ssh_open(struct ssh_conn *c, const struct kh_record *r, const char *label);
/* Ask our master to exit (never the user's) and remove the private folder. */
void ssh_close(struct ssh_conn *c);

/* The argv of "ssh ... HOST COMMAND" over the connection (NULL-terminated;
 * the strings point into c and cmd).  argv must have room for 24. */
void ssh_argv(const struct ssh_conn *c, const char *cmd, const char **argv);
/* Run cmd on the target with stdin_fd (-1: /dev/null) as its input; its
 * stdout is collected into out (up to max bytes), stderr passes through.
 * Returns the remote exit status (255: ssh failed), -1 on a local error. */
int ssh_capture(const struct ssh_conn *c, const char *cmd, int stdin_fd, struct strbuf *out,
		size_t max);
/* Start cmd on the target in its own process group with the given stdin
 * (a pipe the caller closes to end the run); stdout/stderr are the
 * caller's.  The pid, or -1. */
pid_t ssh_spawn(const struct ssh_conn *c, const char *cmd, int stdin_fd);
/* waitpid and turn the status into an exit status (128+signal). */
int ssh_wait(pid_t pid);

#endif
