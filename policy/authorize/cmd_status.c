#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "policy/authorize/authorize.h"
#include "staprun-auth/auth.h"
#include "staprun-auth/status.h"

struct status_arg {
	const struct policy *policy; /* NULL when it cannot be read */
	int n;
};

/* One live load, with the program its policy line names (program=). */
static void status_one(const struct auth_record *r, void *arg)
{
	struct status_arg *a = arg;
	const struct policy_rule *rule = NULL;
	unsigned char md[DIGEST_LEN];
	char line[512], prog[DIGEST_HEXLEN + 1] = "";
	int gone = r->pid <= 0 || (kill(r->pid, 0) < 0 && errno != EPERM);

	auth_record_format(r, line, sizeof line);
	if (a->policy && digest_parse(r->digest, md) == 0)
		rule = policy_find(a->policy, POLICY_DIGEST, md);
	if (rule && rule->has_program)
		digest_hex(rule->program, DIGEST_LEN, prog);
	printf("%s%s%s%s\n", line, prog[0] ? " program=sha256:" : "", prog,
	       gone ? " (loader gone)" : "");
	a->n++;
}

/* The approved probes loaded right now, from staprun.auth's records. */
int az_cmd_status(struct az *az)
{
	struct policy p;
	struct policy_errors e;
	struct status_arg a = {NULL, 0};
	int r;

	if (policy_load(az->policy, &p, &e) == 0)
		a.policy = &p;
	r = auth_record_list(auth_status_dir(), status_one, &a);
	policy_free(&p);
	policy_errors_free(&e);
	if (r < 0)
		return az_err(az, "%s: %s", auth_status_dir(), strerror(-r));
	if (a.n == 0)
		fprintf(stderr, "stap-authorize: status: no approved probe is loaded\n");
	return 0;
}
