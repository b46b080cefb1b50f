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
	int json;
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

static void status_json(struct status_out *o, const struct auth_record *r, const char *prog,
			int alive)
{
	char when[32] = "?";
	time_t t = (time_t)r->since;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(o->f, "%s\n {\"module\":", o->n ? "," : "");
	az_json_str(o->f, r->module);
	fprintf(o->f, ",\"digest\":");
	az_json_str(o->f, r->digest);
	fprintf(o->f, ",\"user\":");
	az_json_str(o->f, r->user);
	fprintf(o->f, ",\"uid\":%u,\"pid\":%d,\"since\":\"%s\",\"since_epoch\":%lld",
		(unsigned)r->uid, (int)r->pid, when, r->since);
	fprintf(o->f, ",\"program\":");
	if (prog[0])
		fprintf(o->f, "\"sha256:%s\"", prog);
	else
		fprintf(o->f, "null");
	fprintf(o->f, ",\"loader_alive\":%s}", alive ? "true" : "false");
}

static void status_line(const struct auth_record *r, void *arg)
{
	struct status_out *o = arg;
	char line[512], prog[DIGEST_HEXLEN + 1];
	int alive = r->pid > 0 && (kill(r->pid, 0) == 0 || errno == EPERM);

	if (o->json) {
		status_program(o->policy, r->digest, prog);
		status_json(o, r, prog, alive);
		o->n++;
		return;
	}
	az_record_format(r, line, sizeof line);
	status_program(o->policy, r->digest, prog);
	fprintf(o->f, "%s%s%s%s\n", line, prog[0] ? " program=sha256:" : "", prog,
		alive ? "" : " (loader gone)");
	o->n++;
}

int az_status_print(FILE *f, const char *dir, const struct policy *p, int json)
{
	struct status_out o = {f, p, 0, json};
	int e;

	if (json)
		fputc('[', f);
	e = auth_record_list(dir, status_line, &o);
	if (json)
		fprintf(f, "%s]\n", o.n ? "\n" : "");
	return e < 0 ? e : o.n;
}
