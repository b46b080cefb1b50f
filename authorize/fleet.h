/* stap-authorize -w: what clush reports, host by host (fleet.c runs it,
 * fleet_out.c reads it; tests/fuzz/fleet_fuzz.c feeds it anything). */
#ifndef AUTHORIZE_FLEET_H
#define AUTHORIZE_FLEET_H

#include <stddef.h>

#include "lib/strbuf.h"

/* The last line each host's command prints: its exit status. */
#define FLEET_MARK "@stap-authorize-exit "
#define FLEET_TIMEOUT_MSG ": command timeout"

struct fleet_host {
	char *name;
	struct strbuf out, err; /* its stdout (marker removed) and stderr */
	int rc;			/* from its marker; -1 when it gave none */
	int timed_out;
	int group; /* index of its first host in the same group (fleet_group) */
};

struct az;
struct fleet {
	const struct az *az;
	struct fleet_host *h;
	size_t n, cap, last;
	struct strbuf timeouts; /* node sets clush reported as timed out */
	struct strbuf said;	/* clush's own other lines, to pass on */
	struct strbuf line[2];	/* partial lines of clush's stdout, stderr */
};

void fleet_free(struct fleet *f);
/* A host of the node set, not yet heard from; 0 or -ENOMEM. */
int fleet_host_add(struct fleet *f, const char *name);
/* The host named by len bytes at name, or NULL. */
struct fleet_host *fleet_find(struct fleet *f, const char *name, size_t len);
/* n bytes of clush's stdout (fd 0) or stderr (fd 1): "HOST: text" lines
 * go to their host, the marker sets its rc, "clush: NODESET: command
 * timeout" is kept in f->timeouts, clush's other lines in f->said. */
void fleet_feed(struct fleet *f, int fd, const char *buf, size_t n);
/* Set each host's group to the first host that same() pairs it with. */
void fleet_group(struct fleet *f,
		 int (*same)(const struct fleet_host *, const struct fleet_host *));
int fleet_same_out(const struct fleet_host *a, const struct fleet_host *b);
int fleet_same_err(const struct fleet_host *a, const struct fleet_host *b);
int fleet_same_outcome(const struct fleet_host *a, const struct fleet_host *b);
/* b's text, "" when empty. */
const char *fleet_text(const struct strbuf *b);

#endif
