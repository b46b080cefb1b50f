/* digest, bless, unbless, revoke, list: reading and editing authorized_probes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/modsig.h"
#include "authorize/authorize.h"

int az_cmd_digest(struct az *az)
{
	unsigned char md[DIGEST_LEN];
	char hex[DIGEST_HEXLEN + 1];
	enum policy_kind kind;
	int bad = 0;

	for (int i = 0; i < az->npos; i++) {
		if (!strncmp(az->pos[i], "sha256:", 7) || !strncmp(az->pos[i], "signer:", 7)) {
			bad = az_err(az, "%s: give a module file", az->pos[i]);
			continue;
		}
		if (az_target(az, az->pos[i], &kind, md) < 0) {
			bad = 2;
			continue;
		}
		digest_hex(md, DIGEST_LEN, hex);
		if (az->npos == 1)
			printf("sha256:%s\n", hex);
		else
			printf("sha256:%s  %s\n", hex, az->pos[i]);
	}
	return bad;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Build "sha256:HEX opts # comment" and check it with the real parser, so
 * that bless can never write what staprun.auth would refuse. */
int az_bless_line(const struct az *az, enum policy_kind kind, const unsigned char *md,
		  const char *old_comment, char *out, size_t n)
{
	const char *comment = az->comment ? az->comment : old_comment;
	struct policy p;
	struct policy_errors e;
	char hex[DIGEST_HEXLEN + 1];
	size_t off;
	int r;

	digest_hex(md, DIGEST_LEN, hex);
	off = (size_t)snprintf(out, n, "%ssha256:%s", kind == POLICY_SIGNER ? "signer:" : "", hex);
#define OPT(name, v)                                                                               \
	if (v && off < n)                                                                          \
		off += (size_t)snprintf(out + off, n - off, " " name "=%s", v);
	OPT("users", az->users)
	OPT("groups", az->groups)
	OPT("expires", az->expires)
	OPT("params", az->params)
	OPT("program", az->program)
#undef OPT
	if (comment && *comment && off < n)
		off += (size_t)snprintf(out + off, n - off, " # %s", comment);
	if (off >= n || off >= POLICY_MAX_LINE)
		return az_err(az, "the line would be too long"), -E2BIG;
	if (comment && !printable(comment))
		return az_err(az, "--comment: control characters are not allowed"), -EINVAL;
	r = policy_parse("line", out, strlen(out), &p, &e);
	for (size_t i = 0; i < e.n; i++) /* "line:1: msg" -> "msg" */
		az_err(az, "%s", strncmp(e.msg[i], "line:1: ", 8) ? e.msg[i] : e.msg[i] + 8);
	policy_free(&p);
	policy_errors_free(&e);
	return r < 0 ? -EINVAL : 0;
}

struct edit_arg {
	enum policy_kind kind;
	unsigned char md[DIGEST_LEN];
	char hex[DIGEST_HEXLEN + 1];
};

static int do_bless(const struct az *az, const struct policy *p, struct az_lines *l, void *arg)
{
	struct edit_arg *a = arg;
	const struct policy_rule *old = policy_find(p, a->kind, a->md), *rv;
	char line[POLICY_MAX_LINE + 64];
	int r;

	if (a->kind == POLICY_DIGEST && (rv = policy_find(p, POLICY_REVOKE, a->md)))
		return az_err(az,
			      "sha256:%s is revoked (%s:%u); a revocation is lifted only by "
			      "editing the file",
			      a->hex, p->path, rv->line),
		       -EPERM;
	if ((r = az_bless_line(az, a->kind, a->md, old ? old->comment : NULL, line, sizeof line)))
		return r;
	if (old && !strcmp(old->text, line)) {
		printf("%s:%u: unchanged: %s\n", az->policy, old->line, line);
		return 1;
	}
	if (old) {
		r = az_lines_set(l, old->line, line);
		printf("%s:%u: updated: %s\n", az->policy, old->line, line);
	} else {
		r = az_lines_append(l, line);
		printf("%s:%zu: added: %s\n", az->policy, l->n, line);
	}
	return r < 0 ? az_err(az, "out of memory"), r : 0;
}

static int do_unbless(const struct az *az, const struct policy *p, struct az_lines *l, void *arg)
{
	struct edit_arg *a = arg;
	int found = 0;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (r->kind != a->kind || memcmp(r->digest, a->md, DIGEST_LEN))
			continue;
		printf("%s:%u: removed: %s\n", az->policy, r->line, r->text);
		az_lines_set(l, r->line, NULL);
		found = 1;
	}
	if (!found)
		return az_err(az, "%ssha256:%s is not blessed in %s",
			      a->kind == POLICY_SIGNER ? "signer:" : "", a->hex, az->policy),
		       -ENOENT;
	return 0;
}

static int do_revoke(const struct az *az, const struct policy *p, struct az_lines *l, void *arg)
{
	struct edit_arg *a = arg;
	const struct policy_rule *rv = policy_find(p, POLICY_REVOKE, a->md);
	char line[POLICY_MAX_LINE + 64];

	if (rv) {
		printf("%s:%u: already revoked: %s\n", az->policy, rv->line, rv->text);
		return 1;
	}
	/* the approval lines would only contradict the revocation */
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (r->kind == POLICY_DIGEST && !memcmp(r->digest, a->md, DIGEST_LEN)) {
			printf("%s:%u: removed: %s\n", az->policy, r->line, r->text);
			az_lines_set(l, r->line, NULL);
		}
	}
	if (az->comment && !printable(az->comment))
		return az_err(az, "--comment: control characters are not allowed"), -EINVAL;
	snprintf(line, sizeof line, "revoke:sha256:%s%s%s", a->hex, az->comment ? " # " : "",
		 az->comment ? az->comment : "");
	if (az_lines_append(l, line) < 0)
		return az_err(az, "out of memory"), -ENOMEM;
	printf("%s:%zu: added: %s\n", az->policy, l->n, line);
	return 0;
}

static int edit_cmd(struct az *az, az_edit_fn fn, int signer_ok)
{
	struct edit_arg a;

	if (az_target(az, az->pos[0], &a.kind, a.md) < 0)
		return 2;
	if (a.kind == POLICY_SIGNER && !signer_ok)
		return az_err(az,
			      "a signer cannot be revoked: remove its signer: line (unbless) "
			      "and its certificate from %s",
			      az->keys);
	digest_hex(a.md, DIGEST_LEN, a.hex);
	return az_edit(az, fn, &a) < 0 ? 1 : 0;
}

int az_bless_digest(struct az *az, const unsigned char md[DIGEST_LEN])
{
	struct edit_arg a = {.kind = POLICY_DIGEST};

	memcpy(a.md, md, DIGEST_LEN);
	digest_hex(a.md, DIGEST_LEN, a.hex);
	return az_edit(az, do_bless, &a);
}

int az_cmd_bless(struct az *az)
{
	if (az->script || az->expr) {
		if (az->npos || (az->script && az->expr))
			return az_err(az,
				      "give one of MOD.ko, sha256:HEX, --script FILE, -e SCRIPT");
		return az_cmd_bless_script(az);
	}
	if (az->npos != 1)
		return az_err(az,
			      "missing argument: MOD.ko, sha256:HEX, --script FILE or -e SCRIPT");
	if (az->release || az->build_user)
		return az_err(az, "-r and --build-user go with --script or -e");
	return edit_cmd(az, do_bless, 1);
}

int az_cmd_unbless(struct az *az)
{
	return edit_cmd(az, do_unbless, 1);
}

int az_cmd_revoke(struct az *az)
{
	return edit_cmd(az, do_revoke, 0);
}

static void list_json(const struct policy *p)
{
	static const char *kinds[] = {"sha256", "signer", "revoke"};
	char hex[DIGEST_HEXLEN + 1], when[32];

	printf("[");
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct tm tm;
		time_t t = r->expires;
		digest_hex(r->digest, DIGEST_LEN, hex);
		printf("%s\n {\"line\":%u,\"kind\":\"%s\",\"digest\":\"sha256:%s\",\"users\":",
		       i ? "," : "", r->line, kinds[r->kind], hex);
		r->users ? az_json_list(stdout, r->users, r->nusers) : (void)printf("null");
		printf(",\"groups\":");
		r->groups ? az_json_list(stdout, r->groups, r->ngroups) : (void)printf("null");
		printf(",\"expires\":");
		if (r->has_expires && gmtime_r(&t, &tm)) {
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			az_json_str(stdout, when);
		} else {
			printf("null");
		}
		printf(",\"params\":");
		if (r->params_all)
			az_json_str(stdout, "*");
		else
			az_json_list(stdout, r->params, r->nparams);
		printf(",\"comment\":");
		r->comment ? az_json_str(stdout, r->comment) : (void)printf("null");
		printf("}");
	}
	printf("%s]\n", p->nrules ? "\n" : "");
}

int az_cmd_list(struct az *az)
{
	struct policy p;
	struct policy_errors e;
	char msg[4200];
	int r;

	if ((r = policy_check_perms(az->policy, az->policy_owner, msg, sizeof msg)) < 0 &&
	    r != -ENOENT)
		fprintf(stderr,
			"stap-authorize: list: warning: %s (staprun.auth refuses "
			"everything until this is fixed)\n",
			msg);
	r = policy_load(az->policy, &p, &e);
	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "%s\n", e.msg[i]);
	if (r == 0 && az->json)
		list_json(&p);
	else if (r == 0)
		for (size_t i = 0; i < p.nrules; i++)
			printf("%s:%u: %s\n", az->policy, p.rules[i].line, p.rules[i].text);
	if (r == -EBADMSG)
		az_err(az, "%s is refused as a whole: %zu error%s", az->policy, e.n,
		       e.n == 1 ? "" : "s");
	policy_free(&p);
	policy_errors_free(&e);
	return r == 0 ? 0 : 1;
}
