/* Strict argument parsing for a setuid program (MUST 1).
 *
 *   staprun.auth [-v] [--tied] [-o FILE] [-c CMD | -x PID | -x CMD] MOD.ko [name=value ...]
 *   staprun.auth --check MOD.ko [name=value ...]
 *   staprun.auth -d MODNAME
 *
 * No getopt: it reads POSIXLY_CORRECT and prints argv[0].  Every argument is
 * length-limited; anything unexpected is an error, never ignored. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/number.h"

static int args_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *auth_usage(void)
{
	return "usage: staprun.auth [-v] [--tied] [-o FILE] [-c CMD | -x PID] MOD.ko [name=value "
	       "...]\n"
	       "       staprun.auth --check MOD.ko [name=value ...]\n"
	       "       staprun.auth -d MODNAME\n";
}

/* A decimal pid: digits only, no sign, no leading zero, fits pid_t. */
/* No leading zero: "010" is no pid anyone means. */
static int args_pid(const char *s, pid_t *pid)
{
	long long v;

	if (*s == '0' || number_parse(s, 1, INT_MAX, &v) < 0)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

static int args_numeric(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The option that takes a value: -o, -c, -x, -d. */
static int args_value(struct auth_opts *o, char opt, const char *v, char *err, size_t errlen)
{
	if (!*v)
		return args_err(err, errlen, "-%c: empty argument", opt);
	switch (opt) {
	case 'o':
		if (o->outfile)
			return args_err(err, errlen, "-o given twice");
		o->outfile = v;
		return 0;
	case 'c':
		if (o->cmd || o->target)
			return args_err(err, errlen, "only one of -c and -x");
		o->cmd = v;
		return 0;
	case 'x':
		if (o->cmd || o->target)
			return args_err(err, errlen, "only one of -c and -x");
		/* The 2006 proposal's `-x CMD`: a non-numeric -x is a command. */
		if (!args_numeric(v)) {
			o->cmd = v;
			return 0;
		}
		if (args_pid(v, &o->target) < 0)
			return args_err(err, errlen, "-x: not a process id: %.32s", v);
		return 0;
	case 'd':
		if (o->mode != AUTH_LOAD || o->module)
			return args_err(err, errlen, "-d takes a module name and nothing else");
		o->mode = AUTH_UNLOAD;
		o->module = v;
		return 0;
	}
	return args_err(err, errlen, "unknown option -%c", opt);
}

static int args_option(struct auth_opts *o, int argc, char *const argv[], int *i, char *err,
		       size_t errlen)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--check")) {
		if (o->mode != AUTH_LOAD)
			return args_err(err, errlen, "--check and -d exclude each other");
		o->mode = AUTH_CHECK;
		return 0;
	}
	if (!strcmp(a, "-v")) {
		o->verbose++;
		return 0;
	}
	if (!strcmp(a, "--tied")) {
		o->tied = 1;
		return 0;
	}
	if (a[1] && !a[2] && strchr("ocxd", a[1])) {
		if (*i + 1 >= argc || !argv[*i + 1])
			return args_err(err, errlen, "-%c needs an argument", a[1]);
		(*i)++;
		return args_value(o, a[1], argv[*i], err, errlen);
	}
	return args_err(err, errlen, "unknown option: %.32s", a);
}

/* After the options: the module and its parameters. */
static int args_rest(struct auth_opts *o, int argc, char *const argv[], int i, char *err,
		     size_t errlen)
{
	if (o->mode == AUTH_UNLOAD) {
		if (i != argc)
			return args_err(err, errlen, "-d takes a module name and nothing else");
		if (o->verbose > 1 || o->outfile || o->cmd || o->target || o->tied)
			return args_err(err, errlen, "-d takes no other option");
		return 0;
	}
	if (i >= argc)
		return args_err(err, errlen, "no module given");
	o->module = argv[i++];
	if (!*o->module)
		return args_err(err, errlen, "empty module path");
	o->params = argv + i;
	o->nparams = argc - i;
	if (o->nparams > AUTH_PARAMS_MAX)
		return args_err(err, errlen, "too many parameters (at most %d)", AUTH_PARAMS_MAX);
	for (; i < argc; i++)
		if (!strchr(argv[i], '=') || argv[i][0] == '=')
			return args_err(err, errlen, "not a name=value parameter: %.32s", argv[i]);
	if (o->mode == AUTH_CHECK && (o->outfile || o->cmd || o->target))
		return args_err(err, errlen, "--check takes no -o, -c or -x");
	if (o->mode == AUTH_CHECK && o->tied)
		return args_err(err, errlen, "--check takes no --tied");
	return 0;
}

int auth_args_parse(int argc, char *const argv[], struct auth_opts *o, char *err, size_t errlen)
{
	int i;

	memset(o, 0, sizeof *o);
	/* MUST 1: an exec with an empty argv leaves argc 0 and argv[1] is then
	 * the environment; refuse before touching anything. */
	if (argc < 1 || !argv)
		return args_err(err, errlen, "no arguments at all (argc < 1)");
	if (argc > AUTH_PARAMS_MAX + 16)
		return args_err(err, errlen, "too many arguments");
	for (i = 1; i < argc; i++) {
		if (!argv[i])
			return args_err(err, errlen, "argument %d is missing", i);
		if (strnlen(argv[i], AUTH_ARG_MAX + 1) > AUTH_ARG_MAX)
			return args_err(err, errlen, "argument %d is longer than %d bytes", i,
					AUTH_ARG_MAX);
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (args_option(o, argc, argv, &i, err, errlen) < 0)
			return -1;
	}
	return args_rest(o, argc, argv, i, err, errlen);
}
