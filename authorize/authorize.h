/* stap-authorize: the administrator's tool (stap-authorize(8)). */
#ifndef AUTHORIZE_AUTHORIZE_H
#define AUTHORIZE_AUTHORIZE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/digest.h"
#include "policy/policy.h"

/* Everything a subcommand needs; no globals. */
struct az {
	const char *cmd;
	const char *policy; /* --policy or POLICY_DEFAULT_PATH */
	const char *keys;   /* --keys or POLICY_KEYS_DIR */
	uid_t policy_owner; /* 0, or the invoking uid for a --policy rehearsal */
	uid_t keys_owner;   /* 0, or the invoking uid for a --keys rehearsal */
	/* options; NULL when not given */
	const char *users, *groups, *expires, *params, *comment;
	const char *user, *out, *cn, *key, *cert, *hash, *days;
	const char *script, *expr, *release, *build_user, *program;
	const char *since, *input; /* log --since, --input */
	/* fleet: -w NODESET and how to reach it (stap-authorize(8), FLEET) */
	const char *nodes, *exclude, *login, *fanout, *timeout, *mode;
	int rsa, json;
	const char *pos[8]; /* positional arguments */
	int npos;
};

/* One-line error "stap-authorize: CMD: ..." on stderr; returns 2. */
int az_err(const struct az *az, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A module file or "sha256:HEX" (or "signer:sha256:HEX" when signer is
 * non-NULL) into a digest.  *kind tells which. */
int az_target(const struct az *az, const char *arg, enum policy_kind *kind,
	      unsigned char md[DIGEST_LEN]);
/* Read a module (256 MiB cap); caller frees. */
int az_read_module(const struct az *az, const char *path, unsigned char **buf, size_t *len);
/* Write buf to path atomically (temporary file beside it, fsync, rename). */
int az_write_atomic(const struct az *az, const char *path, const void *buf, size_t len,
		    mode_t mode);

/*
 * Edit the policy: under an exclusive flock on PATH.lock, read and parse it
 * (refusing a file with errors or bad permissions), let fn change the lines,
 * re-parse the result, and replace the file atomically.  A missing file
 * starts empty.  fn returns <0 (error already printed), 0 (write) or 1
 * (nothing to change).
 */
struct az_lines {
	char **v; /* each line without its newline; NULL = deleted */
	size_t n, cap;
};
typedef int (*az_edit_fn)(const struct az *az, const struct policy *p, struct az_lines *l,
			  void *arg);
int az_edit(const struct az *az, az_edit_fn fn, void *arg);
/* Append a line (copied) / replace line i (1-based). */
int az_lines_append(struct az_lines *l, const char *text);
int az_lines_set(struct az_lines *l, size_t line, const char *text);

/* Approve a module digest: add or update its sha256: line with the options
 * in az (bless).  0, or <0 after printing why. */
int az_bless_digest(struct az *az, const unsigned char md[DIGEST_LEN]);
/* The policy line bless writes for kind/md with az's options, checked by
 * the real parser; 0, or <0 after printing why. */
int az_bless_line(const struct az *az, enum policy_kind kind, const unsigned char *md,
		  const char *old_comment, char *out, size_t n);

struct keys_cert;
/* A certificate file, or stdin for "-"; prints why on failure. */
int az_cert_load(const struct az *az, const char *arg, struct keys_cert *c);
/* c as PEM in a new buffer; 0 or -EIO. */
int az_cert_pem(const struct keys_cert *c, char **pem, size_t *len);

/* fleet.c: run one subcommand on every host of az->nodes (fleet/fleet-run).
 * What the first positional argument becomes on the far side: */
enum az_fleet_ship {
	AZ_FLEET_NO,	 /* the command does not run on a node set */
	AZ_FLEET_ARGS,	 /* arguments go as they are */
	AZ_FLEET_DIGEST, /* a module file goes as its sha256: digest */
	AZ_FLEET_CERT,	 /* a certificate goes as PEM on stdin ("-") */
};
/* argv: the command's own arguments (after its name).  0 when every host
 * succeeded, 1 when one did not, 2 when nothing was started. */
int az_fleet(struct az *az, enum az_fleet_ship ship, int argc, char **argv);

int az_cmd_digest(struct az *az);
int az_cmd_bless(struct az *az);
int az_cmd_unbless(struct az *az);
int az_cmd_revoke(struct az *az);
int az_cmd_list(struct az *az);
int az_cmd_check(struct az *az);
int az_cmd_verify(struct az *az);
int az_cmd_keygen(struct az *az);
int az_cmd_trust(struct az *az);
int az_cmd_sign(struct az *az);
int az_cmd_status(struct az *az);
int az_cmd_log(struct az *az);

/* json.c: s as a JSON string on f (valid UTF-8 as is, any other byte as
 * \u00XX: always valid JSON, whatever the bytes), and a list of strings. */
void az_json_str(FILE *f, const char *s);
void az_json_list(FILE *f, char *const *v, size_t n);

/* auditlog.c: one staprun.auth record of the Linux audit trail (kaudit.c),
 * decoded. */
struct az_audit_rec {
	long long sec;	 /* the record's time, seconds since the epoch */
	int pid;	 /* the staprun.auth process */
	long long uid;	 /* its real uid: the user */
	long long auid;	 /* login uid, -1 when unset */
	char op[32];	 /* "load", "unload", "reconcile" */
	char result[16]; /* "grant", "refused", "done", "failed" */
	char acct[64], module[64], digest[80], signer[80];
	char policy[400], path[1100], reason[600];
};
/* Parse one raw audit line (auditd's audit.log form, as `ausearch --raw`
 * prints it).  1: a staprun.auth record, in r; 0: another record; -EBADMSG:
 * claims op=stapauth-... but is malformed. */
int az_audit_parse_line(const char *line, size_t len, struct az_audit_rec *r);
/* The kernel's own records of a module load or unload (stapauth.rules): a
 * SYSCALL record and a KERN_MODULE record with the same serial number. */
enum az_kern_kind { AZ_KERN_NONE, AZ_KERN_SYSCALL, AZ_KERN_MODULE };
struct az_audit_kern {
	enum az_kern_kind kind;
	long long sec, serial;
	int pid, success; /* SYSCALL */
	char name[64];	  /* KERN_MODULE */
};
/* 1: one of those two, in k; 0: another record; -EBADMSG: malformed. */
int az_audit_parse_kernel(const char *line, size_t len, struct az_audit_kern *k);

/* status.c: the record of live loads, for `status`.  The record folder
 * compiled into staprun.auth ("/run/stapauth"). */
struct auth_record;
const char *az_status_dir(void);
/* "MODULE sha256:HEX user=NAME uid=N pid=N since=YYYY-MM-DDTHH:MM:SSZ" */
void az_record_format(const struct auth_record *r, char *out, size_t outlen);
/* One line per live load, sorted by module name: the record, then
 * " program=sha256:HEX" when p's line for it names a program, then
 * " (loader gone)" when its loader has exited; with json, one JSON array
 * of objects (module, digest, user, uid, pid, since, since_epoch, program,
 * loader_alive) instead.  p may be NULL.  Returns the
 * number of lines, or -errno when dir cannot be read. */
int az_status_print(FILE *f, const char *dir, const struct policy *p, int json);
/* script.c: bless --script FILE | -e SCRIPT, and explain. */
int az_cmd_bless_script(struct az *az);
int az_cmd_explain(struct az *az);

#endif
