/* Pass 5 over OpenSSH.  Every step shares one connection (ssh.c); what
 * crosses to the remote shell is either fixed text or a word quoted by
 * sb_shquote, so no option, parameter, command or path of the user's is
 * ever parsed by that shell.
 *
 * Two round trips: one command reads the facts (and changes nothing
 * there); a second makes the private folder, receives the module on its
 * stdin (exactly its size), checks its SHA-256 there and only then starts
 * the loader.  The folder lives and dies inside that one remote shell,
 * whose EXIT trap removes it on every way out (a refusal, the loader's end,
 * a hang-up, a dead connection: SIGPIPE is trapped too).  So no state
 * crosses from one trip to the next, and a connection lost between them
 * leaves nothing behind: there is nothing a later run would have to sweep.
 * (A folder made by the facts trip would stay there whenever the second
 * trip never starts.)
 *
 * Ending a run: the remote loader runs with --tied and its stdin is a pipe
 * stap holds (the module's bytes first, consumed before the loader starts).  Ctrl-C closes that
 * pipe: the loader sees end-of-file and ends as on SIGINT (end probes, output flushed, unload),
 * then the shell removes the folder and the status comes back.  A dead connection closes the
 * loader's stdin just the same.  A loader that would start with its stdin at end-of-file already
 * (Ctrl-C during the digest check) refuses to load (loader_run). */
#include "translator/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/readfile.h"
#include "translator/knownhosts.h"
#include "translator/session.h"
#include "translator/ssh.h"
#include "translator/target.h"

#define REMOTE_MODULE_MAX (64u << 20)
#define REMOTE_REPLY_MAX 4096

static const char remote_path[] =
    "PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/usr/bin:/bin; export PATH;";

void remote_refresh_hint(const char *name, const struct kh_record *r, struct strbuf *b)
{
	static const char *modes[] = {[KH_AUTH] = "auth", [KH_SUDO] = "sudo", [KH_ROOT] = "root"};

	sb_printf(b, "stap-target add %s %s%s%s", name, r->user ? r->user : "", r->user ? "@" : "",
		  r->host);
	if (r->port)
		sb_printf(b, ":%d", r->port);
	sb_printf(b, " %s", modes[r->exec]);
}

/* Round trip 1: the live facts against the record.  0, or -1 after one
 * line. */
static int remote_begin(const struct stap_session *s, struct ssh_conn *c)
{
	struct strbuf text = {0}, diff = {0}, hint = {0};
	struct target_facts f;
	const char *why = NULL;
	int st, rc = -1;

	st = ssh_capture(c, target_facts_script(), -1, &text, REMOTE_REPLY_MAX * 4);
	if (st != 0)
		fprintf(stderr, "stap: target %s: reading its kernel facts failed (status %d)\n",
			s->target_name, st);
	else if (target_facts_parse(text.s ? text.s : "", text.n, &f, &why) < 0)
		fprintf(stderr, "stap: target %s: %s\n", s->target_name, why);
	else if (target_facts_compare(s->target, &f, &diff)) {
		remote_refresh_hint(s->target_name, s->target, &hint);
		fprintf(
		    stderr,
		    "stap: target %s no longer matches its record (%s:%u): %s; nothing uploaded "
		    "(refresh the record with: %s)\n",
		    s->target_name, s->target->file, s->target->line, diff.s, hint.s);
	} else
		rc = 0;
	free(text.s);
	free(diff.s);
	free(hint.s);
	return rc;
}

int remote_module_read(const char *ko_path, struct remote_module *m)
{
	unsigned char md[DIGEST_LEN];
	int r = readfile_path(ko_path, REMOTE_MODULE_MAX, &m->buf, &m->len);

	if (r < 0 || digest_sha256(m->buf, m->len, md) < 0) {
		fprintf(stderr, "stap: %s: %s\n", ko_path, r < 0 ? readfile_strerror(r) : "digest");
		return -1;
	}
	digest_hex(md, DIGEST_LEN, m->hex);
	return 0;
}

static const char *remote_loader(const struct kh_record *r)
{
	switch (r->exec) {
	case KH_AUTH:
		return "staprun.auth";
	case KH_SUDO:
		return "sudo -n staprun"; /* -n: fail, never prompt */
	default:
		return "staprun";
	}
}

/* printf 'stap: target NAME: WHAT' >&2; exit 1 -- a refusal made there
 * (a fleet's lines carry no NAME: each has its host's prefix). */
static void remote_fail(const char *label, struct strbuf *out, const char *what)
{
	struct strbuf line = {0};

	if (label)
		sb_printf(&line, "stap: target %s: %s", label, what);
	else
		sb_printf(&line, "stap: %s", what);
	sb_puts(out, " || { printf '%s\\n'");
	sh_quote_arg(out, line.s ? line.s : "");
	sb_puts(out, " >&2; exit 1; };");
	free(line.s);
}

/* Round trip 2, before the loader: the traps first, then a fresh folder
 * only the login user can enter; take exactly size bytes from stdin
 * (head -c reads no further, so the rest of stdin stays the loader's tie),
 * check the count and the SHA-256 there.  The EXIT trap removes the folder
 * on every way out and keeps the loader's status; HUP, INT, TERM and PIPE
 * (a dead connection: the next write to it) exit through it. */
static void remote_receive(const char *label, const char *file, size_t size, const char *hex,
			   struct strbuf *out)
{
	struct strbuf why = {0};
	char n[32];

	snprintf(n, sizeof n, "%zu", size);
	sb_printf(out, "%s ", remote_path);
	sb_puts(out, "d=; trap '[ -z \"$d\" ] || rm -rf \"$d\"' EXIT; trap 'exit 129' HUP; "
		     "trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 141' PIPE; "
		     "d=$(umask 077 && mktemp -d \"${TMPDIR:-/tmp}/stapauth.XXXXXX\")");
	remote_fail(label, out, "cannot make a private folder there; not run");
	sb_puts(out, " f=\"$d\"/");
	sb_shquote(out, file);
	sb_printf(out, "; head -c %s >\"$f\" && [ \"$(wc -c <\"$f\")\" -eq %s ]", n, n);
	remote_fail(label, out, "the upload ended early; not run");
	sb_printf(out, " h=$(sha256sum \"$f\") && [ \"${h%%%% *}\" = %s ]", hex);
	sb_printf(&why, "the uploaded module's digest differs from sha256:%s; not run", hex);
	remote_fail(label, out, why.s ? why.s : "");
	sb_puts(out, " ");
	free(why.s);
}

void remote_command(const struct stap_session *s, const struct kh_record *r, const char *label,
		    const char *file, size_t size, const char *hex, struct strbuf *out)
{
	char pid[32];

	remote_receive(label, file, size, hex, out);
	sb_printf(out, "%s --tied", remote_loader(r));
	for (int i = 0; i < s->verbose && i < 3; i++)
		sb_puts(out, " -v");
	if (s->output_file) {
		sb_puts(out, " -o");
		sh_quote_arg(out, s->output_file);
	}
	if (s->cmd) {
		sb_puts(out, " -c");
		sh_quote_arg(out, s->cmd);
	} else if (s->target_pid > 0) {
		snprintf(pid, sizeof pid, "%ld", (long)s->target_pid);
		sb_printf(out, " -x %s", pid);
	}
	sb_puts(out, " -- \"$f\"");
	for (size_t i = 0; i < s->nglobal_sets; i++)
		sh_quote_arg(out, s->global_sets[i]);
}

static volatile sig_atomic_t remote_signals;

static void remote_on_signal(int sig)
{
	(void)sig;
	remote_signals++;
}

/* The module's bytes into the tie, which stays open afterwards.  0, or -1
 * when Ctrl-C or a dead ssh cut the upload short. */
static int remote_send(int fd, const struct remote_module *m)
{
	size_t off = 0;

	while (off < m->len && !remote_signals) {
		ssize_t w = write(fd, m->buf + off, m->len - off);
		if (w < 0 && errno != EINTR)
			return -1;
		if (w > 0)
			off += (size_t)w;
	}
	return off == m->len ? 0 : -1;
}

/* Run, relaying nothing ourselves: ssh writes the remote stdout and stderr
 * to ours as they arrive.  The first Ctrl-C ends the run cleanly (closes
 * its stdin); a second one ends ssh.  The handlers are remote_run's.
 * *short_upload: the module did not all go out. */
static int remote_exec(struct ssh_conn *c, const char *cmd, const struct remote_module *m,
		       int *short_upload)
{
	int tie[2], st = 0, closed = 0, killed = 0;
	pid_t pid;

	if (pipe2(tie, O_CLOEXEC) < 0)
		return 1;
	pid = ssh_spawn(c, cmd, tie[0]);
	close(tie[0]);
	if (pid < 0)
		st = 1 << 8;
	*short_upload = pid > 0 && remote_send(tie[1], m) < 0;
	if (*short_upload) {
		close(tie[1]); /* the far side sees the short count: no run */
		closed = 1;
	}
	while (pid > 0) {
		pid_t w = waitpid(pid, &st, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (remote_signals >= 1 && !closed) {
			close(tie[1]);
			closed = 1;
		}
		if (remote_signals >= 2 && !killed) {
			kill(pid, SIGTERM);
			killed = 1;
		}
	}
	if (!closed)
		close(tie[1]);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Ctrl-C before the run (the ssh steps run in their own process group, so
 * they finish): stop there, leaving nothing on the target. */
static int remote_interrupted(const struct stap_session *s)
{
	if (!remote_signals)
		return 0;
	fprintf(stderr, "stap: target %s: interrupted before the run; nothing left there\n",
		s->target_name);
	return 1;
}

static const int remote_sigs[] = {SIGINT, SIGTERM, SIGHUP};
#define REMOTE_NSIGS (sizeof remote_sigs / sizeof remote_sigs[0])

static void remote_signals_set(struct sigaction old[REMOTE_NSIGS + 1])
{
	struct sigaction sa = {.sa_handler = remote_on_signal};

	remote_signals = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < REMOTE_NSIGS; i++)
		sigaction(remote_sigs[i], &sa, &old[i]);
	sa.sa_handler = SIG_IGN; /* a dead ssh: write fails with EPIPE */
	sigaction(SIGPIPE, &sa, &old[REMOTE_NSIGS]);
}

static void remote_signals_restore(const struct sigaction old[REMOTE_NSIGS + 1])
{
	for (size_t i = 0; i < REMOTE_NSIGS; i++)
		sigaction(remote_sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &old[REMOTE_NSIGS], NULL);
}

/* The module's file name there: the cache's stap_HEX.ko, or the -m name. */
const char *remote_file_name(const char *ko_path)
{
	const char *slash = strrchr(ko_path, '/');
	return slash ? slash + 1 : ko_path;
}

int remote_run(const struct stap_session *s, const char *ko_path)
{
	struct sigaction old[REMOTE_NSIGS + 1];
	struct ssh_conn c;
	struct strbuf cmd = {0};
	struct remote_module m = {0};
	const char *file = remote_file_name(ko_path);
	int rc = 1, short_upload = 0;

	if (remote_module_read(ko_path, &m) < 0) {
		free(m.buf);
		return 1;
	}
	remote_signals_set(old);
	if (ssh_open(&c, s->target, s->target_name) < 0) {
		rc = remote_signals ? 130 : 1;
		goto closed;
	}
	if (remote_begin(s, &c) < 0) {
		rc = remote_signals ? 130 : 1;
		goto out;
	}
	remote_command(s, s->target, s->target_name, file, m.len, m.hex, &cmd);
	if (cmd.oom || remote_interrupted(s)) {
		rc = remote_signals ? 130 : 1;
		goto out;
	}
	if (s->verbose)
		fprintf(stderr, "Pass 5: starting run on target %s: %s\n", s->target_name, cmd.s);
	rc = remote_exec(&c, cmd.s, &m, &short_upload);
	if (short_upload && remote_interrupted(s))
		rc = 130;
	else if (rc == 255)
		fprintf(stderr, "stap: target %s: the connection failed (ssh status 255)\n",
			s->target_name);
out:
	ssh_close(&c);
closed:
	remote_signals_restore(old);
	free(cmd.s);
	free(m.buf);
	return rc;
}
