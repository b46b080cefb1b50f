/* staprun.auth argument parsing (MUST 1). */
#include "tests/unit/unit.h"

#include <stdlib.h>

#include "staprun-auth/auth.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int parse(int argc, char **argv, struct auth_opts *o, char *err)
{
	return auth_args_parse(argc, argv, o, err, 256);
}

TEST(args_argc_zero_refused)
{
	struct auth_opts o;
	char err[256];
	char *argv[] = {NULL, "FOO=bar", NULL};

	/* argc 0: argv[1] would be the environment; never looked at. */
	CHECK(parse(0, argv, &o, err) < 0);
	CHECK(strstr(err, "argc < 1"));
}

TEST(args_argv0_never_used)
{
	struct auth_opts o;
	char err[256];
	char *argv[] = {"--check", "m.ko", NULL};
	char *argv2[] = {"-d", "m.ko", NULL};

	/* argv[0] is whatever the caller chose: it must not count as an option. */
	CHECK(parse(ARGC(argv), argv, &o, err) == 0);
	CHECK(o.mode == AUTH_LOAD);
	CHECK_STR(o.module, "m.ko");
	CHECK(parse(ARGC(argv2), argv2, &o, err) == 0);
	CHECK(o.mode == AUTH_LOAD);
}

TEST(args_full_load_line)
{
	struct auth_opts o;
	char err[256];
	char *argv[] = {"x", "-v", "-o", "out", "-c", "ls -l", "m.ko", "a=1", "b=x", NULL};

	CHECK(parse(ARGC(argv), argv, &o, err) == 0);
	CHECK(o.mode == AUTH_LOAD && o.verbose == 1);
	CHECK_STR(o.outfile, "out");
	CHECK_STR(o.cmd, "ls -l");
	CHECK_STR(o.module, "m.ko");
	CHECK(o.nparams == 2);
	CHECK_STR(o.params[1], "b=x");
}

TEST(args_x_pid_or_command)
{
	struct auth_opts o;
	char err[256];
	char *pid[] = {"x", "-x", "1234", "m.ko", NULL};
	char *cmd[] = {"x", "-x", "ls", "m.ko", NULL};
	char *zero[] = {"x", "-x", "0123", "m.ko", NULL};
	char *big[] = {"x", "-x", "99999999999", "m.ko", NULL};

	CHECK(parse(ARGC(pid), pid, &o, err) == 0);
	CHECK(o.target == 1234 && o.cmd == NULL);
	/* The 2006 proposal's -x CMD: non-numeric is a command. */
	CHECK(parse(ARGC(cmd), cmd, &o, err) == 0);
	CHECK(o.target == 0);
	CHECK_STR(o.cmd, "ls");
	CHECK(parse(ARGC(zero), zero, &o, err) < 0);
	CHECK(parse(ARGC(big), big, &o, err) < 0);
}

TEST(args_strict_refusals)
{
	struct auth_opts o;
	char err[256];
	char *cases[][6] = {
	    {"x", NULL},				/* no module */
	    {"x", "-q", "m.ko", NULL},			/* unknown option */
	    {"x", "-vo", "f", "m.ko", NULL},		/* no bundling */
	    {"x", "-c", "a", "-x", "1", NULL},		/* both -c and -x */
	    {"x", "-o", NULL},				/* missing value */
	    {"x", "m.ko", "novalue", NULL},		/* not name=value */
	    {"x", "m.ko", "=v", NULL},			/* empty name */
	    {"x", "-d", "m", "extra", NULL},		/* -d takes one */
	    {"x", "-d", "m", "-c", "ls", NULL},		/* -d with -c */
	    {"x", "--check", "-c", "ls", "m.ko", NULL}, /* --check loads nothing */
	    {"x", "-o", "", "m.ko", NULL},		/* empty value */
	    {"x", "", NULL},				/* empty module */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int argc = 0;

		while (cases[i][argc])
			argc++;
		if (parse(argc, cases[i], &o, err) == 0) {
			char m[64];
			snprintf(m, sizeof m, "case %zu accepted", i);
			unit_fail(__FILE__, __LINE__, m);
			return;
		}
		CHECK(err[0] != '\0');
	}
}

TEST(args_length_limits)
{
	struct auth_opts o;
	char err[256];
	char *lng = malloc(AUTH_ARG_MAX + 2);
	char *argv[] = {"x", "m.ko", lng, NULL};
	char *many[AUTH_PARAMS_MAX + 20];
	int i;

	CHECK(lng);
	memset(lng, 'a', AUTH_ARG_MAX + 1);
	lng[0] = 'p';
	lng[1] = '=';
	lng[AUTH_ARG_MAX + 1] = '\0';
	CHECK(parse(3, argv, &o, err) < 0);
	lng[AUTH_ARG_MAX] = '\0';
	CHECK(parse(3, argv, &o, err) == 0);
	free(lng);
	many[0] = "x";
	many[1] = "m.ko";
	for (i = 2; i < AUTH_PARAMS_MAX + 3; i++)
		many[i] = "p=1";
	many[i] = NULL;
	CHECK(parse(i, many, &o, err) < 0);
	CHECK(strstr(err, "too many"));
}

TEST(args_modes)
{
	struct auth_opts o;
	char err[256];
	char *chk[] = {"x", "--check", "m.ko", "a=1", NULL};
	char *del[] = {"x", "-d", "stap_x_u1000_1", NULL};
	char *dash[] = {"x", "--", "-m.ko", NULL};

	CHECK(parse(ARGC(chk), chk, &o, err) == 0);
	CHECK(o.mode == AUTH_CHECK && o.nparams == 1);
	CHECK(parse(ARGC(del), del, &o, err) == 0);
	CHECK(o.mode == AUTH_UNLOAD);
	CHECK_STR(o.module, "stap_x_u1000_1");
	CHECK(parse(ARGC(dash), dash, &o, err) == 0);
	CHECK_STR(o.module, "-m.ko");
}

TEST(args_tied_only_for_a_load)
{
	struct auth_opts o;
	char err[256];
	char *load[] = {"x", "--tied", "-c", "true", "m.ko", NULL};
	char *unload[] = {"x", "--tied", "-d", "stp_x", NULL};
	char *check[] = {"x", "--tied", "--check", "m.ko", NULL};

	CHECK(parse(ARGC(load), load, &o, err) == 0);
	CHECK(o.tied == 1 && o.mode == AUTH_LOAD);
	CHECK(parse(ARGC(unload), unload, &o, err) < 0);
	CHECK(strstr(err, "-d takes no other option"));
	CHECK(parse(ARGC(check), check, &o, err) < 0);
	CHECK(strstr(err, "--tied"));
}
