/* libFuzzer target: authorized_probes parsing and a decision on what parsed.
 * Invariants: a refused file has no rules and at least one message of the
 * form "fuzz:LINE: ..." or "fuzz: ..."; a decision names a line that exists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *groups[] = {"wheel", "staff"};
	static const struct policy_user user = {"alice", groups, 2};
	static const char *params[] = {"n", "limit"};
	struct policy p;
	struct policy_errors e;
	struct policy_decision d;
	unsigned char md[DIGEST_LEN];
	int r = policy_parse("fuzz", (const char *)data, size, &p, &e);

	if (r < 0 && (p.nrules || !e.n || strncmp(e.msg[0], "fuzz", 4)))
		__builtin_trap();
	if (r == 0 && e.n)
		__builtin_trap();
	/* decide for the digest of the first rule, or a fixed one */
	memset(md, 0x11, sizeof md);
	if (p.nrules)
		memcpy(md, p.rules[0].digest, sizeof md);
	struct policy_request rq = {md, md, &user, params, size % 3, (time_t)size * 1000003};
	policy_decide(&p, &rq, &d);
	if (d.allow && (!d.line || !d.line_text))
		__builtin_trap();
	for (size_t i = 0; i < p.nrules; i++)
		if (p.rules[i].line == 0 || p.rules[i].line > size + 1)
			__builtin_trap();
	policy_free(&p);
	policy_errors_free(&e);
	return 0;
}
