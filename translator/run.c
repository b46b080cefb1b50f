/* Pass 5: run the module with staprun (as root) or with staprun.auth (as an
 * ordinary user, when it is installed), passing -c/-x/-o and every -G
 * name=value as a module parameter.  stap exits with the loader's status. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/modinfo.h"
#include "lib/readfile.h"
#include "translator/knownhosts.h"
#include "translator/passes.h"
#include "translator/remote.h"
#include "translator/session.h"

/* DIR/MID PROG into buf; 0 when it does not fit. */
static int run_path(char *buf, size_t size, const char *dir, const char *mid, const char *prog)
{
	size_t a = strlen(dir), b = strlen(mid), c = strlen(prog);

	if (a + b + c + 2 > size)
		return 0;
	memcpy(buf, dir, a);
	buf[a] = '/';
	memcpy(buf + a + 1, mid, b);
	memcpy(buf + a + 1 + b, prog, c + 1);
	return 1;
}

/* PROG beside the stap binary, in ../sbin, or on PATH; NULL if none. */
static const char *run_find(const char *prog, char *buf, size_t size)
{
	char exe[PATH_MAX], *slash, *path, *dirs, *d, *save = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (run_path(buf, size, exe, "", prog) && access(buf, X_OK) == 0)
				return buf;
			if (run_path(buf, size, exe, "../sbin/", prog) && access(buf, X_OK) == 0)
				return buf;
		}
	}
	path = getenv("PATH");
	dirs = strdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!dirs)
		return NULL;
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (run_path(buf, size, d, "", prog) && access(buf, X_OK) == 0) {
			free(dirs);
			return buf;
		}
	}
	free(dirs);
	return NULL;
}

static int run_exec(const char *loader, const char *const *argv, const struct stap_session *s)
{
	int status;
	pid_t pid;

	if (s->verbose) {
		size_t i;

		fprintf(stderr, "Pass 5: starting run:");
		for (i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "stap: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execv(loader, (char *const *)argv);
		fprintf(stderr, "stap: %s: %s\n", loader, strerror(errno));
		_exit(127);
	}
	/* Ctrl-C reaches the loader too (same process group); it ends the run
	 * with the end probes' output, so stap just waits for it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The running release; STAPAUTH_RUNNING_RELEASE stands in for it in tests
 * that hand a module built for an installed kernel to a stand-in loader (the
 * real loader checks vermagic against uname itself). */
static const char *run_running_release(struct utsname *u)
{
	const char *r = getenv("STAPAUTH_RUNNING_RELEASE");

	if (r && *r)
		return r;
	return uname(u) == 0 ? u->release : NULL;
}

/* Refuse before anything is loaded when the module was built for another
 * kernel (the fallback when the running kernel has no build tree), where
 * the cause is still in view.  0, or 1 after printing one line. */
static int run_check_release(const char *ko_path)
{
	unsigned char *buf = NULL;
	size_t len = 0, n = 0;
	struct modinfo mi = {0};
	struct utsname u;
	const char *why = NULL, *running = run_running_release(&u);
	int r = readfile_path(ko_path, (size_t)1 << 30, &buf, &len), rc = 1;

	if (r < 0) {
		fprintf(stderr, "stap: %s: %s\n", ko_path, readfile_strerror(r));
		return 1;
	}
	if (modinfo_read(buf, len, &mi, &why) < 0)
		fprintf(stderr, "stap: %s: %s\n", ko_path, why);
	else if (!mi.vermagic)
		fprintf(stderr, "stap: %s: the module has no vermagic; nothing loaded\n", ko_path);
	else if (running && ((n = strcspn(mi.vermagic, " ")) != strlen(running) ||
			     memcmp(mi.vermagic, running, n) != 0))
		fprintf(stderr,
			"stap: %s was built for kernel %.*s, not the running %s; nothing loaded "
			"(build for it with -r, or install linux-headers-%s)\n",
			ko_path, (int)n, mi.vermagic, running, running);
	else
		rc = 0;
	modinfo_free(&mi);
	free(buf);
	return rc;
}

int run_module(const struct stap_session *s, const char *ko_path)
{
	char buf[PATH_MAX], xpid[32];
	const char *loader, **argv;
	size_t n = 0, i;
	int root = geteuid() == 0, r;

	if (s->target && s->target->exec != KH_LOCAL)
		return remote_run(s, ko_path); /* -T NAME over ssh */
	if (run_check_release(ko_path) != 0)
		return 1;
	/* STAPAUTH_STAPRUN: another loader program (tests; stap is unprivileged,
	 * the loader does every check). */
	loader = getenv("STAPAUTH_STAPRUN");
	if (!loader || !*loader)
		loader = run_find(root ? "staprun" : "staprun.auth", buf, sizeof buf);
	if (!loader) {
		fprintf(stderr, root ? "stap: staprun not found (beside stap or on PATH)\n"
				     : "stap: pass 5 needs root, or staprun.auth installed "
				       "(an administrator must approve the module)\n");
		return 1;
	}
	argv = calloc(16 + s->nglobal_sets, sizeof(*argv));
	if (!argv)
		return 1;
	argv[n++] = root ? "staprun" : "staprun.auth";
	for (i = 0; i < (size_t)s->verbose && i < 3; i++)
		argv[n++] = "-v";
	if (s->output_file) {
		argv[n++] = "-o";
		argv[n++] = s->output_file;
	}
	if (s->cmd) {
		argv[n++] = "-c";
		argv[n++] = s->cmd;
	} else if (s->target_pid > 0) {
		snprintf(xpid, sizeof xpid, "%ld", (long)s->target_pid);
		argv[n++] = "-x";
		argv[n++] = xpid;
	}
	argv[n++] = ko_path;
	for (i = 0; i < s->nglobal_sets; i++)
		argv[n++] = s->global_sets[i];
	argv[n] = NULL;
	r = run_exec(loader, argv, s);
	free(argv);
	return r;
}
