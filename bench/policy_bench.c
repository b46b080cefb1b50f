/* Parse + decide on a large authorized_probes: policy_load, then a decision
 * for a module approved on the last line (the whole file is scanned) and
 * for one that is not listed.  Prints in ms the medians of wall-clock and CPU time, then
 * their minimums (the machine is shared: wall time includes waiting). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static char *groups[] = {"users", "perf"};
	static const struct policy_user user = {"alice", groups, 2};
	const char *params[] = {"limit"};
	int runs = argc > 3 ? atoi(argv[3]) : 15;
	double t[100], cpu[100];
	unsigned char last[DIGEST_LEN], none[DIGEST_LEN];

	if (argc < 3 || digest_parse(argv[2], last) < 0 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: policy_bench FILE sha256:LAST [RUNS]\n");
		return 2;
	}
	memset(none, 0xee, sizeof none);
	for (int i = 0; i < runs; i++) {
		struct policy p;
		struct policy_errors e;
		struct policy_decision d1, d2;
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (policy_load(argv[1], &p, &e) < 0) {
			fprintf(stderr, "%s\n", e.n ? e.msg[0] : "load failed");
			return 1;
		}
		struct policy_request rq = {last, NULL, &user, params, 1, time(NULL)};
		policy_decide(&p, &rq, &d1);
		rq.digest = none;
		policy_decide(&p, &rq, &d2);
		t[i] = now_ms(CLOCK_MONOTONIC) - t0;
		cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (!d1.allow || d2.allow) {
			fprintf(stderr, "unexpected decision: %s / %s\n", d1.reason, d2.reason);
			return 1;
		}
		policy_free(&p);
		policy_errors_free(&e);
	}
	qsort(t, (size_t)runs, sizeof t[0], cmp);
	qsort(cpu, (size_t)runs, sizeof cpu[0], cmp);
	printf("%.3f %.3f %.3f %.3f\n", t[runs / 2], cpu[runs / 2], t[0], cpu[0]);
	return 0;
}
