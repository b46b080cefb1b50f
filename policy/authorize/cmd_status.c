#include "policy/authorize/authorize.h"
#include "staprun-auth/status.h"

#include <stdio.h>
#include <string.h>

/* The approved probes loaded right now, from staprun.auth's records. */
int az_cmd_status(struct az *az)
{
	int n = auth_status_print(stdout, auth_status_dir());

	if (n < 0)
		return az_err(az, "%s: %s", auth_status_dir(), strerror(-n));
	if (n == 0)
		fprintf(stderr, "stap-authorize: status: no approved probe is loaded\n");
	return 0;
}
