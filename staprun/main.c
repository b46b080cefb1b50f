/* staprun: load a probe module (as root), relay its output, end it, unload.
 *   staprun [-v] [--tied] [-o FILE] [-c CMD | -x PID] MOD.ko [name=value ...] */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/number.h"
#include "staprun/err.h"
#include "staprun/loader.h"

struct staprun_opts {
	int verbose;
	int tied;
	const char *outfile;
	const char *cmd;
	pid_t target;
	const char *module;
	char **params;
	int nparams;
};

static void usage(const char *why)
{
	fprintf(
	    stderr,
	    "usage: staprun [-v] [--tied] [-o FILE] [-c CMD | -x PID] MOD.ko [name=value ...]%s\n",
	    why);
}

static int parse_pid(const char *s, pid_t *pid)
{
	long long v;

	if (number_parse(s, 1, INT_MAX, &v) < 0)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

enum { OPT_TIED = 256, OPT_VERSION };

static const struct option long_opts[] = {
    {"tied", no_argument, NULL, OPT_TIED},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct staprun_opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	opterr = 0; /* one line of our own instead */
	while ((c = getopt_long(argc, argv, "+:vo:c:x:h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIED:
			o->tied = 1;
			break;
		case OPT_VERSION:
			printf("staprun (stapauth) %s\n", STAPAUTH_VERSION);
			return 1;
		case 'v':
			o->verbose++;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'c':
			o->cmd = optarg;
			break;
		case 'x':
			if (parse_pid(optarg, &o->target)) {
				fprintf(stderr, "staprun: -x %s: not a process id\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage("");
			return -1;
		case ':':
			fprintf(stderr, "staprun: option -%c needs an argument\n", optopt);
			return -1;
		default:
			if (optopt)
				fprintf(stderr, "staprun: unknown option -%c (see staprun(8))\n",
					optopt);
			else
				fprintf(stderr, "staprun: unknown option %s (see staprun(8))\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (o->cmd && o->target) {
		fprintf(stderr, "staprun: -c and -x cannot be used together\n");
		return -1;
	}
	if (optind >= argc) {
		usage("");
		return -1;
	}
	o->module = argv[optind];
	o->params = argv + optind + 1;
	o->nparams = argc - optind - 1;
	return 0;
}

static int prepare(const struct staprun_opts *o, struct loader_module *m, struct loader_params *p,
		   struct loader_err *e)
{
	int rc = loader_module_read(o->module, m, e);

	for (int i = 0; !rc && i < o->nparams; i++)
		rc = loader_params_add(p, m, o->params[i], 0, e);
	if (!rc)
		rc = loader_module_check_kernel(m, e);
	if (!rc && o->target && kill(o->target, 0) != 0 && errno == ESRCH)
		rc = loader_fail(e, -ESRCH, "-x %d: no such process", (int)o->target);
	return rc;
}

static int run(const struct staprun_opts *o, struct loader_module *m, struct loader_params *p)
{
	struct loader_child_opts child = {.cmd = o->cmd, .stdin_null = o->tied};
	struct loader_run_opts ro = {
	    .out_fd = -1,
	    .child = o->cmd ? &child : NULL,
	    .target_pid = o->target,
	    .owner_uid = getuid(),
	    .owner_gid = getgid(),
	    .verbose = o->verbose,
	    .tied = o->tied,
	};
	struct loader_err e = {""};
	int rc;

	if (o->outfile) {
		ro.out_fd =
		    open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (ro.out_fd < 0) {
			fprintf(stderr, "staprun: %s: %s\n", o->outfile, strerror(errno));
			return 1;
		}
	}
	rc = loader_run(m, p, &ro, &e);
	if (rc < 0) {
		fprintf(stderr, "staprun: %s\n", e.msg);
		rc = 1;
	}
	if (ro.out_fd >= 0)
		close(ro.out_fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct staprun_opts o;
	struct loader_module m;
	struct loader_params p;
	struct loader_err e = {""};
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 1;
	loader_params_init(&p);
	if (prepare(&o, &m, &p, &e)) {
		fprintf(stderr, "staprun: %s\n", e.msg);
		rc = 1;
	} else {
		rc = run(&o, &m, &p);
	}
	loader_params_free(&p);
	loader_module_free(&m);
	return rc;
}
