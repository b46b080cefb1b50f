/* Pass 5 over OpenSSH.  Every step shares one connection (ssh.c); what
 * crosses to the remote shell is either fixed text or a word quoted by
 * sh_quote, so no option, parameter, command or path of the user's is
 * ever parsed by that shell.
 *
 * Ending a run: the remote loader runs with --tied and its stdin is a pipe
 * stap holds.  Ctrl-C closes that pipe: the loader sees end-of-file and
 * ends as on SIGINT (end probes, output flushed, unload), then the shell
 * removes the folder and the status comes back.  A dead connection closes
 * the loader's stdin just the same. */
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

static void remote_refresh_hint(const struct stap_session *s, struct strbuf *b)
{
	static const char *modes[] = {[KH_AUTH] = "auth", [KH_SUDO] = "sudo", [KH_ROOT] = "root"};
	const struct kh_record *r = s->target;

	sb_printf(b, "stap-target add %s %s%s%s", s->target_name, r->user ? r->user : "",
		  r->user ? "@" : "", r->host);
	if (r->port)
		sb_printf(b, ":%d", r->port);
	sb_printf(b, " %s", modes[r->exec]);
}

/* The live facts against the record, before anything is uploaded. */
static int remote_check_facts(const struct stap_session *s, struct ssh_conn *c)
{
	struct strbuf text = {0}, diff = {0}, hint = {0};
	struct target_facts f;
	const char *why = NULL;
	int st = ssh_capture(c, target_facts_script(), -1, &text, REMOTE_REPLY_MAX * 4), rc = -1;

	if (st != 0)
		fprintf(stderr, "stap: target %s: reading its kernel facts failed (status %d)\n",
			s->target_name, st);
	else if (target_facts_parse(text.s ? text.s : "", text.n, &f, &why) < 0)
		fprintf(stderr, "stap: target %s: %s\n", s->target_name, why);
	else if (target_facts_compare(s->target, &f, &diff)) {
		remote_refresh_hint(s, &hint);
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

/* A fresh folder only the login user can enter, from mktemp -d there. */
static int remote_mkdir(const struct stap_session *s, struct ssh_conn *c, char *dir, size_t size)
{
	struct strbuf out = {0};
	int st = ssh_capture(c, "umask 077 && mktemp -d \"${TMPDIR:-/tmp}/stapauth.XXXXXX\"", -1,
			     &out, REMOTE_REPLY_MAX);
	size_t n = out.s ? strcspn(out.s, "\n") : 0;
	int rc = -1;

	if (st == 0 && n > 1 && n < size && out.s[0] == '/') {
		memcpy(dir, out.s, n);
		dir[n] = 0;
		rc = 0;
	} else {
		fprintf(stderr, "stap: target %s: cannot make a private folder there (status %d)\n",
			s->target_name, st);
	}
	free(out.s);
	return rc;
}

/* Remove the folder after a failure before the run (the run removes it
 * itself). */
static void remote_rmdir(struct ssh_conn *c, const char *dir)
{
	struct strbuf cmd = {0}, out = {0};

	sb_puts(&cmd, "rm -rf");
	sh_quote_arg(&cmd, dir);
	if (!cmd.oom)
		ssh_capture(c, cmd.s, -1, &out, REMOTE_REPLY_MAX);
	free(cmd.s);
	free(out.s);
}

/* Send the module and compare the digest computed there with ours. */
static int remote_upload(const struct stap_session *s, struct ssh_conn *c, const char *dir,
			 const char *file, const char *ko_path)
{
	struct strbuf cmd = {0}, out = {0}, path = {0};
	unsigned char *buf = NULL, md[DIGEST_LEN];
	char hex[DIGEST_HEXLEN + 1];
	size_t len = 0;
	int fd, st, rc = -1, r = readfile_path(ko_path, REMOTE_MODULE_MAX, &buf, &len);

	if (r < 0 || digest_sha256(buf, len, md) < 0) {
		fprintf(stderr, "stap: %s: %s\n", ko_path, r < 0 ? readfile_strerror(r) : "digest");
		free(buf);
		return -1;
	}
	free(buf);
	digest_hex(md, DIGEST_LEN, hex);
	sb_printf(&path, "%s/%s", dir, file);
	sb_puts(&cmd, "cat >");
	sh_quote_arg(&cmd, path.s);
	sb_puts(&cmd, " && sha256sum");
	sh_quote_arg(&cmd, path.s);
	fd = open(ko_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	st = fd < 0 || cmd.oom ? -1 : ssh_capture(c, cmd.s, fd, &out, REMOTE_REPLY_MAX);
	if (fd >= 0)
		close(fd);
	if (st != 0)
		fprintf(stderr, "stap: target %s: upload to %s failed (status %d)\n",
			s->target_name, dir, st);
	else if (!out.s || strncmp(out.s, hex, DIGEST_HEXLEN) != 0 || out.s[DIGEST_HEXLEN] != ' ')
		fprintf(stderr,
			"stap: target %s: the uploaded module's digest differs from sha256:%s; "
			"not run\n",
			s->target_name, hex);
	else
		rc = 0;
	free(cmd.s);
	free(out.s);
	free(path.s);
	return rc;
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

void remote_command(const struct stap_session *s, const struct kh_record *r, const char *dir,
		    const char *file, struct strbuf *out)
{
	struct strbuf path = {0};
	char pid[32];

	sb_printf(out, "%s %s --tied", remote_path, remote_loader(r));
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
	sb_printf(&path, "%s/%s", dir, file);
	sb_puts(out, " --");
	sh_quote_arg(out, path.s ? path.s : "");
	for (size_t i = 0; i < s->nglobal_sets; i++)
		sh_quote_arg(out, s->global_sets[i]);
	sb_puts(out, "; rc=$?; rm -rf");
	sh_quote_arg(out, dir);
	sb_puts(out, "; exit $rc");
	free(path.s);
}

static volatile sig_atomic_t remote_signals;

static void remote_on_signal(int sig)
{
	(void)sig;
	remote_signals++;
}

/* Run, relaying nothing ourselves: ssh writes the remote stdout and stderr
 * to ours as they arrive.  The first Ctrl-C ends the run cleanly (closes
 * its stdin); a second one ends ssh.  The handlers are remote_run's. */
static int remote_exec(struct ssh_conn *c, const char *cmd)
{
	int tie[2], st = 0, closed = 0, killed = 0;
	pid_t pid;

	if (pipe2(tie, O_CLOEXEC) < 0)
		return 1;
	pid = ssh_spawn(c, cmd, tie[0]);
	close(tie[0]);
	if (pid < 0)
		st = 1 << 8;
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

static void remote_signals_set(struct sigaction old[REMOTE_NSIGS])
{
	struct sigaction sa = {.sa_handler = remote_on_signal};

	remote_signals = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < REMOTE_NSIGS; i++)
		sigaction(remote_sigs[i], &sa, &old[i]);
}

static void remote_signals_restore(const struct sigaction old[REMOTE_NSIGS])
{
	for (size_t i = 0; i < REMOTE_NSIGS; i++)
		sigaction(remote_sigs[i], &old[i], NULL);
}

/* The module's file name there: the cache's stap_HEX.ko, or the -m name. */
static const char *remote_file_name(const char *ko_path)
{
	const char *slash = strrchr(ko_path, '/');
	return slash ? slash + 1 : ko_path;
}

/* Steps 1-3: facts, folder, upload.  0, or -1 (folder removed). */
static int remote_prepare(const struct stap_session *s, struct ssh_conn *c, char *dir, size_t size,
			  const char *file, const char *ko_path)
{
	dir[0] = 0;
	if (remote_check_facts(s, c) < 0 || remote_interrupted(s) ||
	    remote_mkdir(s, c, dir, size) < 0)
		return -1;
	if (remote_interrupted(s) || remote_upload(s, c, dir, file, ko_path) < 0 ||
	    remote_interrupted(s)) {
		remote_rmdir(c, dir);
		return -1;
	}
	return 0;
}

int remote_run(const struct stap_session *s, const char *ko_path)
{
	struct sigaction old[REMOTE_NSIGS];
	struct ssh_conn c;
	struct strbuf cmd = {0};
	char dir[512];
	const char *file = remote_file_name(ko_path);
	int rc = 1;

	remote_signals_set(old);
	if (ssh_open(&c, s->target, s->target_name) < 0) {
		remote_signals_restore(old);
		return remote_signals ? 130 : 1;
	}
	if (remote_prepare(s, &c, dir, sizeof dir, file, ko_path) < 0) {
		rc = remote_signals ? 130 : 1;
		goto out;
	}
	remote_command(s, s->target, dir, file, &cmd);
	if (cmd.oom) {
		remote_rmdir(&c, dir);
		goto out;
	}
	if (s->verbose)
		fprintf(stderr, "Pass 5: starting run on target %s: %s\n", s->target_name, cmd.s);
	rc = remote_exec(&c, cmd.s);
	if (rc == 255)
		fprintf(stderr, "stap: target %s: the connection failed (ssh status 255)\n",
			s->target_name);
out:
	ssh_close(&c);
	remote_signals_restore(old);
	free(cmd.s);
	return rc;
}
