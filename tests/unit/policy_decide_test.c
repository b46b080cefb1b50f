/* policy_decide: which line decides, and the reason it gives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/policy.h"
#include "unit.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"

static unsigned char d1[32], d2[32], d3[32];
static char *alice_groups[] = {"alice", "staff"};
static struct policy_user alice = {"alice", alice_groups, 2};
static char *bob_groups[] = {"bob", "wheel"};
static struct policy_user bob = {"bob", bob_groups, 2};
static char *carol_groups[] = {"carol"};
static struct policy_user carol = {"carol", carol_groups, 1};

static const char *text = "# test policy\n"
			  "sha256:" H1 " users=alice params=n\n"
			  "sha256:" H1 " groups=wheel expires=2030-01-01 params=*\n"
			  "signer:sha256:" H3 " users=carol\n"
			  "revoke:sha256:" H2 "\n"
			  "sha256:" H2 "\n";

static int decide(const struct policy_user *u, const unsigned char *dig,
		  const unsigned char *signer, const char *const *params, size_t np, time_t now,
		  struct policy_decision *d)
{
	struct policy p;
	struct policy_errors e;
	struct policy_request rq = {dig, signer, u, params, np, now};
	int r;

	for (int i = 0; i < 32; i++)
		d1[i] = 0x11, d2[i] = 0x22, d3[i] = 0x33;
	if (policy_parse("ap", text, strlen(text), &p, &e) < 0)
		return -1;
	r = policy_decide(&p, &rq, d);
	/* line_text points into p: copy the check before freeing */
	if (d->line_text && !strstr(text, d->line_text))
		r = -2;
	d->line_text = NULL;
	policy_free(&p);
	policy_errors_free(&e);
	return r;
}

static const time_t now2025 = 1750000000;

TEST(decide_allow_by_user)
{
	struct policy_decision d;
	const char *pn[] = {"n"};

	for (int i = 0; i < 32; i++)
		d1[i] = 0x11;
	CHECK(decide(&alice, d1, NULL, pn, 1, now2025, &d) == 1);
	CHECK(d.allow && d.line == 2);
	CHECK(strstr(d.reason, "sha256: line"));
}

TEST(decide_allow_by_group_all_params)
{
	struct policy_decision d;
	const char *pn[] = {"n", "limit"};

	CHECK(decide(&bob, d1, NULL, pn, 2, now2025, &d) == 1);
	CHECK(d.line == 3);
}

TEST(decide_deny_param_not_listed)
{
	struct policy_decision d;
	const char *pn[] = {"limit"};

	/* line 2 matches alice but not the parameter; line 3 is for wheel */
	CHECK(decide(&alice, d1, NULL, pn, 1, now2025, &d) == 0);
	CHECK(d.line == 2);
	CHECK_STR(d.reason, "parameter limit is not allowed by params=");
}

TEST(decide_deny_internal_param)
{
	struct policy_decision d;
	const char *pn[] = {"_stp_target"};

	CHECK(decide(&bob, d1, NULL, pn, 1, now2025, &d) == 0);
	CHECK(strstr(d.reason, "internal"));
}

TEST(decide_deny_expired)
{
	struct policy_decision d;
	time_t after = 1893456000 + 86400; /* 2030-01-02 */

	CHECK(decide(&bob, d1, NULL, NULL, 0, after, &d) == 0);
	CHECK(d.line == 3);
	CHECK_STR(d.reason, "approval expired at 2030-01-02T00:00:00Z");
	CHECK(decide(&bob, d1, NULL, NULL, 0, 1893456000 + 86399, &d) == 1);
}

TEST(decide_deny_user)
{
	struct policy_decision d;

	CHECK(decide(&carol, d1, NULL, NULL, 0, now2025, &d) == 0);
	CHECK(d.line == 2);
	CHECK_STR(d.reason, "user carol is not in users= or groups=");
}

TEST(decide_revoked_wins)
{
	struct policy_decision d;

	CHECK(decide(&alice, d2, NULL, NULL, 0, now2025, &d) == 0);
	CHECK(d.line == 5);
	CHECK(strstr(d.reason, "is revoked"));
	/* even when signed by a trusted signer */
	CHECK(decide(&carol, d2, d3, NULL, 0, now2025, &d) == 0 && d.line == 5);
}

TEST(decide_signer)
{
	struct policy_decision d;
	unsigned char other[32];

	memset(other, 0x44, 32);
	CHECK(decide(&carol, other, d3, NULL, 0, now2025, &d) == 1);
	CHECK(d.line == 4 && strstr(d.reason, "signer: line"));
	CHECK(decide(&alice, other, d3, NULL, 0, now2025, &d) == 0 && d.line == 4);
	CHECK(decide(&carol, other, NULL, NULL, 0, now2025, &d) == 0);
	CHECK(d.line == 0 && strstr(d.reason, "is not approved"));
	CHECK(strstr(d.reason, "sha256:4444"));
}

TEST(decide_unknown_user)
{
	struct policy_decision d;

	CHECK(decide(NULL, d1, NULL, NULL, 0, now2025, &d) == 0);
	CHECK(strstr(d.reason, "(unknown)"));
}

TEST(user_from_ids_root)
{
	struct policy_user u;
	gid_t g = 0;

	CHECK(policy_user_from_ids(&u, 0, &g, 1) == 0);
	CHECK_STR(u.name, "root");
	CHECK(u.ngroups == 1);
	CHECK_STR(u.groups[0], "root");
	policy_user_free(&u);
	CHECK(policy_user_from_name(&u, "root") == 0);
	CHECK_STR(u.name, "root");
	policy_user_free(&u);
	CHECK(policy_user_from_name(&u, "no-such-user-stapauth") == -ENOENT);
	policy_user_free(&u);
}
