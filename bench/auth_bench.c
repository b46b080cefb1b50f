/* In-process timing of staprun.auth's decision (auth_decide: folder checks,
 * read as the user, payload digest, signature check, .modinfo, parameters,
 * policy, and PAM when a service is given) against reading and hashing the
 * same file (readfile + SHA-256): "DECIDE_WALL HASH_WALL DECIDE_CPU HASH_CPU",
 * wall times as medians of N runs, CPU times (user+sys of this process and
 * of the children it waited for: the decision opens the module in a child
 * that is the user) as means, all in ms.
 *   auth_bench MOD.ko POLICY KEYS PAM-SERVICE|- N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/readfile.h"
#include "staprun-auth/auth.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this process and its waited-for children, in ms. */
static double cpu_ms(void)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return (s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) *
		   1e3 +
	       (s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec + c.ru_stime.tv_usec) /
		   1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct auth_paths paths;
	struct auth_user u;
	char err[256], *params[] = {"lines=3"};
	struct auth_opts o = {.mode = AUTH_CHECK, .params = params, .nparams = 1};
	double *td, *th, t, c, cd = 0, ch = 0;
	int n, i;

	if (argc != 6)
		return fprintf(stderr, "usage: auth_bench MOD.ko POLICY KEYS PAM|- N\n"), 2;
	o.module = argv[1];
	paths.policy = argv[2];
	paths.keys = argv[3];
	paths.owner = getuid();
	paths.pam_service = strcmp(argv[4], "-") ? argv[4] : NULL;
	n = atoi(argv[5]);
	td = calloc(n, sizeof *td);
	th = calloc(n, sizeof *th);
	if (!td || !th || n < 1 || auth_user_get(&u, err, sizeof err) < 0)
		return fprintf(stderr, "auth_bench: setup failed\n"), 1;
	for (i = 0; i < n; i++) {
		struct auth_decision d;
		unsigned char *buf, md[DIGEST_LEN];
		size_t len;
		int r;

		t = now_ms();
		c = cpu_ms();
		r = auth_decide(&paths, &o, &u, time(NULL), &d);
		cd += cpu_ms() - c;
		td[i] = now_ms() - t;
		if (r < 0)
			return fprintf(stderr, "auth_bench: refused: %s\n", d.reason), 1;
		auth_decision_free(&d);
		t = now_ms();
		c = cpu_ms();
		if (readfile_path(argv[1], 64u << 20, &buf, &len) < 0 ||
		    digest_sha256(buf, len, md) < 0)
			return 1;
		ch += cpu_ms() - c;
		th[i] = now_ms() - t;
		free(buf);
	}
	qsort(td, n, sizeof *td, cmp);
	qsort(th, n, sizeof *th, cmp);
	printf("%.3f %.3f %.3f %.3f\n", td[n / 2], th[n / 2], cd / n, ch / n);
	free(td);
	free(th);
	return 0;
}
