/* `stap-authorize status`: staprun.auth's record of live loads, one line
 * each.  Reading and listing the records is the loader's (record.c); showing
 * them is only the admin tool's, so none of this is linked into the loader. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "authorize/authorize.h"
#include "staprun-auth/auth.h"

struct status_out {
	FILE *f;
	const struct policy *policy;
	int n;
};

const char *az_status_dir(void)
{
	return AUTH_RUN_DIR;
}

void az_record_format(const struct auth_record *r, char *out, size_t outlen)
{
	char when[32] = "?";
	time_t t = (time_t)r->since;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(out, outlen, "%s %s user=%s uid=%u pid=%d since=%s", r->module, r->digest, r->user,
		 (unsigned)r->uid, (int)r->pid, when);
}

/* The program its policy line names (program=), when there is one. */
static void status_program(const struct policy *p, const char *digest, char out[DIGEST_HEXLEN + 1])
{
	const struct policy_rule *rule = NULL;
	unsigned char md[DIGEST_LEN];

	out[0] = '\0';
	if (p && digest_parse(digest, md) == 0)
		rule = policy_find(p, POLICY_DIGEST, md);
	if (rule && rule->has_program)
		digest_hex(rule->program, DIGEST_LEN, out);
}

static void status_line(const struct auth_record *r, void *arg)
{
	struct status_out *o = arg;
	char line[512], prog[DIGEST_HEXLEN + 1];
	int alive = r->pid > 0 && (kill(r->pid, 0) == 0 || errno == EPERM);

	az_record_format(r, line, sizeof line);
	status_program(o->policy, r->digest, prog);
	fprintf(o->f, "%s%s%s%s\n", line, prog[0] ? " program=sha256:" : "", prog,
		alive ? "" : " (loader gone)");
	o->n++;
}

int az_status_print(FILE *f, const char *dir, const struct policy *p)
{
	struct status_out o = {f, p, 0};
	int e = auth_record_list(dir, status_line, &o);

	return e < 0 ? e : o.n;
}
