/* stap's options and the script text (the target kernel: kernel.c). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/number.h"
#include "translator/session.h"

enum {
	OPT_DISABLE_CACHE = 256,
	OPT_POISON_CACHE,
	OPT_CLEAN_CACHE,
	OPT_HELP,
	OPT_VERSION,
	OPT_FANOUT,
	OPT_HOST_TIMEOUT,
	OPT_NO_PREFIX,
	OPT_GATHER,
	OPT_FLEET_BUILD,
};

static const struct option long_opts[] = {
    {"disable-cache", no_argument, NULL, OPT_DISABLE_CACHE},
    {"poison-cache", no_argument, NULL, OPT_POISON_CACHE},
    {"clean-cache", no_argument, NULL, OPT_CLEAN_CACHE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"fanout", required_argument, NULL, OPT_FANOUT},
    {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
    {"no-prefix", no_argument, NULL, OPT_NO_PREFIX},
    {"gather", no_argument, NULL, OPT_GATHER},
    {"fleet-build", no_argument, NULL, OPT_FLEET_BUILD}, /* internal (fleet.c) */
    {NULL, 0, NULL, 0},
};

static void session_usage(FILE *f)
{
	fputs("Usage: stap [options] FILE [ARGS ...]       run a script file\n"
	      "   or: stap [options] -e SCRIPT [ARGS ...]  run a script given inline\n"
	      "   or: stap [options] - [ARGS ...]          run a script read from stdin\n"
	      "   or: stap [options] -l|-L PROBE           list matching probe points\n"
	      "Options:\n"
	      "  -p N        stop after pass N (1 parse, 2 elaborate, 3 C, 4 module, 5 run)\n"
	      "  -v          more verbose (repeat for more)\n"
	      "  -w          suppress warnings\n"
	      "  -g          guru mode: allow embedded C\n"
	      "  -u          unoptimized: keep unused functions and variables\n"
	      "  -I DIR      look for tapset library scripts in DIR too\n"
	      "  -r REL|DIR  target kernel release or build tree\n"
	      "  -B OPT      pass OPT to kbuild\n"
	      "  -D NAME=V   define a C macro in the module\n"
	      "  -G NAME=V   set a global variable at load time\n"
	      "  -m NAME     module name\n"
	      "  -c CMD      run CMD; target() is its pid\n"
	      "  -x PID      target() is PID\n"
	      "  -o FILE     output to FILE\n"
	      "  -k          keep the temporary build folder\n"
	      "  -T NAME     build for (and run on) the target NAME of known_hosts(5)\n"
	      "  -T a,b,web[01-40],@group  a fleet: many targets at once (ClusterShell)\n"
	      "  --fanout N  fleet: at most N hosts connected at once (default 64)\n"
	      "  --host-timeout SEC  fleet: end a host's run after SEC seconds\n"
	      "  --no-prefix, --gather  fleet: lines without the host prefix; identical\n"
	      "              outputs gathered at the end\n"
	      "  --disable-cache, --poison-cache, --clean-cache\n",
	      f);
}

static int session_push(char ***list, size_t *n, size_t *cap, char *v)
{
	if (array_grow(list, cap, *n, sizeof **list, 8) < 0)
		return -1;
	(*list)[(*n)++] = v;
	return 0;
}

static int session_parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
	long long n;

	if (number_parse(v, lo, hi, &n) < 0) {
		fprintf(stderr, "stap: invalid argument '%s' for %s\n", v, opt);
		return -1;
	}
	*out = (long)n;
	return 0;
}

static int session_option(struct stap_session *s, int c, char *arg)
{
	long n;

	switch (c) {
	case 'p':
		if (session_parse_long("-p", arg, 1, 5, &n) < 0)
			return -1;
		s->last_pass = (int)n;
		return 0;
	case 'v':
		s->verbose++;
		return 0;
	case 'w':
		s->suppress_warnings = 1;
		return 0;
	case 'g':
		s->guru = 1;
		return 0;
	case 'u':
		s->unoptimized = 1;
		return 0;
	case 'k':
		s->keep_tmp = 1;
		return 0;
	case 'e':
		if (s->script_text) {
			fputs("stap: only one -e SCRIPT is allowed\n", stderr);
			return -1;
		}
		s->script_text = arg;
		return 0;
	case 'r':
		s->release_opt = arg;
		return 0;
	case 'm':
		s->module_name = arg;
		return 0;
	case 'c':
		s->cmd = arg;
		return 0;
	case 'o':
		s->output_file = arg;
		return 0;
	case 'T':
		s->target_name = arg;
		return 0;
	case 'x':
		if (session_parse_long("-x", arg, 1, INT_MAX, &n) < 0)
			return -1;
		s->target_pid = (pid_t)n;
		return 0;
	case 'l':
	case 'L':
		s->list_mode = c == 'l' ? STAP_LIST_PROBES : STAP_LIST_PROBES_VARS;
		s->list_pattern = arg;
		return 0;
	case 'B':
		return session_push(&s->kbuild_opts, &s->nkbuild_opts, &s->kbuild_opts_cap, arg);
	case 'D':
		return session_push(&s->defines, &s->ndefines, &s->defines_cap, arg);
	case 'I':
		return session_push(&s->tapset_dirs, &s->ntapset_dirs, &s->tapset_dirs_cap, arg);
	case 'G':
		if (!strchr(arg, '=') || arg[0] == '=') {
			fprintf(stderr, "stap: -G wants NAME=VALUE, not '%s'\n", arg);
			return -1;
		}
		return session_push(&s->global_sets, &s->nglobal_sets, &s->global_sets_cap, arg);
	case OPT_DISABLE_CACHE:
		s->disable_cache = 1;
		return 0;
	case OPT_POISON_CACHE:
		s->poison_cache = 1;
		return 0;
	case OPT_CLEAN_CACHE:
		s->clean_cache = 1;
		return 0;
	case OPT_FANOUT:
		if (session_parse_long("--fanout", arg, 1, 65536, &n) < 0)
			return -1;
		s->fleet_fanout = (int)n;
		return 0;
	case OPT_HOST_TIMEOUT:
		if (session_parse_long("--host-timeout", arg, 1, 86400 * 365, &n) < 0)
			return -1;
		s->fleet_timeout = n;
		return 0;
	case OPT_NO_PREFIX:
		s->fleet_no_prefix = 1;
		return 0;
	case OPT_GATHER:
		s->fleet_gather = 1;
		return 0;
	case OPT_FLEET_BUILD:
		s->fleet_build = 1;
		return 0;
	case OPT_HELP:
		session_usage(stdout);
		return 1;
	case OPT_VERSION:
		printf("stapauth stap " STAPAUTH_VERSION
		       " (SystemTap language, version 4.8 compatible)\n");
		return 1;
	default:
		session_usage(stderr);
		return -1;
	}
}

int session_parse_args(struct stap_session *s, int argc, char **argv)
{
	int c, r;

	memset(s, 0, sizeof(*s));
	s->progname = "stap";
	s->last_pass = 5;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "p:vwgukhVe:r:m:c:o:T:x:l:L:B:D:G:I:", long_opts,
				NULL)) != -1) {
		if (c == 'h')
			c = OPT_HELP;
		else if (c == 'V')
			c = OPT_VERSION;
		r = session_option(s, c, optarg);
		if (r)
			return r;
	}
	if (s->fleet_build && s->last_pass == 5)
		s->last_pass = 4; /* a fleet's build for one kernel (fleet.c) */
	if (s->cmd && s->target_pid) {
		fputs("stap: -c and -x cannot be used together\n", stderr);
		return -1;
	}
	if (s->target_name && s->release_opt) {
		fputs(
		    "stap: -T NAME and -r cannot be used together (the target names its kernel)\n",
		    stderr);
		return -1;
	}
	if (s->list_mode) {
		if (s->script_text || optind < argc) {
			fputs("stap: -l/-L take a probe point, not a script\n", stderr);
			return -1;
		}
		return 0;
	}
	if (!s->script_text) {
		if (optind >= argc && s->clean_cache)
			return 0; /* cache engineer: stap --clean-cache alone */
		if (optind >= argc) {
			fputs("stap: no script given (FILE, -e SCRIPT or - for stdin)\n", stderr);
			session_usage(stderr);
			return -1;
		}
		s->script_file = argv[optind++];
	}
	s->args = argv + optind;
	s->nargs = argc - optind;
	return 0;
}

#define SCRIPT_MAX (64 << 20)

static int session_read_stream(struct stap_session *s, FILE *f)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			char *nb = cap <= SCRIPT_MAX ? realloc(buf, cap + 1) : NULL;
			if (!nb) {
				free(buf);
				fprintf(stderr, "stap: %s: script too large\n", s->script_name);
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fprintf(stderr, "stap: %s: read error\n", s->script_name);
		return -1;
	}
	buf[len] = 0;
	s->script_buf = buf;
	s->script_len = len;
	return 0;
}

int session_read_script(struct stap_session *s)
{
	if (s->script_text) {
		s->script_name = "<input>";
		s->script_len = strlen(s->script_text);
		s->script_buf = strdup(s->script_text);
		return s->script_buf ? 0 : -1;
	}
	if (strcmp(s->script_file, "-") == 0) {
		s->script_name = "<stdin>";
		return session_read_stream(s, stdin);
	}
	s->script_name = s->script_file;
	FILE *f = fopen(s->script_file, "r");
	if (!f) {
		fprintf(stderr, "stap: cannot open script %s: %s\n", s->script_file,
			strerror(errno));
		return -1;
	}
	int r = session_read_stream(s, f);
	fclose(f);
	return r;
}

void session_free(struct stap_session *s)
{
	struct stap_kernel *k = &s->kernel;
	free(s->script_buf);
	free(s->defines);
	free(s->tapset_dirs);
	free(s->kbuild_opts);
	free(s->global_sets);
	free(k->release);
	free(k->build_dir);
	free(k->modules_dir);
	free(k->system_map);
	free(k->config);
	free(k->arch);
	free(k->srcarch);
	free(k->vmlinuz);
	free(k->btf_file);
	target_free(s);
	memset(s, 0, sizeof(*s));
}
