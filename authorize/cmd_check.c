/* check and verify: what staprun.auth would decide, without loading. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys/verify.h"
#include "authorize/authorize.h"

/* The inputs of a decision, gathered the way staprun.auth gathers them. */
struct ctx {
	unsigned char *mod;
	size_t len;
	struct keys_store store;
	struct modsig_result sig;
	struct policy policy;
	int policy_ok;
	struct policy_user user;
	char *params_buf;
	const char *params[64];
	size_t nparams;
};

static void ctx_free(struct ctx *c)
{
	free(c->mod);
	keys_store_free(&c->store);
	policy_free(&c->policy);
	policy_user_free(&c->user);
	free(c->params_buf);
}

/* Fail closed as staprun.auth does: a policy that is unsafe or does not
 * parse approves nothing.  Problems are printed; 0 when usable. */
static int load_policy(const struct az *az, struct ctx *c)
{
	struct policy_errors e;
	char msg[4200];
	int r;

	if ((r = policy_check_perms(az->policy, az->policy_owner, msg, sizeof msg)) < 0) {
		printf("policy: refused: %s\n", msg);
		return r;
	}
	r = policy_load(az->policy, &c->policy, &e);
	for (size_t i = 0; i < e.n; i++)
		printf("policy: %s\n", e.msg[i]);
	if (r == -EBADMSG)
		printf("policy: refused as a whole (%zu error%s)\n", e.n, e.n == 1 ? "" : "s");
	policy_errors_free(&e);
	c->policy_ok = r == 0;
	return r;
}

static int load_inputs(const struct az *az, struct ctx *c)
{
	char msg[4200];
	int r;

	if (az_read_module(az, az->pos[0], &c->mod, &c->len) < 0)
		return -EIO;
	if ((r = keys_load_trusted(az->keys, az->keys_owner, &c->store, msg, sizeof msg)) < 0)
		printf("keys: refused: %s (no signer is trusted)\n", msg);
	modsig_verify(c->mod, c->len, &c->store, &c->sig);
	load_policy(az, c);
	return 0;
}

static void print_signature(const struct az *az, const struct ctx *c)
{
	char hex[DIGEST_HEXLEN + 1];

	digest_hex(c->sig.payload_digest, DIGEST_LEN, hex);
	printf("payload: sha256:%s (%zu bytes)\n", hex, c->sig.payload_len);
	switch (c->sig.status) {
	case MODSIG_UNSIGNED:
		printf("signature: none\n");
		break;
	case MODSIG_VERIFIED:
		digest_hex(c->sig.signer_fpr, DIGEST_LEN, hex);
		printf("signature: good (%s) by \"%s\", trusted from %s\n", c->sig.hash,
		       c->sig.signer_cn, c->sig.signer->path);
		printf("signer: signer:sha256:%s\n", hex);
		break;
	case MODSIG_BAD:
		printf("signature: BAD: %s\n", c->sig.why);
		fprintf(stderr, "stap-authorize: %s: %s: %s\n", az->cmd, az->pos[0], c->sig.why);
		break;
	}
}

static int split_params(const struct az *az, struct ctx *c)
{
	if (!az->params)
		return 0;
	if (!(c->params_buf = strdup(az->params)))
		return -ENOMEM;
	for (char *tok, *save = NULL, *s = c->params_buf; (tok = strtok_r(s, ",", &save));
	     s = NULL) {
		if (c->nparams == sizeof c->params / sizeof c->params[0])
			return az_err(az, "too many parameters"), -E2BIG;
		c->params[c->nparams++] = tok;
	}
	return 0;
}

static int decide(const struct az *az, struct ctx *c, struct policy_decision *d)
{
	struct policy_request rq = {
	    .digest = c->sig.payload_digest,
	    .signer = c->sig.status == MODSIG_VERIFIED ? c->sig.signer_fpr : NULL,
	    .user = &c->user,
	    .params = c->params,
	    .nparams = c->nparams,
	    .now = time(NULL),
	};

	(void)az;
	memset(d, 0, sizeof *d);
	/* as staprun.auth: a signature that is there must verify, even when
	 * the digest alone is approved (fail closed) */
	if (c->sig.status == MODSIG_BAD) {
		snprintf(d->reason, sizeof d->reason, "bad signature: %.250s", c->sig.why);
		return 0;
	}
	if (!c->policy_ok) {
		snprintf(d->reason, sizeof d->reason, "the policy is refused (see above)");
		return 0;
	}
	return policy_decide(&c->policy, &rq, d);
}

static void print_decision(const struct az *az, const struct ctx *c,
			   const struct policy_decision *d)
{
	printf("%s: %s (user %s)\n", d->allow ? "allow" : "deny", d->reason, c->user.name);
	if (d->line)
		printf("line: %s:%u: %s\n", az->policy, d->line, d->line_text);
}

static int user_of(const struct az *az, struct ctx *c)
{
	int r;

	if (az->user)
		r = policy_user_from_name(&c->user, az->user);
	else {
		gid_t g = getgid();
		r = policy_user_from_ids(&c->user, getuid(), &g, 1);
	}
	if (r < 0)
		az_err(az, "user %s: %s", az->user ? az->user : "(invoking)",
		       r == -ENOENT ? "no such user" : strerror(-r));
	return r;
}

int az_cmd_check(struct az *az)
{
	struct ctx c = {0};
	struct policy_decision d;
	int r = 2;

	if (!az->user)
		return az_err(az, "--user NAME is required");
	if (user_of(az, &c) == 0 && split_params(az, &c) == 0 && load_inputs(az, &c) == 0) {
		print_signature(az, &c);
		r = decide(az, &c, &d) ? 0 : 1;
		print_decision(az, &c, &d);
	}
	ctx_free(&c);
	return r;
}

/* Every line that names this module or its signer, for the admin's eye. */
static void print_lines(const struct az *az, const struct ctx *c)
{
	const unsigned char *signer = c->sig.status == MODSIG_VERIFIED ? c->sig.signer_fpr : NULL;
	int any = 0;

	for (size_t i = 0; c->policy_ok && i < c->policy.nrules; i++) {
		const struct policy_rule *r = &c->policy.rules[i];
		int names = r->kind == POLICY_SIGNER
				? signer && !memcmp(r->digest, signer, DIGEST_LEN)
				: !memcmp(r->digest, c->sig.payload_digest, DIGEST_LEN);
		if (names) {
			printf("policy: %s:%u: %s\n", az->policy, r->line, r->text);
			any = 1;
		}
	}
	if (c->policy_ok && !any)
		printf("policy: no line names this module or its signer\n");
}

int az_cmd_verify(struct az *az)
{
	struct ctx c = {0};
	struct policy_decision d;
	int r = 2;

	if (user_of(az, &c) == 0 && load_inputs(az, &c) == 0) {
		print_signature(az, &c);
		print_lines(az, &c);
		decide(az, &c, &d);
		print_decision(az, &c, &d);
		r = c.sig.status == MODSIG_BAD ? 1 : 0;
	}
	ctx_free(&c);
	return r;
}
