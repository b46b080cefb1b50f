/*
 * /etc/systemtap/authorized_probes (authorized_probes(5)): the parser, the
 * decision, and the ownership/mode check of the file.
 *
 * Linked by the setuid staprun.auth and by stap-authorize; no global state.
 *
 *   sha256:<64 hex> [option ...] [# comment]     approve this module payload
 *   signer:sha256:<64 hex> [option ...]          approve what this cert signs
 *   revoke:sha256:<64 hex> [# comment]           never load this payload
 *   options: users=a,b groups=g,h expires=YYYY-MM-DD|YYYY-MM-DDTHH:MM:SSZ
 *            params=p,q|* program=sha256:<64 hex> (sha256: lines only)
 *   limits: [per-user=N] [total=N]               caps on concurrent loads (once)
 */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "lib/digest.h"

/* Compiled-in paths; SYSCONFDIR comes from the Makefile. */
#define POLICY_DEFAULT_PATH SYSCONFDIR "/systemtap/authorized_probes"
#define POLICY_KEYS_DIR SYSCONFDIR "/systemtap/keys"

#define POLICY_MAX_SIZE (64u << 20) /* larger files are refused */
#define POLICY_MAX_LINE 4096	    /* longer lines are an error */
#define POLICY_MAX_ERRORS 50	    /* then "too many errors" */

/* Every message as "path:line: message" (or "path: message"). */
struct policy_errors {
	char **msg;
	size_t n, cap;
};
void policy_errors_free(struct policy_errors *e);

enum policy_kind {
	POLICY_DIGEST, /* sha256:HEX */
	POLICY_SIGNER, /* signer:sha256:HEX (SHA-256 of the certificate's DER) */
	POLICY_REVOKE, /* revoke:sha256:HEX */
};

struct policy_rule {
	enum policy_kind kind;
	unsigned char digest[DIGEST_LEN];
	unsigned line;	  /* 1-based line number in the file */
	const char *text; /* the line as written (trailing blanks stripped) */
	char **users;	  /* NULL: any user */
	size_t nusers;
	char **groups; /* NULL: any group */
	size_t ngroups;
	int has_expires;
	time_t expires; /* allowed while now < expires (a bare date: to its end, UTC) */
	char **params;	/* names the user may set; NULL with params_all 0: none */
	size_t nparams;
	int params_all;	     /* params=*: any name not starting with _stp_ */
	const char *comment; /* trailing "# ..." text without the '#', or NULL */
	int has_program;     /* program=: the canonical program's hash, a record only */
	unsigned char program[DIGEST_LEN];
};

/* Concurrent loads when the file has no limits: line (or omits one). */
#define POLICY_DEFAULT_LOADS_PER_USER 8
#define POLICY_DEFAULT_LOADS 32
#define POLICY_MAX_LOADS 100000

struct policy {
	char *path; /* for messages */
	/* limits: per-user= and total= (defaults above when not given), and
	 * the line that set them (0: none) */
	unsigned max_loads_user, max_loads, limits_line;
	struct policy_rule *rules; /* in file order */
	size_t nrules;
	/* private: the file's bytes (lines NUL-terminated in place) and an
	 * arena holding the name lists */
	char *buf;
	void *arena;
};

/*
 * Read and parse path (O_NOFOLLOW, size-capped).  Returns 0, or -EBADMSG
 * when the file has errors (every one in *errors, nothing in *p: the whole
 * file is refused), or -errno when it cannot be read (one message).
 * A missing file is -ENOENT.  The permission check is separate
 * (policy_check_perms) so that a caller can order and word them.
 * Free *p with policy_free and *errors with policy_errors_free in every case.
 */
int policy_load(const char *path, struct policy *p, struct policy_errors *errors);
/* The same for bytes in memory (len bytes, need not be NUL-terminated);
 * name is used in messages. */
int policy_parse(const char *name, const char *buf, size_t len, struct policy *p,
		 struct policy_errors *errors);
void policy_free(struct policy *p);

/*
 * The user a decision is about, by name: users= and groups= hold names, and
 * these helpers resolve ids to names (getpwuid_r/getgrgid_r) so matching
 * stays a plain string comparison.  A group id without a name is skipped
 * (it can match no groups= entry).
 */
struct policy_user {
	char *name;
	char **groups; /* names of the primary and supplementary groups */
	size_t ngroups;
};
/* uid's name and the names of gids (pass the caller's real gid and
 * getgroups() list).  0, -ENOENT when uid has no passwd entry, -ENOMEM. */
int policy_user_from_ids(struct policy_user *u, uid_t uid, const gid_t *gids, size_t ngids);
/* A user by name with the groups getgrouplist() gives (stap-authorize check). */
int policy_user_from_name(struct policy_user *u, const char *name);
void policy_user_free(struct policy_user *u);

struct policy_request {
	const unsigned char *digest; /* DIGEST_LEN bytes: payload digest (lib/digest.h) */
	const unsigned char *signer; /* DIGEST_LEN bytes: fingerprint of the signer that
					keys/verify.h verified against the pinned store,
					or NULL when unsigned/unverified */
	const struct policy_user *user;
	const char *const *params; /* parameter names the user asks to set */
	size_t nparams;
	time_t now;
};

struct policy_decision {
	int allow;	       /* 1 allow, 0 deny */
	unsigned line;	       /* the deciding line, 0 when no line matched */
	const char *line_text; /* that line's text (inside the policy), or NULL */
	char reason[320];      /* one line, e.g. "revoked", "user bob is not in users=" */
};

/*
 * Decide.  A revoke: line for the digest denies outright.  Otherwise each
 * sha256: line for the digest and each signer: line for rq->signer, in file
 * order, is tried: users=/groups= (either list matching is enough when
 * both are given), then expiry, then every requested parameter must be in
 * params= (or params=* and not _stp_*; _stp_* names are never allowed).
 * The first line that grants decides; when none does, the line that came
 * closest (user matched, then not expired) gives the reason and line.
 * Returns d->allow.
 * Declared-ness of parameters (.modinfo) is the caller's check.
 */
int policy_decide(const struct policy *p, const struct policy_request *rq,
		  struct policy_decision *d);

/* Find the first rule of kind for digest (stap-authorize edits), or NULL. */
const struct policy_rule *policy_find(const struct policy *p, enum policy_kind kind,
				      const unsigned char digest[DIGEST_LEN]);

/*
 * The file must be a regular file (not a symlink) owned by owner and not
 * group- or world-writable, and every parent directory up to / owned by
 * root or owner and not group- or world-writable (a root-owned sticky
 * directory such as /tmp is accepted: nobody else can rename what is in it).
 * owner is 0 in production; tests and stap-authorize --policy pass their
 * own uid.  Returns 0 or -errno with one line in msg ("PATH: ... ").
 */
int policy_check_perms(const char *path, uid_t owner, char *msg, size_t msglen);

/* Parse an expires= value; 0 or -EINVAL.  Exposed for stap-authorize. */
int policy_parse_time(const char *s, time_t *out);

#endif
