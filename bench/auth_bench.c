/* In-process timing of staprun.auth's decision (auth_decide: folder checks,
 * read as the user, payload digest, signature check, .modinfo, parameters,
 * policy, and PAM when a service is given) against reading and hashing the
 * same file (readfile + SHA-256), medians of N runs.
 *   auth_bench MOD.ko POLICY KEYS PAM-SERVICE|- N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	double *td, *th, t;
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
		r = auth_decide(&paths, &o, &u, time(NULL), &d);
		td[i] = now_ms() - t;
		if (r < 0)
			return fprintf(stderr, "auth_bench: refused: %s\n", d.reason), 1;
		auth_decision_free(&d);
		t = now_ms();
		if (readfile_path(argv[1], 64u << 20, &buf, &len) < 0 ||
		    digest_sha256(buf, len, md) < 0)
			return 1;
		th[i] = now_ms() - t;
		free(buf);
	}
	qsort(td, n, sizeof *td, cmp);
	qsort(th, n, sizeof *th, cmp);
	printf("%.3f %.3f\n", td[n / 2], th[n / 2]);
	free(td);
	free(th);
	return 0;
}
