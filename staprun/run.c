/* The whole session of a loaded module: load, release the -c child, relay
 * output until the module finishes, drain, unload. */
#include "staprun/err.h"
#include "staprun/loader.h"
#include "staprun/relay.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_OPEN_TIMEOUT_MS 5000
#define RUN_PUMP_MS 250
#define RUN_DRAIN_S 60 /* after an exit request, how long end probes may take */

/* Set by the signal handler, which can reach nothing else. */
static volatile sig_atomic_t run_signal;

static const int run_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE};
#define RUN_NSIGS (sizeof run_sigs / sizeof run_sigs[0])

struct run_state {
	sigset_t oldmask;
	sigset_t waitmask; /* what ppoll waits with: our signals unblocked */
	struct sigaction old[RUN_NSIGS];
	struct loader_child child;
	int child_done;
	int child_status;
	int target_fd; /* -x: pidfd of the target, -1: none */
	struct timespec exit_at;
};

static void run_on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
		run_signal = sig;
	/* SIGCHLD, SIGPIPE: only interrupt ppoll */
}

static void run_signals_install(struct run_state *s)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal; /* no SA_RESTART: ppoll must return */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < RUN_NSIGS; i++)
		sigaddset(&block, run_sigs[i]);
	run_signal = 0;
	sigprocmask(SIG_BLOCK, &block, &s->oldmask);
	for (size_t i = 0; i < RUN_NSIGS; i++)
		sigaction(run_sigs[i], &sa, &s->old[i]);
	s->waitmask = s->oldmask;
	for (size_t i = 0; i < RUN_NSIGS; i++)
		sigdelset(&s->waitmask, run_sigs[i]);
}

static void run_signals_restore(struct run_state *s)
{
	for (size_t i = 0; i < RUN_NSIGS; i++)
		sigaction(run_sigs[i], &s->old[i], NULL);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

static void run_reap(struct run_state *s, int hang)
{
	int st;
	pid_t w;

	if (!s->child.pid || s->child_done)
		return;
	do
		w = waitpid(s->child.pid, &st, hang ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == s->child.pid) {
		s->child_done = 1;
		s->child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

static void run_request_exit(struct run_state *s, struct relay *r)
{
	struct loader_err e;

	if (r->exit_requested)
		return;
	if (relay_request_exit(r, &e))
		fprintf(stderr, "staprun: %s\n", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &s->exit_at);
}

static int run_drain_expired(const struct run_state *s, const struct relay *r)
{
	struct timespec now;

	if (!r->exit_requested)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - s->exit_at.tv_sec > RUN_DRAIN_S;
}

/* -x PID: the run ends when the target exits, as with -c (a pidfd polls
 * readable once its process has exited). */
static int run_target_gone(const struct run_state *s)
{
	struct pollfd p = {.fd = s->target_fd, .events = POLLIN};

	return s->target_fd >= 0 && poll(&p, 1, 0) == 1;
}

int loader_tie_broken(int in, int out)
{
	struct pollfd p[2] = {{.fd = in, .events = POLLIN}, {.fd = out, .events = 0}};
	char buf[512];
	ssize_t n;

	if (poll(p, 2, 0) <= 0)
		return 0;
	if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
		return 1;
	if (p[0].revents & POLLNVAL)
		return 1;
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = read(in, buf, sizeof buf);
	return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

/* Relay until the module finishes.  Returns the module's error count. */
static long run_relay(struct run_state *s, struct relay *r, const struct loader_run_opts *o)
{
	struct loader_err e;
	char status[512], *p;
	int rc;

	for (;;) {
		if (run_signal)
			run_request_exit(s, r);
		run_reap(s, 0);
		if (s->child_done || r->out_err || run_target_gone(s))
			run_request_exit(s, r);
		if (o->tied && !r->exit_requested && loader_tie_broken(0, 1)) {
			if (o->verbose)
				fprintf(stderr, "staprun: the controlling connection is gone\n");
			run_request_exit(s, r);
		}
		if (run_drain_expired(s, r)) {
			fprintf(stderr, "staprun: the module did not finish within %d s\n",
				RUN_DRAIN_S);
			break;
		}
		rc = relay_pump(r, RUN_PUMP_MS, &s->waitmask, &e);
		if (rc == 1)
			break;
		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "staprun: %s\n", e.msg);
			break;
		}
	}
	if (r->out_err)
		fprintf(stderr, "staprun: writing probe output: %s\n", strerror(r->out_err));
	if (relay_status(r, status, sizeof status) < 0)
		return 0;
	if (o->verbose)
		fprintf(stderr, "staprun: module status:\n%s", status);
	p = strstr(status, "dropped_bytes ");
	if (p && strtoull(p + 14, NULL, 10) > r->dropped_bytes)
		fprintf(stderr, "WARNING: %" PRIu64 " bytes of probe output dropped in all\n",
			(uint64_t)strtoull(p + 14, NULL, 10));
	p = strstr(status, "errors ");
	return p ? strtol(p + 7, NULL, 10) : 0;
}

static int run_params(struct loader_module *m, struct loader_params *p,
		      const struct loader_run_opts *o, pid_t target, struct loader_err *e)
{
	int rc = loader_params_add_internal(p, m, "_stp_uid", o->owner_uid, e);

	if (!rc)
		rc = loader_params_add_internal(p, m, "_stp_gid", o->owner_gid, e);
	if (!rc)
		rc = loader_params_add_internal(p, m, "_stp_target", target, e);
	return rc;
}

/* After a successful load: run, unload.  Returns the exit status. */
static int run_loaded(struct run_state *s, struct loader_module *m, const struct loader_run_opts *o,
		      int out_fd)
{
	struct loader_err e;
	struct relay r;
	long errors = 0;
	int rc;

	rc = relay_open(m->name, out_fd, 2, RUN_OPEN_TIMEOUT_MS, &r, &e);
	if (rc) {
		fprintf(stderr, "staprun: %s\n", e.msg);
	} else {
		if (s->child.pid)
			loader_child_release(&s->child);
		errors = run_relay(s, &r, o);
		relay_close(&r);
	}
	if (loader_unload(m->name, &e))
		fprintf(stderr, "staprun: %s\n", e.msg);
	else if (o->verbose)
		fprintf(stderr, "staprun: unloaded %s\n", m->name);
	if (s->child.pid && s->child.go_fd >= 0)
		loader_child_abort(&s->child);
	if (s->child.pid && !s->child_done) {
		kill(s->child.pid, SIGTERM);
		run_reap(s, 1);
	}
	if (rc)
		return 1;
	if (s->child.pid)
		return s->child_status;
	return errors > 0 || r.out_err ? 1 : 0;
}

int loader_run(struct loader_module *m, struct loader_params *p, const struct loader_run_opts *o,
	       struct loader_err *e)
{
	struct run_state s;
	int rc;

	/* --tied with the tie cut already (a Ctrl-C while the far side checked
	 * the upload): the run would end the moment it began, its begin probes
	 * having run for nobody.  Refuse before anything starts; a tie cut
	 * after this check ends the run as usual. */
	if (o->tied && loader_tie_broken(0, 1))
		return loader_fail(e, -ENOTCONN,
				   "%s: --tied, but the connection is gone already (stdin at "
				   "end-of-file or stdout closed); nothing loaded",
				   m->label);
	memset(&s, 0, sizeof s);
	s.child.go_fd = -1;
	s.target_fd = o->target_pid > 0 ? (int)syscall(SYS_pidfd_open, o->target_pid, 0) : -1;
	run_signals_install(&s);
	if (o->child && (rc = loader_child_start(o->child, &s.child, e)) != 0)
		goto out;
	rc = run_params(m, p, o, s.child.pid ? s.child.pid : o->target_pid, e);
	if (!rc)
		rc = loader_load(m, p, e);
	if (rc) {
		loader_child_abort(&s.child);
		goto out;
	}
	if (o->verbose)
		fprintf(stderr, "staprun: loaded %s (%zu bytes) params \"%s\"\n", m->name, m->len,
			p->str);
	if (o->loaded && o->loaded(o->loaded_arg, m) != 0) {
		loader_child_abort(&s.child);
		loader_unload(m->name, NULL);
		rc =
		    loader_fail(e, -ECANCELED, "%s: the run was cancelled after loading", m->label);
		goto out;
	}
	rc = run_loaded(&s, m, o, o->out_fd >= 0 ? o->out_fd : 1);
out:
	if (s.target_fd >= 0)
		close(s.target_fd);
	run_signals_restore(&s);
	return rc;
}
