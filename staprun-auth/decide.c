/* The decision: nothing is loaded, no capability is dropped, until every
 * check here passed.  Each refusal is one line in d->reason (MUST 11). */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys/verify.h"
#include "lib/readfile.h"
#include "policy/policy.h"

static int refuse(struct auth_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
	return -1;
}

int auth_module_read(const char *path, const struct auth_user *u, unsigned char **buf, size_t *len,
		     char *err, size_t errlen)
{
	int fd, e;

	/* MUST 4: opened by a process that is the user with no capabilities,
	 * so a path to a root-only file (directly, through a symlink or through
	 * another namespace's /proc/PID/root) fails exactly as it would for the
	 * user, and tells nothing about that file. */
	e = auth_user_open(u, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0, &fd);
	if (e < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 e == -ELOOP ? "is a symbolic link" : strerror(-e));
		return e;
	}
	/* MUST 4: fstat the descriptor, cap the size, read it whole once. */
	e = readfile_fd(fd, AUTH_MODULE_MAX, buf, len);
	close(fd);
	if (e < 0)
		snprintf(err, errlen, "%s: %s", path, readfile_strerror(e));
	return e;
}

/* MUST 3: policy and keys, and every directory above them, are root's. */
static int decide_perms(const struct auth_paths *paths, struct auth_decision *d)
{
	char msg[400];

	if (policy_check_perms(paths->policy, paths->owner, msg, sizeof msg) < 0)
		return refuse(d, "unsafe policy: %s", msg);
	if (access(paths->keys, F_OK) == 0 &&
	    keys_check_dir(paths->keys, paths->owner, msg, sizeof msg) < 0)
		return refuse(d, "unsafe keys: %s", msg);
	return 0;
}

static int decide_policy_load(const struct auth_paths *paths, struct policy *pol,
			      struct auth_decision *d)
{
	struct policy_errors errs = {0};
	int e = policy_load(paths->policy, pol, &errs);

	if (e < 0) {
		refuse(d, "policy refused: %s%s", errs.n ? errs.msg[0] : strerror(-e),
		       errs.n > 1 ? " (and more errors)" : "");
		policy_errors_free(&errs);
		return -1;
	}
	policy_errors_free(&errs);
	return 0;
}

/* The signature, when there is one, must verify against a pinned signer. */
static int decide_signature(const struct auth_paths *paths, struct auth_decision *d,
			    struct modsig_result *res)
{
	struct keys_store store = {0};
	char msg[400];
	int e;

	e = keys_load_trusted(paths->keys, paths->owner, &store, msg, sizeof msg);
	if (e < 0) {
		keys_store_free(&store);
		return refuse(d, "keys refused: %s", msg);
	}
	e = modsig_verify(d->buf, d->len, &store, res);
	keys_store_free(&store);
	if (e < 0 || res->status == MODSIG_BAD)
		return refuse(d, "bad signature: %s", res->why[0] ? res->why : strerror(-e));
	d->payload_len = res->payload_len;
	digest_hex(res->payload_digest, DIGEST_LEN, d->digest + 7);
	memcpy(d->digest, "sha256:", 7);
	if (res->status == MODSIG_VERIFIED) {
		d->is_signed = 1;
		memcpy(d->signer, "sha256:", 7);
		digest_hex(res->signer_fpr, DIGEST_LEN, d->signer + 7);
	}
	return 0;
}

/* MUST 6, before anything is parsed: never internal names, no comma. */
static int decide_params(const struct auth_opts *o, struct auth_decision *d)
{
	int i;

	for (i = 0; i < o->nparams; i++) {
		/* MUST 6: _stp_uid, _stp_gid, _stp_target are ours to set. */
		if (!strncmp(o->params[i], "_stp_", 5))
			return refuse(d, "parameter %.64s is internal: only staprun.auth sets it",
				      o->params[i]);
		/* MUST 6: a comma separates the elements of an array parameter:
		 * one value must stay one value. */
		if (strchr(o->params[i], ','))
			return refuse(d, "parameter %.64s: value has a forbidden character (,)",
				      o->params[i]);
	}
	return 0;
}

/* MUST 6, once the bytes are approved: names the module declares, values
 * from the strict set. */
static int decide_params_declared(const struct auth_opts *o, struct auth_decision *d)
{
	struct loader_err le;
	int i;

	for (i = 0; i < o->nparams; i++)
		if (loader_params_add(&d->p, &d->m, o->params[i], LOADER_PARAM_STRICT, &le) < 0)
			return refuse(d, "%s", le.msg);
	return 0;
}

/* The names the user asks to set, from the arguments alone (the module is
 * not parsed before the policy approved its bytes).  NULL on no memory. */
static char **decide_param_names(const struct auth_opts *o)
{
	char **names = calloc((size_t)o->nparams + 1, sizeof *names);
	int i;

	for (i = 0; names && i < o->nparams; i++) {
		names[i] = strndup(o->params[i], strcspn(o->params[i], "="));
		if (!names[i]) {
			while (i-- > 0)
				free(names[i]);
			free(names);
			return NULL;
		}
	}
	return names;
}

static int decide_policy(const struct auth_paths *paths, const struct auth_opts *o,
			 const struct auth_user *u, time_t now, const unsigned char *signer,
			 struct auth_decision *d, const unsigned char *digest)
{
	char **names = decide_param_names(o);
	struct policy pol = {0};
	struct policy_user pu = {0};
	struct policy_request rq = {0};
	struct policy_decision pd = {0};
	int ok = -1;

	if (decide_policy_load(paths, &pol, d) < 0)
		goto out;
	/* groups= means membership in the group database (what the admin
	 * edits), not the groups this process was started with: a user taken
	 * out of a group loses it at once, and none can be claimed by hand. */
	if (policy_user_from_name(&pu, u->name) < 0) {
		refuse(d, "cannot resolve user %s", u->name);
		goto out;
	}
	d->max_loads_user = pol.max_loads_user;
	d->max_loads = pol.max_loads;
	rq.digest = digest;
	rq.signer = signer;
	rq.user = &pu;
	if (!names) {
		refuse(d, "out of memory");
		goto out;
	}
	rq.params = (const char *const *)names;
	rq.nparams = (size_t)o->nparams;
	rq.now = now;
	/* MUST 5: not revoked, approved by digest or pinned signer, user,
	 * group, expiry and params= all matching: policy_decide. */
	policy_decide(&pol, &rq, &pd);
	if (pd.line)
		snprintf(d->line, sizeof d->line, "%s:%u", paths->policy, pd.line);
	if (!pd.allow) {
		if (strstr(pd.reason, "sha256:"))
			refuse(d, "%s", pd.reason);
		else
			refuse(d, "%s: %s", d->digest, pd.reason);
		goto out;
	}
	ok = 0;
out:
	for (int i = 0; names && i < o->nparams; i++)
		free(names[i]);
	free(names);
	policy_user_free(&pu);
	policy_free(&pol);
	return ok;
}

int auth_decide(const struct auth_paths *paths, const struct auth_opts *o,
		const struct auth_user *u, time_t now, struct auth_decision *d)
{
	struct modsig_result res;
	struct loader_err le;
	char err[512];

	memset(d, 0, sizeof *d);
	memset(&res, 0, sizeof res);
	loader_params_init(&d->p);
	if (decide_perms(paths, d) < 0)
		return -1;
	if (auth_module_read(o->module, u, &d->buf, &d->len, err, sizeof err) < 0)
		return refuse(d, "%s", err);
	if (decide_signature(paths, d, &res) < 0)
		return -1;
	if (decide_params(o, d) < 0)
		return -1;
	if (decide_policy(paths, o, u, now, d->is_signed ? res.signer_fpr : NULL, d,
			  res.payload_digest) < 0)
		return -1;
	/* Only now, with the bytes approved by digest or by a pinned signer,
	 * does libelf read them (README: untrusted bytes). */
	if (loader_module_use(d->buf, d->len, o->module, &d->m, &le) < 0)
		return refuse(d, "%s", le.msg);
	if (decide_params_declared(o, d) < 0)
		return -1;
	/* MUST 5: the administrator's PAM account rules have the last word. */
	if (paths->pam_service &&
	    auth_pam_account(paths->pam_service, u->name, err, sizeof err) < 0)
		return refuse(d, "%s", err);
	return 0;
}

void auth_decision_free(struct auth_decision *d)
{
	loader_module_free(&d->m);
	loader_params_free(&d->p);
	free(d->buf);
	d->buf = NULL;
}
