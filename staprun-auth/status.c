/* `stap-authorize status`: list staprun.auth's record of live loads. */
#include "staprun-auth/status.h"

#include <errno.h>
#include <signal.h>

#include "staprun-auth/auth.h"

struct status_out {
	FILE *f;
	int n;
};

const char *auth_status_dir(void)
{
	return AUTH_RUN_DIR;
}

static void status_line(const struct auth_record *r, void *arg)
{
	struct status_out *o = arg;
	char line[512];
	int alive = r->pid > 0 && (kill(r->pid, 0) == 0 || errno == EPERM);

	auth_record_format(r, line, sizeof line);
	fprintf(o->f, "%s%s\n", line, alive ? "" : " (loader gone)");
	o->n++;
}

int auth_status_print(FILE *f, const char *dir)
{
	struct status_out o = {f, 0};
	int e = auth_record_list(dir, status_line, &o);

	return e < 0 ? e : o.n;
}
