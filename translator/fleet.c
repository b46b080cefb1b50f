/* stap -T FLEET (fleet.h).  This file decides what runs where; the fan-out
 * itself is ClusterShell's, driven by fleet/fleet-run (an ExecWorker per
 * job, its fan-out window and per-host timeouts), never a loop here; the
 * driver classifies each host's outcome and prints the summary.
 *
 * Everything the run needs lives in one private folder (mkdtemp, 0700):
 *   h/NAME        "exec ssh ... HOST "$(cat "$1")"": one host's login, with
 *                 the user's own ssh (config, agent, known hosts), BatchMode
 *   facts.cmd     round trip 1: the facts script (target.c)
 *   facts/NAME    its output per host that answered (exit status 0)
 *   run.K.cmd     round trip 2 for job K (one kernel, one loader mode)
 *   outcome       "NAME<TAB>LABEL" for hosts that stop before the run:
 *                 the driver's for round trip 1, then stap's own
 *   kN.out/.err   the build for kernel N (a child stap -p4)
 *
 * Ending a run: the driver's stdin is a pipe stap holds (the tie).  The
 * first Ctrl-C closes it and the driver closes every host's stdin, so every
 * remote --tied loader ends as on SIGINT and unloads its module; a second
 * Ctrl-C ends the driver's whole process group (every ssh; the far sides
 * see their connections drop, which ends the loaders just the same). */
#include "translator/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/installed.h"
#include "lib/readfile.h"
#include "lib/rmtree.h"
#include "lib/strbuf.h"
#include "translator/knownhosts.h"
#include "translator/remote.h"
#include "translator/session.h"
#include "translator/ssh.h"
#include "translator/target.h"

#define FLEET_FANOUT 64
#define FLEET_FACTS_TIMEOUT 30 /* seconds for round trip 1 without --host-timeout */
#define FLEET_CONNECT_TIMEOUT 10
/* A host whose outcome the driver wrote (round trip 1): in its file. */
static const char FLEET_DRIVER_SAID[] = "(the driver's)";

struct fleet_host {
	const char *name; /* the record's first name */
	const struct kh_record *r;
	size_t kernel;	     /* index into fleet.kernels */
	const char *outcome; /* why it stops before the run, or NULL */
};

struct fleet_kernel {
	char *key;    /* identity and build tree */
	size_t rep;   /* the host whose name the build uses */
	char *ko;     /* the module built, or NULL */
	char *failed; /* outcome of its hosts when the build failed */
	pid_t pid;    /* the build while it runs */
};

struct fleet {
	struct stap_session *s;
	char dir[64];
	char driver[4096];
	struct fleet_host *hosts;
	size_t nhosts, hosts_cap;
	struct fleet_kernel *kernels;
	size_t nkernels, kernels_cap;
};

static volatile sig_atomic_t fleet_signals;

static void fleet_on_signal(int sig)
{
	(void)sig;
	fleet_signals++;
}

int fleet_wanted(const struct stap_session *s)
{
	return s->target_name && strpbrk(s->target_name, ",[@") != NULL;
}

static void fleet_path(const struct fleet *f, char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", f->dir, name);
}

static int fleet_write(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	ssize_t w = fd < 0 ? -1 : write(fd, text, len);

	if (fd >= 0)
		close(fd);
	if (w != (ssize_t)len) {
		fprintf(stderr, "stap: %s: %s\n", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static int fleet_find_driver(struct fleet *f)
{
	if (installed_fleet_run(f->driver, sizeof f->driver) == 0)
		return 0;
	fprintf(stderr, "stap: -T %s: the fleet driver %s is missing (%s)\n", f->s->target_name,
		f->driver, strerror(errno));
	return -1;
}

/* Start the driver with args, its stdin the read end of *tie (or
 * /dev/null), stdout into out_fd (-1: ours), in its own process group so
 * that the terminal's Ctrl-C reaches stap alone. */
static pid_t fleet_spawn(char **argv, int *tie, int out_fd)
{
	int p[2] = {-1, -1};
	pid_t pid;

	if (tie && pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int in = tie ? p[0] : open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (in < 0 || dup2(in, 0) < 0 || (out_fd >= 0 && dup2(out_fd, 1) < 0))
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "stap: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (tie) {
		close(p[0]);
		*tie = pid > 0 ? p[1] : (close(p[1]), -1);
	}
	return pid;
}

/* Wait for the driver.  With a tie, the first signal closes it (the runs
 * end cleanly); without, or at the second, its whole group ends. */
static int fleet_wait(pid_t pid, int *tie)
{
	int st = 0, killed = 0;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return 1;
		if (fleet_signals && tie && *tie >= 0) {
			close(*tie);
			*tie = -1;
		} else if (fleet_signals >= (tie ? 2 : 1) && !killed) {
			kill(-pid, SIGTERM);
			killed = 1;
		}
	}
	if (tie && *tie >= 0) {
		close(*tie);
		*tie = -1;
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int fleet_add_host(struct fleet *f, const char *name)
{
	const struct kh_record *r = kh_find(f->s->targets, name);

	for (size_t i = 0; i < f->nhosts; i++)
		if (f->hosts[i].r == r && r)
			return 0; /* named twice (or by two of its names) */
	if (!r) {
		fprintf(stderr,
			"stap: -T %s: no such target %s in ~/.systemtap/known_hosts or %s "
			"(stap-target add %s HOST records one)\n",
			f->s->target_name, name, KH_SYSTEM_PATH, name);
		return -1;
	}
	if (r->exec == KH_LOCAL) {
		fprintf(stderr,
			"stap: -T %s: %s is this machine (execute=local, %s:%u); a fleet "
			"runs over ssh only\n",
			f->s->target_name, name, r->file, r->line);
		return -1;
	}
	if (array_grow(&f->hosts, &f->hosts_cap, f->nhosts, sizeof *f->hosts, 16) < 0)
		return -1;
	f->hosts[f->nhosts++] = (struct fleet_host){.name = r->names[0], .r = r};
	return 0;
}

/* @NAME from known_hosts group=.  1 if any record is in it. */
static int fleet_kh_group(struct fleet *f, const char *group, int *err)
{
	int found = 0;

	for (size_t i = 0; i < f->s->targets->n; i++) {
		const struct kh_record *r = &f->s->targets->v[i];
		if (kh_in_group(r, group)) {
			found = 1;
			if (fleet_add_host(f, r->names[0]) < 0)
				*err = 1;
		}
	}
	return found;
}

/* Node sets and ClusterShell groups: ClusterShell's own expansion
 * (fleet-run expand), names one a line. */
static int fleet_expand_clustershell(struct fleet *f, char **items, size_t n)
{
	char **argv = calloc(n + 3, sizeof *argv), out[128];
	unsigned char *text = NULL;
	size_t len = 0;
	int fd, rc = -1;
	pid_t pid;

	fleet_path(f, out, sizeof out, "expand");
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!argv || fd < 0)
		goto out;
	argv[0] = f->driver;
	argv[1] = "expand";
	memcpy(argv + 2, items, n * sizeof *items);
	pid = fleet_spawn(argv, NULL, fd);
	if (pid < 0 || fleet_wait(pid, NULL) != 0 || readfile_path(out, 16u << 20, &text, &len) < 0)
		goto out;
	rc = 0;
	for (char *p = (char *)text, *nl; p < (char *)text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)((char *)text + len - p));
		if (!nl)
			break;
		*nl = 0;
		if (*p && fleet_add_host(f, p) < 0)
			rc = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	free(argv);
	free(text);
	return rc;
}

/* The -T expression: items split at commas outside brackets. */
static int fleet_expand(struct fleet *f)
{
	char *expr = strdup(f->s->target_name), *p, **cs = NULL;
	size_t ncs = 0, cs_cap = 0;
	int err = 0, depth = 0;

	if (!expr)
		return -1;
	for (p = expr; !err;) {
		char *item = p;
		for (; *p && (*p != ',' || depth); p++)
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
		int last = !*p;
		*p = 0;
		if (!*item)
			;
		else if (item[0] == '@' && fleet_kh_group(f, item + 1, &err))
			;
		else if (!strpbrk(item, "[@"))
			err |= fleet_add_host(f, item) < 0;
		else if (array_grow(&cs, &cs_cap, ncs, sizeof *cs, 8) < 0)
			err = 1;
		else
			cs[ncs++] = item;
		if (last)
			break;
		p++;
	}
	if (!err && ncs && fleet_expand_clustershell(f, cs, ncs) < 0)
		err = 1;
	if (!err && !f->nhosts) {
		fprintf(stderr, "stap: -T %s: no targets\n", f->s->target_name);
		err = 1;
	}
	free(cs);
	free(expr);
	return err ? -1 : 0;
}

/* Hosts whose records name the same kernel (identity and build tree)
 * share one build. */
static int fleet_group_kernels(struct fleet *f)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		char *id = target_identity(f->hosts[i].r), *tree = target_tree(f->hosts[i].r);
		struct strbuf key = {0};
		size_t k;

		sb_printf(&key, "%s build=%s", id ? id : "", tree ? tree : "-");
		free(id);
		free(tree);
		if (key.oom)
			return -1;
		for (k = 0; k < f->nkernels; k++)
			if (strcmp(f->kernels[k].key, key.s) == 0)
				break;
		if (k == f->nkernels) {
			if (array_grow(&f->kernels, &f->kernels_cap, f->nkernels,
				       sizeof *f->kernels, 4) < 0)
				return free(key.s), -1;
			f->kernels[f->nkernels++] = (struct fleet_kernel){.key = key.s, .rep = i};
		} else
			free(key.s);
		f->hosts[i].kernel = k;
	}
	return 0;
}

/* The child's argv: ours with -T naming the kernel's first host, and
 * --fleet-build (pass 4 at most).  getopt left optarg pointing into argv:
 * either the whole word (-T NAME) or its tail (-TNAME, -vTNAME). */
static char **fleet_child_argv(struct fleet *f, int argc, char **argv, const char *name,
			       char **owned)
{
	char **v = calloc((size_t)argc + 2, sizeof *v);
	const char *t = f->s->target_name;

	if (!v)
		return NULL;
	v[0] = argv[0];
	v[1] = "--fleet-build";
	for (int i = 1; i < argc; i++) {
		v[i + 1] = argv[i];
		if (t == argv[i])
			v[i + 1] = (char *)name;
		else if (t > argv[i] && t < argv[i] + strlen(argv[i]) &&
			 asprintf(owned, "%.*s%s", (int)(t - argv[i]), argv[i], name) >= 0)
			v[i + 1] = *owned;
	}
	return v;
}

static pid_t fleet_build_start(struct fleet *f, size_t k, int argc, char **argv)
{
	char out[128], err[128], in[128], *owned = NULL, **v;
	int o, e, i;
	pid_t pid = -1;

	snprintf(out, sizeof out, "%s/k%zu.out", f->dir, k);
	snprintf(err, sizeof err, "%s/k%zu.err", f->dir, k);
	fleet_path(f, in, sizeof in, "script"); /* stap -T FLEET - reads stdin once */
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	i = open(in, O_RDONLY | O_CLOEXEC);
	v = fleet_child_argv(f, argc, argv, f->hosts[f->kernels[k].rep].name, &owned);
	if (o >= 0 && e >= 0 && i >= 0 && v) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			if (dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
				_exit(127);
			execv("/proc/self/exe", v);
			_exit(127);
		}
	}
	if (o >= 0)
		close(o);
	if (e >= 0)
		close(e);
	if (i >= 0)
		close(i);
	free(v);
	free(owned);
	return pid;
}

/* Each host of kernel k: the hosts that name it, for messages. */
static void fleet_kernel_hosts(const struct fleet *f, size_t k, struct strbuf *b)
{
	for (size_t i = 0, n = 0; i < f->nhosts; i++)
		if (f->hosts[i].kernel == k)
			sb_printf(b, "%s%s", n++ ? "," : "", f->hosts[i].name);
}

/* A build ended: its module's path, or its error lines passed on. */
static void fleet_build_done(struct fleet *f, size_t k, int status)
{
	char path[128];
	unsigned char *text = NULL;
	size_t len = 0;
	struct fleet_kernel *K = &f->kernels[k];

	snprintf(path, sizeof path, "%s/k%zu.err", f->dir, k);
	if (readfile_path(path, 1u << 20, &text, &len) == 0 && len)
		fwrite(text, 1, len, stderr); /* the child's own lines, its target named */
	free(text);
	text = NULL;
	snprintf(path, sizeof path, "%s/k%zu.out", f->dir, k);
	if (status == 0 && readfile_path(path, 1u << 20, &text, &len) == 0 && len) {
		while (len && text[len - 1] == '\n')
			len--;
		K->ko = strndup((char *)text, len);
	}
	if (!K->ko &&
	    asprintf(&K->failed, "no module built for kernel %s", f->hosts[K->rep].r->kernel) < 0)
		K->failed = NULL;
	free(text);
}

/* Builds, as many at once as there are cores. */
static void fleet_build(struct fleet *f, int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t next = 0, running = 0;

	if (cores < 1)
		cores = 1;
	while (next < f->nkernels || running) {
		int st;
		pid_t w;

		while (next < f->nkernels && running < (size_t)cores && !fleet_signals) {
			f->kernels[next].pid = fleet_build_start(f, next, argc, argv);
			if (f->kernels[next].pid > 0)
				running++;
			else
				fleet_build_done(f, next, -1);
			next++;
		}
		if (!running)
			break;
		w = waitpid(-1, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		for (size_t k = 0; k < f->nkernels; k++)
			if (f->kernels[k].pid == w) {
				f->kernels[k].pid = 0;
				running--;
				fleet_build_done(f, k, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
			}
	}
	for (size_t i = 0; i < f->nhosts; i++)
		if (f->kernels[f->hosts[i].kernel].failed)
			f->hosts[i].outcome = f->kernels[f->hosts[i].kernel].failed;
}

/* -p1..-p4 with a fleet: each kernel's output under the names of its hosts. */
static int fleet_print_builds(struct fleet *f)
{
	int rc = 0;

	for (size_t k = 0; k < f->nkernels; k++) {
		struct strbuf who = {0};
		char path[128];
		unsigned char *text = NULL;
		size_t len = 0;

		fleet_kernel_hosts(f, k, &who);
		snprintf(path, sizeof path, "%s/k%zu.out", f->dir, k);
		if (f->kernels[k].failed)
			rc = 1;
		else if (readfile_path(path, 64u << 20, &text, &len) == 0) {
			printf("%s:\n", who.s ? who.s : "");
			fwrite(text, 1, len, stdout);
		}
		free(text);
		free(who.s);
	}
	return rc;
}

/* h/NAME: exec the user's ssh for this host, the command from file $1. */
static int fleet_host_file(struct fleet *f, const struct fleet_host *h)
{
	struct ssh_conn c = {.r = h->r, .label = h->name, .shared = 1};
	const char *argv[32];
	struct strbuf b = {0};
	char path[256], to[64];
	long t = f->s->fleet_timeout;
	int rc;

	if (h->r->port)
		snprintf(c.port, sizeof c.port, "%d", h->r->port);
	snprintf(to, sizeof to, "ConnectTimeout=%ld",
		 t && t < FLEET_CONNECT_TIMEOUT ? t : FLEET_CONNECT_TIMEOUT);
	ssh_argv(&c, "", argv);
	sb_puts(&b, "exec");
	sh_quote_arg(&b, argv[0]);
	sb_printf(&b, " -o %s -o ServerAliveInterval=5 -o ServerAliveCountMax=3", to);
	for (size_t i = 1; argv[i + 1]; i++)
		sh_quote_arg(&b, argv[i]);
	sb_puts(&b, " \"$(cat \"$1\")\"\n");
	snprintf(path, sizeof path, "%s/h/%s", f->dir, h->name);
	rc = b.oom ? -1 : fleet_write(path, b.s, b.n);
	free(b.s);
	return rc;
}

/* The driver's common arguments into v (room for 16). */
static size_t fleet_driver_args(struct fleet *f, char **v, char *hostdir, char *fanout,
				char *timeout, long t)
{
	size_t n = 0;

	snprintf(hostdir, 128, "%s/h", f->dir);
	snprintf(fanout, 32, "%d", f->s->fleet_fanout ? f->s->fleet_fanout : FLEET_FANOUT);
	snprintf(timeout, 32, "%ld", t);
	v[n++] = f->driver;
	v[n++] = "run";
	v[n++] = "--hostdir";
	v[n++] = hostdir;
	v[n++] = "--fanout";
	v[n++] = fanout;
	v[n++] = "--timeout";
	v[n++] = timeout;
	return n;
}

static void fleet_nodeset(const struct fleet *f,
			  int (*want)(const struct fleet_host *, const void *), const void *arg,
			  struct strbuf *b)
{
	for (size_t i = 0, n = 0; i < f->nhosts; i++)
		if (want(&f->hosts[i], arg))
			sb_printf(b, "%s%s", n++ ? "," : "", f->hosts[i].name);
}

static int fleet_pending(const struct fleet_host *h, const void *unused)
{
	(void)unused;
	return !h->outcome;
}

/* One host's facts against its record: NULL, or the outcome. */
static const char *fleet_facts_check(struct fleet *f, struct fleet_host *h)
{
	struct target_facts facts;
	struct strbuf diff = {0}, hint = {0};
	unsigned char *text = NULL;
	size_t len = 0;
	const char *why = NULL, *outcome = NULL;
	char path[256];

	snprintf(path, sizeof path, "%s/facts/%s", f->dir, h->name);
	if (readfile_path(path, 1u << 20, &text, &len) < 0 ||
	    target_facts_parse((char *)text, len, &facts, &why) < 0) {
		fprintf(stderr, "%s: stap: its kernel facts are unreadable: %s\n", h->name,
			why ? why : "no reply");
		outcome = "kernel facts unreadable";
	} else if (target_facts_compare(h->r, &facts, &diff)) {
		remote_refresh_hint(h->name, h->r, &hint);
		fprintf(stderr,
			"%s: stap: no longer matches its record (%s:%u): %s; nothing uploaded "
			"(refresh the record with: %s)\n",
			h->name, h->r->file, h->r->line, diff.s ? diff.s : "",
			hint.s ? hint.s : "");
		outcome = "kernel record stale";
	}
	free(text);
	free(diff.s);
	free(hint.s);
	return outcome;
}

/* Round trip 1 ended: a host that answered is checked against its record;
 * one that did not has its outcome in the driver's file. */
static void fleet_facts_results(struct fleet *f)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		struct fleet_host *h = &f->hosts[i];
		char path[256];
		if (h->outcome)
			continue;
		snprintf(path, sizeof path, "%s/facts/%s", f->dir, h->name);
		h->outcome = access(path, F_OK) == 0 ? fleet_facts_check(f, h) : FLEET_DRIVER_SAID;
	}
}

/* Round trip 1: every pending host's facts, at once. */
static int fleet_facts(struct fleet *f)
{
	char hostdir[128], fanout[32], timeout[32], cap[128], outc[128], cmd[128];
	char *v[24];
	struct strbuf ns = {0};
	size_t n;
	long t = f->s->fleet_timeout ? f->s->fleet_timeout : FLEET_FACTS_TIMEOUT;
	int st;
	pid_t pid;

	fleet_nodeset(f, fleet_pending, NULL, &ns);
	if (!ns.s)
		return 0;
	fleet_path(f, cap, sizeof cap, "facts");
	fleet_path(f, outc, sizeof outc, "outcome");
	fleet_path(f, cmd, sizeof cmd, "facts.cmd");
	if (mkdir(cap, 0700) < 0 ||
	    fleet_write(cmd, target_facts_script(), strlen(target_facts_script())) < 0)
		return free(ns.s), -1;
	n = fleet_driver_args(f, v, hostdir, fanout, timeout, t);
	v[n++] = "--capture";
	v[n++] = cap;
	v[n++] = "--outcome-out";
	v[n++] = outc;
	v[n++] = "--job";
	v[n++] = ns.s;
	v[n++] = cmd;
	v[n++] = "-";
	v[n] = NULL;
	pid = fleet_spawn(v, NULL, -1);
	st = pid < 0 ? 1 : fleet_wait(pid, NULL);
	free(ns.s);
	if (st != 0 || fleet_signals)
		return -1;
	fleet_facts_results(f);
	return 0;
}

/* stap's own outcomes after the driver's of round trip 1. */
static int fleet_outcome_file(struct fleet *f, const char *path)
{
	struct strbuf b = {0};
	int fd, rc = -1;

	for (size_t i = 0; i < f->nhosts; i++)
		if (f->hosts[i].outcome && f->hosts[i].outcome != FLEET_DRIVER_SAID)
			sb_printf(&b, "%s\t%s\n", f->hosts[i].name, f->hosts[i].outcome);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (!b.oom && fd >= 0 && write(fd, b.s ? b.s : "", b.n) == (ssize_t)b.n)
		rc = 0;
	else
		fprintf(stderr, "stap: %s: %s\n", path, strerror(errno ? errno : ENOMEM));
	if (fd >= 0)
		close(fd);
	free(b.s);
	return rc;
}

/* Job j of round trip 2: the pending hosts of one kernel and one loader. */
struct fleet_job {
	size_t kernel;
	enum kh_exec exec;
};

static int fleet_in_job(const struct fleet_host *h, const void *arg)
{
	const struct fleet_job *j = arg;

	return !h->outcome && h->kernel == j->kernel && h->r->exec == j->exec;
}

/* run.K.cmd for one job, and its --job arguments. */
static int fleet_job(struct fleet *f, size_t k, enum kh_exec exec, char **v, size_t *n,
		     struct strbuf *owned)
{
	struct remote_module m = {0};
	struct strbuf cmd = {0}, ns = {0};
	const struct kh_record *r = NULL;
	const struct fleet_job j = {k, exec};
	char path[128];
	int rc = -1;

	fleet_nodeset(f, fleet_in_job, &j, &ns);
	for (size_t i = 0; i < f->nhosts && !r; i++)
		if (fleet_in_job(&f->hosts[i], &j))
			r = f->hosts[i].r;
	if (!ns.s)
		return 0;
	snprintf(path, sizeof path, "%s/run.%zu.%d.cmd", f->dir, k, (int)exec);
	if (remote_module_read(f->kernels[k].ko, &m) == 0) {
		remote_command(f->s, r, NULL, remote_file_name(f->kernels[k].ko), m.len, m.hex,
			       &cmd);
		if (!cmd.oom && fleet_write(path, cmd.s, cmd.n) == 0)
			rc = 0;
	}
	if (rc == 0) {
		owned[0] = ns;
		v[(*n)++] = "--job";
		v[(*n)++] = ns.s;
		v[(*n)++] = owned[1].s = strdup(path);
		v[(*n)++] = f->kernels[k].ko;
	} else
		free(ns.s);
	free(cmd.s);
	free(m.buf);
	return rc;
}

/* Round trip 2 and the summary: the driver's status is stap's. */
static int fleet_run(struct fleet *f)
{
	static const enum kh_exec modes[] = {KH_AUTH, KH_SUDO, KH_ROOT};
	size_t njobs = f->nkernels * 3, n, nowned = 0;
	char hostdir[128], fanout[32], timeout[32], outc[128];
	char **v = calloc(24 + 4 * njobs, sizeof *v);
	struct strbuf *owned = calloc(2 * njobs + 2, sizeof *owned);
	int tie = -1, rc = 1;
	pid_t pid;

	if (!v || !owned)
		goto out;
	n = fleet_driver_args(f, v, hostdir, fanout, timeout, f->s->fleet_timeout);
	fleet_path(f, outc, sizeof outc, "outcome");
	if (fleet_outcome_file(f, outc) < 0)
		goto out;
	v[n++] = "--outcome";
	v[n++] = outc;
	v[n++] = "--summary";
	if (f->s->fleet_no_prefix)
		v[n++] = "--no-prefix";
	if (f->s->fleet_gather)
		v[n++] = "--gather";
	for (size_t k = 0; k < f->nkernels; k++)
		for (size_t e = 0; e < 3; e++, nowned += 2)
			if (f->kernels[k].ko &&
			    fleet_job(f, k, modes[e], v, &n, owned + nowned) < 0)
				goto out;
	v[n] = NULL;
	if (f->s->verbose)
		fprintf(stderr, "Pass 5: starting the run on %zu target%s\n", f->nhosts,
			f->nhosts == 1 ? "" : "s");
	pid = fleet_spawn(v, &tie, -1);
	rc = pid < 0 ? 1 : fleet_wait(pid, &tie);
out:
	for (size_t i = 0; owned && i < nowned; i++)
		free(owned[i].s);
	free(owned);
	free(v);
	return rc;
}

static int fleet_setup(struct fleet *f)
{
	const char *tmp = getenv("TMPDIR");

	if (session_find_runtime(f->s) < 0 || fleet_find_driver(f) < 0 || target_load(f->s) < 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/stapfleet.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		fprintf(stderr, "stap: private folder: %s\n", strerror(errno));
		f->dir[0] = 0;
		return -1;
	}
	char h[128], script[128];
	fleet_path(f, h, sizeof h, "h");
	fleet_path(f, script, sizeof script, "script");
	if (fleet_write(script, f->s->script_buf, f->s->script_len) < 0)
		return -1;
	return mkdir(h, 0700);
}

static int fleet_host_files(struct fleet *f)
{
	for (size_t i = 0; i < f->nhosts; i++)
		if (fleet_host_file(f, &f->hosts[i]) < 0)
			return -1;
	return 0;
}

static double fleet_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const int fleet_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define FLEET_NSIGS (sizeof fleet_sigs / sizeof fleet_sigs[0])

int fleet_main(struct stap_session *s, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = fleet_on_signal}, old[FLEET_NSIGS + 1];
	struct fleet f = {.s = s};
	double t0 = fleet_ms(), t1 = 0, t2 = 0;
	int rc = 1;

	if (s->target_pid) {
		fputs("stap: -x PID names a process on one machine, not on a fleet\n", stderr);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	fleet_signals = 0;
	for (size_t i = 0; i < FLEET_NSIGS; i++)
		sigaction(fleet_sigs[i], &sa, &old[i]);
	sa.sa_handler = SIG_IGN; /* a dead driver: closing the tie is enough */
	sigaction(SIGPIPE, &sa, &old[FLEET_NSIGS]);
	if (session_read_script(s) < 0 || fleet_setup(&f) < 0 || fleet_expand(&f) < 0 ||
	    fleet_group_kernels(&f) < 0)
		goto out;
	fleet_build(&f, argc, argv);
	t1 = fleet_ms();
	if (fleet_signals) {
		rc = 130;
		goto out;
	}
	if (s->last_pass < 5) {
		rc = fleet_print_builds(&f);
		goto out;
	}
	if (fleet_host_files(&f) < 0 || fleet_facts(&f) < 0) {
		rc = fleet_signals ? 130 : 1;
		goto out;
	}
	t2 = fleet_ms();
	rc = fleet_run(&f);
	if (s->verbose)
		fprintf(stderr,
			"Fleet: %zu target%s, %zu kernel%s: builds %.0f ms, facts round trip %.0f "
			"ms, run %.0f ms\n",
			f.nhosts, f.nhosts == 1 ? "" : "s", f.nkernels, f.nkernels == 1 ? "" : "s",
			t1 - t0, t2 - t1, fleet_ms() - t2);
out:
	for (size_t i = 0; i < FLEET_NSIGS; i++)
		sigaction(fleet_sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &old[FLEET_NSIGS], NULL);
	if (f.dir[0] && !s->keep_tmp)
		rmtree(f.dir);
	for (size_t k = 0; k < f.nkernels; k++) {
		free(f.kernels[k].key);
		free(f.kernels[k].ko);
		free(f.kernels[k].failed);
	}
	free(f.hosts);
	free(f.kernels);
	return rc;
}
