#include <stdio.h>
#include <string.h>

#include "authorize/authorize.h"

/* The approved probes loaded right now, from staprun.auth's records. */
int az_cmd_status(struct az *az)
{
	struct policy p;
	struct policy_errors e;
	int loaded = policy_load(az->policy, &p, &e) == 0;
	int r = az_status_print(stdout, az_status_dir(), loaded ? &p : NULL, az->json);

	policy_free(&p);
	policy_errors_free(&e);
	if (r < 0)
		return az_err(az, "%s: %s", az_status_dir(), strerror(-r));
	if (r == 0 && !az->json)
		fprintf(stderr, "stap-authorize: status: no approved probe is loaded\n");
	return 0;
}
