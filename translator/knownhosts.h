/* known_hosts(5): the targets stap can build for and run on.
 *
 *   NAME[,NAME...] execute=local|ssh:[user@]host[:port]:auth|sudo|root
 *       kernel=RELEASE arch=ARCH [cpu=CPU] [build=DIR] [uname-v="VERSION"]
 *       [build-id=HEX] [sig-enforce=yes|no] [stapauth=VERSION|none]
 *       [group=GROUP[,GROUP...]]
 *
 * One target per line, '#' comments, values with blanks in double quotes
 * (\" and \\ inside).  ~/.systemtap/known_hosts is read before
 * /etc/systemtap/known_hosts, so the user's line wins for a name.  A file
 * with any error is refused whole; every error is "path:line: message". */
#ifndef TRANSLATOR_KNOWNHOSTS_H
#define TRANSLATOR_KNOWNHOSTS_H

#include <stddef.h>

#include "lib/strbuf.h"

#define KH_FILE_MAX (16u << 20) /* largest known_hosts file read */

enum kh_exec {
	KH_LOCAL, /* this machine: the local loader */
	KH_AUTH,  /* ssh, then staprun.auth (no password) */
	KH_SUDO,  /* ssh, then sudo staprun */
	KH_ROOT,  /* ssh as root, then staprun */
};

enum kh_sig { KH_SIG_UNKNOWN = 0, KH_SIG_NO, KH_SIG_YES };

struct kh_record {
	char **names; /* at least one */
	size_t nnames;
	enum kh_exec exec;
	char *user; /* ssh: login name, or NULL (ssh's own default) */
	char *host; /* ssh: host name or address, never starting with '-' */
	int port;   /* ssh: 0 = ssh's own default */
	char *kernel, *arch, *cpu, *build;
	char *uname_v;	/* `uname -v` */
	char *build_id; /* lowercase hex of the kernel's GNU build-id note */
	enum kh_sig sig_enforce;
	char *stapauth; /* stapauth version on the target, "none", or NULL */
	char *groups;	/* group=: "db,web" (stap -T @db), or NULL */
	const char *file;
	unsigned line;
};

struct known_hosts {
	struct kh_record *v;
	size_t n, cap;
	char **files; /* the paths records point into (owned) */
	size_t nfiles, files_cap;
};

/* Parse one file's text (len bytes, NUL bytes are an error) and append its
 * records.  On any error nothing of this file is kept and the messages
 * ("path:line: message\n") are appended to err.  Returns the number of
 * errors (0 on success) or -ENOMEM. */
int kh_parse(struct known_hosts *kh, const char *path, const char *text, size_t len,
	     struct strbuf *err);
/* Read path and parse it; a missing file is no error.  As kh_parse, plus a
 * "path: reason" line when it cannot be read. */
int kh_load_file(struct known_hosts *kh, const char *path, struct strbuf *err);
/* The user's file ($SYSTEMTAP_DIR or ~/.systemtap), then the system's. */
int kh_load_default(struct known_hosts *kh, struct strbuf *err);
/* Does r's group= list name group?  1 or 0. */
int kh_in_group(const struct kh_record *r, const char *group);
/* The first record carrying name (the user's file first), or NULL. */
const struct kh_record *kh_find(const struct known_hosts *kh, const char *name);
void kh_free(struct known_hosts *kh);
void kh_record_free(struct kh_record *r);

/* The line for r (no newline), values quoted where needed. */
void kh_format(const struct kh_record *r, struct strbuf *out);
/* "ssh:[user@]host[:port]:mode" or "local". */
void kh_format_execute(const struct kh_record *r, struct strbuf *out);
/* Same login target (user, host, port)? */
int kh_same_host(const struct kh_record *a, const struct kh_record *b);

/* Syntax checks shared with the recording code.  1 if valid. */
int kh_valid_name(const char *s);
/* Parse "[user@]host[:port]" into r->user/host/port.  0, or -1 with a
 * reason in *why. */
int kh_parse_destination(const char *s, struct kh_record *r, const char **why);

/* Record rec (one name) in the file at path: replace the line of a target
 * of that name on the same host (keeping its other names), or append.  A
 * name bound to another host is refused unless force (then the name moves).
 * The file is rewritten atomically; other lines stay byte for byte.  0, or
 * -1 after printing one line (or the file's errors).  The line written is
 * appended to written. */
int kh_file_update(const char *path, const struct kh_record *rec, int force,
		   struct strbuf *written);

/* The user's known_hosts path (caller frees), or NULL. */
char *kh_user_path(void);
#define KH_SYSTEM_PATH SYSCONFDIR "/systemtap/known_hosts"

#endif
