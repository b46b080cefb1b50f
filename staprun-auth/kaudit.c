/* The Linux audit trail (MUST 10, beside syslog): one AUDIT_TRUSTED_APP
 * record per grant, refusal and unload, sent through libaudit, in the
 * key=value form ausearch and `stap-authorize log` parse:
 *
 *   op=stapauth-load result=grant acct="alice" module="stap_ab12_u1000_42"
 *   digest="sha256:..." signer=? policy="/etc/systemtap/authorized_probes:3"
 *   path=2F686F6D65... reason=?   (libaudit then adds exe, hostname, addr,
 *                                  terminal and res=success|failed)
 *
 * Values come through audit_encode_nv_string: quoted when plain, hex when
 * they hold a space, a quote or a control byte; user-supplied strings (the
 * module path, the user's name, a refusal's reason) can never make a field
 * of their own.  The kernel adds pid, uid (the user: our real uid), auid and
 * ses, which tie this record to the kernel's own SYSCALL + KERN_MODULE
 * record of init_module/delete_module from the same pid.
 *
 * Sending needs CAP_AUDIT_WRITE at that moment (the kernel checks the sender,
 * not only the socket's opener).  The loader keeps it in its permitted set
 * only (privs.c) and raises it here for the one send.  Every failure (no
 * audit in the kernel, audit disabled, no auditd) is ignored: the record is
 * also in syslog, and auditing must never stop a run. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#define KAUDIT_VALUE_MAX 1024 /* bytes of one value before encoding */

int auth_kaudit_open(void)
{
	int fd = audit_open();

	return fd < 0 ? -1 : fd;
}

void auth_kaudit_close(int fd)
{
	if (fd >= 0)
		audit_close(fd);
}

/* Append " name=VALUE" (encoded) or " name=?" to out at *o. */
static int kaudit_field(char *out, size_t outlen, size_t *o, const char *name, const char *val)
{
	char *nv = NULL;
	int w;

	if (val && *val)
		nv = audit_encode_nv_string(name, val, (unsigned)strnlen(val, KAUDIT_VALUE_MAX));
	if (val && *val && !nv)
		return -ENOMEM;
	if (nv)
		w = snprintf(out + *o, outlen - *o, "%s%s", *o ? " " : "", nv);
	else
		w = snprintf(out + *o, outlen - *o, "%s%s=?", *o ? " " : "", name);
	free(nv);
	if (w < 0 || (size_t)w >= outlen - *o)
		return -ENOSPC;
	*o += (size_t)w;
	return 0;
}

int auth_kaudit_format(const struct auth_audit *a, char *out, size_t outlen)
{
	char op[64];
	size_t o = 0;
	int e = 0;

	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	/* op= and result= are our own words, bare as audit's conventions
	 * want them; everything after may hold what a user chose. */
	snprintf(op, sizeof op, "op=stapauth-%s result=%s", a->event, a->result);
	e = snprintf(out, outlen, "%s", op) >= (int)outlen ? -ENOSPC : 0;
	o = strlen(out);
	e = e ? e : kaudit_field(out, outlen, &o, "acct", a->user);
	e = e ? e : kaudit_field(out, outlen, &o, "module", a->name);
	e = e ? e : kaudit_field(out, outlen, &o, "digest", a->digest);
	e = e ? e : kaudit_field(out, outlen, &o, "signer", a->signer);
	e = e ? e : kaudit_field(out, outlen, &o, "policy", a->line);
	e = e ? e : kaudit_field(out, outlen, &o, "path", a->path);
	e = e ? e : kaudit_field(out, outlen, &o, "reason", a->reason);
	return e;
}

/* 1: grant and done are successes; refused and failed are not. */
int auth_kaudit_success(const char *result)
{
	return !strcmp(result, "grant") || !strcmp(result, "done");
}

/* Raise CAP_AUDIT_WRITE into the effective set when it is only permitted
 * (after privs.c reduced the sets); 1 when raised, for kaudit_lower. */
static int kaudit_raise(void)
{
	cap_value_t v = CAP_AUDIT_WRITE;
	cap_flag_value_t perm = CAP_CLEAR, eff = CAP_CLEAR;
	cap_t c = cap_get_proc();
	int raised = 0;

	if (c && cap_get_flag(c, v, CAP_PERMITTED, &perm) == 0 &&
	    cap_get_flag(c, v, CAP_EFFECTIVE, &eff) == 0 && perm == CAP_SET && eff != CAP_SET &&
	    cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) == 0 && cap_set_proc(c) == 0)
		raised = 1;
	cap_free(c);
	return raised;
}

static void kaudit_lower(int raised)
{
	cap_value_t v = CAP_AUDIT_WRITE;
	cap_t c;

	if (!raised)
		return;
	c = cap_get_proc();
	if (c && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) == 0)
		(void)cap_set_proc(c);
	cap_free(c);
}

static void kaudit_send_raised(int fd, const struct auth_audit *a)
{
	char msg[MAX_AUDIT_MESSAGE_LENGTH - 512]; /* room for what libaudit adds */

	if (fd < 0 || auth_kaudit_format(a, msg, sizeof msg) < 0)
		return;
	/* Ignored on purpose: no audit, audit off, no auditd (see above). */
	(void)audit_log_user_message(fd, AUDIT_TRUSTED_APP, msg, NULL, NULL, NULL,
				     auth_kaudit_success(a->result));
}

void auth_kaudit_send(int fd, const struct auth_audit *a)
{
	int saved = errno, raised;

	if (fd < 0)
		return;
	raised = kaudit_raise();
	kaudit_send_raised(fd, a);
	kaudit_lower(raised);
	errno = saved;
}

/* The socket's opener must hold the capability too: open it raised. */
void auth_kaudit_send_once(const struct auth_audit *a)
{
	int saved = errno, raised = kaudit_raise();
	int fd = auth_kaudit_open();

	kaudit_send_raised(fd, a);
	auth_kaudit_close(fd);
	kaudit_lower(raised);
	errno = saved;
}
