/* authorized_probes(5) parsing: accepted forms and every refusal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/policy.h"
#include "unit.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static int parse(const char *text, struct policy *p, struct policy_errors *e)
{
	return policy_parse("ap", text, strlen(text), p, e);
}

/* The file must be refused with exactly one error, and it must be want. */
static int refused_with(const char *text, const char *want)
{
	struct policy p;
	struct policy_errors e;
	int r = parse(text, &p, &e);
	int ok = r == -EBADMSG && p.nrules == 0 && e.n == 1 && strstr(e.msg[0], want);

	if (!ok)
		fprintf(stderr, "# got r=%d n=%zu: %s\n", r, e.n, e.n ? e.msg[0] : "");
	policy_free(&p);
	policy_errors_free(&e);
	return ok;
}

TEST(parse_full_file)
{
	const char *text = "# approved probes\n"
			   "\n" D1 " users=alice,bob groups=wheel expires=2030-01-31 params=n,x"
			   " # alice's probe\n"
			   "  signer:" D2 "\tparams=*\r\n"
			   "revoke:" D2 "   # leaked\n" D1;
	struct policy p;
	struct policy_errors e;

	CHECK(parse(text, &p, &e) == 0);
	CHECK(e.n == 0);
	CHECK(p.nrules == 4);
	CHECK(p.rules[0].kind == POLICY_DIGEST && p.rules[0].line == 3);
	CHECK(p.rules[0].nusers == 2);
	CHECK_STR(p.rules[0].users[1], "bob");
	CHECK(p.rules[0].ngroups == 1);
	CHECK_STR(p.rules[0].groups[0], "wheel");
	CHECK(p.rules[0].has_expires && p.rules[0].expires == 1896134400); /* 2030-02-01 */
	CHECK(p.rules[0].nparams == 2 && !p.rules[0].params_all);
	CHECK_STR(p.rules[0].comment, "alice's probe");
	CHECK(p.rules[1].kind == POLICY_SIGNER && p.rules[1].params_all && p.rules[1].line == 4);
	CHECK_STR(p.rules[1].text, "signer:" D2 "\tparams=*");
	CHECK(p.rules[2].kind == POLICY_REVOKE && p.rules[2].line == 5);
	CHECK(p.rules[3].kind == POLICY_DIGEST && !p.rules[3].users && !p.rules[3].params);
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_empty_file)
{
	struct policy p;
	struct policy_errors e;

	CHECK(parse("", &p, &e) == 0 && p.nrules == 0);
	policy_free(&p);
	CHECK(parse("# nothing\n\n   \n", &p, &e) == 0 && p.nrules == 0);
	policy_free(&p);
}

TEST(parse_refusals)
{
	CHECK(refused_with(D1 " colour=red\n", "ap:1: unknown option 'colour'"));
	CHECK(refused_with("\n" D1 " expires=2030-02-30\n", "ap:2: bad date '2030-02-30'"));
	CHECK(refused_with(D1 " expires=tomorrow\n", "bad date 'tomorrow'"));
	CHECK(refused_with(D1 " expires=2030-01-01T25:00:00Z\n", "bad date"));
	CHECK(refused_with(D1 " expires=2030-01-01T10:00:00+02:00\n", "bad date"));
	CHECK(refused_with(D1 " users=a users=b\n", "ap:1: duplicate option users="));
	CHECK(refused_with(D1 " users=\n", "needs a value"));
	CHECK(refused_with(D1 " users=a,,b\n", "empty name in users="));
	CHECK(refused_with(D1 " users=-rf\n", "bad user name '-rf'"));
	CHECK(refused_with(D1 " groups=a;b\n", "bad group name"));
	CHECK(refused_with(D1 " params=_stp_target\n", "internal"));
	CHECK(refused_with(D1 " params=a,*\n", "stands alone"));
	CHECK(refused_with(D1 " params=9x\n", "bad parameter name"));
	CHECK(refused_with("md5:982734982739487239487234\n", "MD5 collisions are cheap"));
	CHECK(refused_with("md5:982734982739487239487234\n", "stap-authorize bless"));
	CHECK(refused_with("sha1:abcd\n", "unknown entry 'sha1:abcd'"));
	CHECK(refused_with("sha256:ABCD\n", "bad digest"));
	CHECK(refused_with(
	    "sha256:111111111111111111111111111111111111111111111111111111111111111F\n",
	    "64 lowercase hex"));
	CHECK(refused_with("revoke:" D1 " users=a\n", "revoke: lines take no options"));
	CHECK(refused_with("signer:1234\n", "bad digest"));
	CHECK(refused_with(D1 " users\n", "needs a value"));
	CHECK(refused_with("\n\n" D1 " program=sha256:12\n",
			   "ap:3: bad digest 'sha256:12' in program="));
	CHECK(refused_with(D1 " program=" D2 " program=" D2 "\n", "duplicate option program="));
	CHECK(refused_with("signer:" D1 " program=" D2 "\n", "program= belongs on a sha256: line"));
	CHECK(refused_with(D1 " program=\n", "needs a value"));
}

TEST(parse_program_option)
{
	struct policy p;
	struct policy_errors e;

	CHECK(parse(D1 " users=alice program=" D2 " # tick.stp\n" D2 "\n", &p, &e) == 0);
	CHECK(p.nrules == 2 && p.rules[0].has_program && !p.rules[1].has_program);
	CHECK(p.rules[0].program[0] == 0x22 && p.rules[0].program[DIGEST_LEN - 1] == 0x22);
	CHECK(p.rules[0].nusers == 1);
	CHECK_STR(p.rules[0].comment, "tick.stp");
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_nul_byte)
{
	static const char text[] = D1 "\0 users=a\n";
	struct policy p;
	struct policy_errors e;

	CHECK(policy_parse("ap", text, sizeof text - 1, &p, &e) == -EBADMSG);
	CHECK(e.n == 1 && strstr(e.msg[0], "ap:1: NUL byte"));
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_collects_every_error)
{
	struct policy p;
	struct policy_errors e;

	CHECK(parse(D1 " a=1\n" D2 "\nfoo\n" D1 " expires=x\n", &p, &e) == -EBADMSG);
	CHECK(p.nrules == 0); /* the good line 2 is refused with the rest */
	CHECK(e.n == 3);
	CHECK(strncmp(e.msg[0], "ap:1: ", 6) == 0);
	CHECK(strncmp(e.msg[1], "ap:3: ", 6) == 0);
	CHECK(strncmp(e.msg[2], "ap:4: ", 6) == 0);
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_error_cap)
{
	char *text = malloc(200 * 6 + 1);
	struct policy p;
	struct policy_errors e;

	CHECK(text);
	text[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(text, "bogus\n");
	CHECK(parse(text, &p, &e) == -EBADMSG);
	CHECK(e.n == POLICY_MAX_ERRORS + 1);
	CHECK(strstr(e.msg[POLICY_MAX_ERRORS], "too many errors"));
	free(text);
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_long_line)
{
	size_t n = POLICY_MAX_LINE + 100;
	char *text = malloc(n + 1);
	struct policy p;
	struct policy_errors e;

	CHECK(text);
	memset(text, 'x', n);
	memcpy(text, D1 " users=", strlen(D1) + 7);
	text[n] = '\0';
	CHECK(parse(text, &p, &e) == -EBADMSG);
	CHECK(e.n == 1 && strstr(e.msg[0], "longer than"));
	free(text);
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_time_forms)
{
	time_t t;

	CHECK(policy_parse_time("1970-01-01", &t) == 0 && t == 86400);
	CHECK(policy_parse_time("2024-02-29", &t) == 0);
	CHECK(policy_parse_time("2023-02-29", &t) == -EINVAL);
	CHECK(policy_parse_time("2000-02-29T12:00:00Z", &t) == 0 && t == 951825600);
	CHECK(policy_parse_time("1900-02-28", &t) == -EINVAL);
	CHECK(policy_parse_time("2030-1-1", &t) == -EINVAL);
	CHECK(policy_parse_time("2030-01-01T00:00:00z", &t) == -EINVAL);
	CHECK(policy_parse_time("2030-13-01", &t) == -EINVAL);
}

TEST(load_missing_and_symlink)
{
	char path[512], link[512];
	struct policy p;
	struct policy_errors e;
	FILE *f;

	snprintf(path, sizeof path, "%s/ap", unit_tmpdir());
	CHECK(policy_load(path, &p, &e) == -ENOENT);
	CHECK(e.n == 1 && strstr(e.msg[0], path));
	policy_free(&p);
	policy_errors_free(&e);
	f = fopen(path, "w");
	CHECK(f);
	fputs(D1 " users=root\n", f);
	fclose(f);
	CHECK(policy_load(path, &p, &e) == 0 && p.nrules == 1);
	policy_free(&p);
	policy_errors_free(&e);
	snprintf(link, sizeof link, "%s/link", unit_tmpdir());
	CHECK(symlink(path, link) == 0);
	CHECK(policy_load(link, &p, &e) == -ELOOP);
	policy_free(&p);
	policy_errors_free(&e);
}

TEST(parse_digest_values)
{
	static const char *hexes[] = {
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "fedcba9876543210ffffffffffffffff00000000000000009a9b9c9d9e9f0a0f",
	};
	static const char *bad[] = {
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde:",
	    "/123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "0123456789abcdef0123456789abcd\xe9\xef"
	    "0123456789abcdef0123456789abcdef",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
	    "0123456789abcdef",
	};
	char text[200];
	unsigned char want[32];
	struct policy p;
	struct policy_errors e;

	for (size_t i = 0; i < 2; i++) {
		snprintf(text, sizeof text, "sha256:%s\n", hexes[i]);
		CHECK(parse(text, &p, &e) == 0 && p.nrules == 1);
		text[strlen(text) - 1] = '\0';
		CHECK(digest_parse(text, want) == 0);
		CHECK(memcmp(p.rules[0].digest, want, 32) == 0);
		policy_free(&p);
		policy_errors_free(&e);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "sha256:%s\n", bad[i]);
		CHECK(refused_with(text, "bad digest"));
	}
}

/* limits: caps on concurrent loads (authorized_probes(5)), once per file. */
TEST(parse_limits)
{
	struct policy p;
	struct policy_errors e;

	CHECK(parse(D1 "\n", &p, &e) == 0);
	CHECK(p.max_loads_user == POLICY_DEFAULT_LOADS_PER_USER &&
	      p.max_loads == POLICY_DEFAULT_LOADS && p.limits_line == 0);
	policy_free(&p);
	policy_errors_free(&e);
	CHECK(parse(D1 "\n  limits: per-user=2 total=5 # small box\n", &p, &e) == 0);
	CHECK(p.nrules == 1 && p.max_loads_user == 2 && p.max_loads == 5 && p.limits_line == 2);
	policy_free(&p);
	policy_errors_free(&e);
	CHECK(parse("limits: total=3\n", &p, &e) == 0);
	CHECK(p.max_loads_user == POLICY_DEFAULT_LOADS_PER_USER && p.max_loads == 3);
	policy_free(&p);
	policy_errors_free(&e);
	CHECK(refused_with("limits: per-user=0\n", "ap:1: bad number in per-user=0"));
	CHECK(refused_with("limits: total=-1\n", "bad number"));
	CHECK(refused_with("limits: total=1x\n", "bad number"));
	CHECK(refused_with("limits: total=1000000\n", "bad number"));
	CHECK(refused_with("limits: total=2 total=3\n", "ap:1: duplicate limit total="));
	CHECK(refused_with("limits: users=1\n", "unknown limit 'users=1'"));
	CHECK(refused_with("limits: total=2\n" D1 "\nlimits: total=3\n",
			   "ap:3: a second limits: line (the first is line 1)"));
	CHECK(refused_with("limits:total=2\n", "unknown entry"));
}
