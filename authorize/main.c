/*
 * stap-authorize: approve, revoke, sign and check modules for staprun.auth.
 * Run by root on the real files; --policy FILE and --keys DIR let anyone
 * rehearse on private copies, which must then be owned by the invoking user
 * instead of root (the same checks, another expected owner).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authorize/authorize.h"

static const struct command {
	const char *name;
	int (*fn)(struct az *);
	int min, max;	     /* positional arguments */
	const char *options; /* long options it takes, space-separated */
	const char *usage;
	enum az_fleet_ship fleet; /* whether and how it runs on a node set (-w) */
} commands[] = {
    {"digest", az_cmd_digest, 1, 8, "", "MOD.ko...", AZ_FLEET_NO},
    {"bless", az_cmd_bless, 0, 1,
     "users groups expires params comment program script expr release build-user",
     "MOD.ko|sha256:HEX|signer:sha256:HEX|--script FILE.stp|-e SCRIPT [-r REL] "
     "[--build-user U] [--users U,..] [--groups G,..] [--expires DATE] [--params P,..|*] "
     "[--program sha256:HEX] [--comment TEXT]",
     AZ_FLEET_DIGEST},
    {"explain", az_cmd_explain, 1, 1, "script expr release build-user",
     "sha256:HEX [--script FILE.stp|-e SCRIPT [-r REL] [--build-user U]]", AZ_FLEET_NO},
    {"unbless", az_cmd_unbless, 1, 1, "", "MOD.ko|sha256:HEX|signer:sha256:HEX", AZ_FLEET_DIGEST},
    {"revoke", az_cmd_revoke, 1, 1, "comment", "MOD.ko|sha256:HEX [--comment TEXT]",
     AZ_FLEET_DIGEST},
    {"list", az_cmd_list, 0, 0, "json", "[--json]", AZ_FLEET_ARGS},
    {"check", az_cmd_check, 1, 1, "user params", "MOD.ko --user NAME [--params P,..]", AZ_FLEET_NO},
    {"verify", az_cmd_verify, 1, 1, "user", "MOD.ko [--user NAME]", AZ_FLEET_NO},
    {"keygen", az_cmd_keygen, 0, 0, "out cn rsa days", "--out DIR [--cn NAME] [--rsa] [--days N]",
     AZ_FLEET_NO},
    {"trust", az_cmd_trust, 1, 1, "", "CERT.pem|CERT.der", AZ_FLEET_CERT},
    {"sign", az_cmd_sign, 1, 1, "key cert out hash",
     "--key KEY.pem --cert CERT [--hash sha256|sha384|sha512] MOD.ko [-o OUT]", AZ_FLEET_NO},
    {"status", az_cmd_status, 0, 0, "json", "[--json]", AZ_FLEET_ARGS},
    {"log", az_cmd_log, 0, 0, "json since user input",
     "[--since DATE] [--user NAME|UID] [--input AUDIT.LOG] [--json]", AZ_FLEET_NO},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int az_err(const struct az *az, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stap-authorize: %s%s", az->cmd ? az->cmd : "", az->cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: stap-authorize [--policy FILE] [--keys DIR] COMMAND ...\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       stap-authorize %s %s\n", commands[i].name, commands[i].usage);
	fprintf(f, "on every host of a ClusterShell node set (clush.conf applies):\n"
		   "       stap-authorize -w NODESET [-x NODESET] [-l USER] [--fanout N] "
		   "[--timeout SEC] [--mode MODE]\n"
		   "                      bless|unbless|revoke|trust|list|status ...\n");
}

static int takes(const struct command *c, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = c->options; (p = strstr(p, opt)); p += n)
		if ((p == c->options || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The address of the field an option fills, and whether it takes a value. */
static const char **opt_slot(struct az *az, const char *name, int **flag)
{
	static const struct {
		const char *name;
		size_t off;
	} slots[] = {
	    {"policy", offsetof(struct az, policy)},
	    {"keys", offsetof(struct az, keys)},
	    {"users", offsetof(struct az, users)},
	    {"groups", offsetof(struct az, groups)},
	    {"expires", offsetof(struct az, expires)},
	    {"params", offsetof(struct az, params)},
	    {"comment", offsetof(struct az, comment)},
	    {"user", offsetof(struct az, user)},
	    {"out", offsetof(struct az, out)},
	    {"cn", offsetof(struct az, cn)},
	    {"key", offsetof(struct az, key)},
	    {"cert", offsetof(struct az, cert)},
	    {"hash", offsetof(struct az, hash)},
	    {"days", offsetof(struct az, days)},
	    {"script", offsetof(struct az, script)},
	    {"expr", offsetof(struct az, expr)},
	    {"release", offsetof(struct az, release)},
	    {"build-user", offsetof(struct az, build_user)},
	    {"program", offsetof(struct az, program)},
	    {"since", offsetof(struct az, since)},
	    {"input", offsetof(struct az, input)},
	    /* the node set options: only before the command (main) */
	    {"w", offsetof(struct az, nodes)},
	    {"x", offsetof(struct az, exclude)},
	    {"l", offsetof(struct az, login)},
	    {"fanout", offsetof(struct az, fanout)},
	    {"timeout", offsetof(struct az, timeout)},
	    {"mode", offsetof(struct az, mode)},
	};

	*flag = NULL;
	if (!strcmp(name, "rsa"))
		*flag = &az->rsa;
	if (!strcmp(name, "json"))
		*flag = &az->json;
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
		if (!strcmp(name, slots[i].name))
			return (const char **)((char *)az + slots[i].off);
	return NULL;
}

static int parse_args(struct az *az, const struct command *c, int argc, char **argv)
{
	int dashdash = 0;

	for (int i = 0; i < argc; i++) {
		char *a = argv[i], name[32];
		const char *val = NULL, *eq;
		int *flag;
		if (dashdash || a[0] != '-' || !a[1]) {
			if (az->npos == c->max ||
			    az->npos == (int)(sizeof az->pos / sizeof az->pos[0]))
				return az_err(az, "too many arguments (usage: %s %s)", c->name,
					      c->usage);
			az->pos[az->npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = 1;
			continue;
		}
		if (!strcmp(a, "-o"))
			a = "--out";
		else if (!strcmp(a, "-e")) /* stap's own spelling */
			a = "--expr";
		else if (!strcmp(a, "-r"))
			a = "--release";
		if (!strcmp(a, "-w") || !strcmp(a, "-x") || !strcmp(a, "-l") ||
		    !strcmp(a, "--fanout") || !strcmp(a, "--timeout") || !strcmp(a, "--mode"))
			return az_err(
			    az, "%s goes before the command (stap-authorize -w NODESET %s ...)", a,
			    c->name);
		if (strncmp(a, "--", 2) != 0)
			return az_err(az, "unknown option %s", a);
		eq = strchr(a + 2, '=');
		snprintf(name, sizeof name, "%.*s",
			 (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		const char **slot = opt_slot(az, name, &flag);
		int global = !strcmp(name, "policy") || !strcmp(name, "keys");
		if ((!slot && !flag) || (!global && !takes(c, name)))
			return az_err(az, "unknown option --%s (usage: %s %s)", name, c->name,
				      c->usage);
		if (flag) {
			if (eq)
				return az_err(az, "--%s takes no value", name);
			*flag = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return az_err(az, "--%s needs a value", name);
		if (*slot)
			return az_err(az, "--%s given twice", name);
		*slot = val;
	}
	if (az->npos < c->min)
		return az_err(az, "missing argument (usage: %s %s)", c->name, c->usage);
	return 0;
}

int main(int argc, char **argv)
{
	struct az az = {0};
	const struct command *c = NULL;
	int i = 1, r;

	umask(022);
	/* global options may come before the command as well; the node set
	 * ones only there */
	for (; i + 1 < argc; i += 2) {
		static const char *const globals[] = {"--policy", "--keys",    "-w",	"-x", "-l",
						      "--fanout", "--timeout", "--mode"};
		const char **slot = NULL;
		int *flag;
		for (size_t k = 0; k < sizeof globals / sizeof globals[0]; k++)
			if (!strcmp(argv[i], globals[k]))
				slot = opt_slot(&az, argv[i] + (argv[i][1] == '-' ? 2 : 1), &flag);
		if (!slot || *slot)
			break;
		*slot = argv[i + 1];
	}
	if (i < argc && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "--version")) {
		printf("stap-authorize %s\n", STAPAUTH_VERSION);
		return 0;
	}
	for (size_t k = 0; i < argc && k < NCOMMANDS; k++)
		if (!strcmp(argv[i], commands[k].name))
			c = &commands[k];
	if (!c) {
		if (i < argc)
			fprintf(stderr, "stap-authorize: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	az.cmd = c->name;
	if ((r = parse_args(&az, c, argc - i - 1, argv + i + 1)))
		return r;
	if (!az.nodes && (az.exclude || az.login || az.fanout || az.timeout || az.mode))
		return az_err(&az, "-x, -l, --fanout, --timeout and --mode go with -w NODESET");
	if (az.nodes)
		return az_fleet(&az, c->fleet, argc - i - 1, argv + i + 1);
	az.policy_owner = az.policy ? getuid() : 0;
	az.keys_owner = az.keys ? getuid() : 0;
	if (!az.policy)
		az.policy = POLICY_DEFAULT_PATH;
	if (!az.keys)
		az.keys = POLICY_KEYS_DIR;
	return c->fn(&az);
}
