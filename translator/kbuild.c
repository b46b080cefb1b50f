/* Pass 4: build the generated C into a module with the target kernel's own
 * kbuild (warnings are errors) and strip its debug information, in a
 * temporary folder that is removed on every exit path, including
 * SIGINT/SIGTERM/SIGHUP during the build.
 *
 * The module's bytes depend only on the cache key's inputs (DESIGN.md §2,
 * reproducible modules): the folders gcc sees are renamed in what it records
 * (-ffile-prefix-map), and make runs in a fixed environment, so neither the
 * temporary folder, the runtime's or kernel tree's location, the time, the
 * locale, the user nor the host name reaches the module. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/rmtree.h"
#include "translator/key.h"
#include "translator/passes.h"
#include "translator/session.h"

static volatile sig_atomic_t kb_signal;

/* snprintf for paths: -1 (ENAMETOOLONG) instead of a truncated path. */
__attribute__((format(printf, 3, 4))) static int kb_path(char *buf, size_t size, const char *fmt,
							 ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
static volatile pid_t kb_child;

/* Async-signal-safe: remember the signal, stop the build; the cleanup runs
 * in the normal flow, then the signal is raised again. */
static void kb_on_signal(int sig)
{
	kb_signal = sig;
	if (kb_child > 0)
		kill(-kb_child, SIGTERM);
}

static void kb_rmtree(const char *dir)
{
	int r = rmtree(dir);

	if (r < 0)
		fprintf(stderr, "stap: could not remove %s: %s\n", dir, strerror(-r));
}

static int kb_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t w = write(out, p, n);

			if (w < 0) {
				n = -1;
				break;
			}
			p += w;
			n -= w;
		}
		if (n < 0)
			break;
	}
	close(in);
	if (close(out) < 0 || n < 0)
		return -1;
	return 0;
}

/* The recorded names of the folders a build reads.  gcc tries the last map
 * first, so the module's own folder wins over a kernel tree around it. */
#define KB_MAP_KERNEL_SRC "/stapauth/kernel-src"
#define KB_MAP_KERNEL_OBJ "/stapauth/kernel-build"
#define KB_MAP_RUNTIME "/stapauth/runtime"
#define KB_MAP_BUILD "/stapauth/build"

/* KCFLAGS=...: reaches every object kbuild compiles, NAME.mod.o included
 * (ccflags-y in our Kbuild does not).  abs_srctree/abs_objtree are make
 * variables of the kernel's Makefile; older trees without them get no map. */
static int kb_kcflags(char *out, size_t size, const char *dir, const char *runtime,
		      const char *user)
{
	if (strchr(dir, '$') || strchr(runtime, '$')) {
		errno = EINVAL;
		return -1;
	}
	return kb_path(
	    out, size,
	    "KCFLAGS=$(if $(abs_srctree),-ffile-prefix-map=$(abs_srctree)=" KB_MAP_KERNEL_SRC
	    ") $(if $(abs_objtree),-ffile-prefix-map=$(abs_objtree)=" KB_MAP_KERNEL_OBJ
	    ") -ffile-prefix-map=%s=" KB_MAP_RUNTIME " -ffile-prefix-map=%s=" KB_MAP_BUILD "%s%s",
	    runtime, dir, user ? " " : "", user ? user : "");
}

/* The only environment make gets: PATH to find make and the compiler, the
 * build folder for the compiler's temporary files, and fixed values for
 * whatever a tool might record (date, user, host, locale, time zone).
 * Anything else that changes a build is an option, and so in the key; and a
 * stap run from inside make passes none of the outer make's variables (O=
 * above all) on to kbuild. */
static void kb_fixed_env(const char *dir)
{
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	clearenv();
	setenv("PATH", path ? path : "/usr/local/bin:/usr/bin:/bin", 1);
	free(path);
	setenv("TMPDIR", dir, 1);
	setenv("LC_ALL", "C", 1);
	setenv("TZ", "UTC0", 1);
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	setenv("KBUILD_BUILD_TIMESTAMP", "Thu Jan  1 00:00:00 UTC 1970", 1);
	setenv("KBUILD_BUILD_USER", "stapauth", 1);
	setenv("KBUILD_BUILD_HOST", "stapauth", 1);
}

static int kb_write_kbuild(const char *dir, const char *modname, const char *runtime)
{
	char path[4096];
	FILE *f;

	if (kb_path(path, sizeof path, "%s/Kbuild", dir) < 0)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "obj-m := %s.o\nccflags-y := -I%s -Werror\n", modname, runtime);
	return fclose(f);
}

static void kb_print_log(const char *dir)
{
	char path[4096], buf[4096];
	FILE *f;
	size_t n;

	if (kb_path(path, sizeof path, "%s/build.log", dir) < 0)
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

/* Run argv in the fixed environment, in its own process group (so that a
 * signal stops all of it), output to DIR/build.log unless verbose (append
 * unless first).  Returns the exit status, or -1. */
static int kb_run(const struct stap_session *s, const char *dir, char *const argv[], int first)
{
	char log[4200];
	int status;
	pid_t pid;

	if (kb_path(log, sizeof log, "%s/build.log", dir) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		kb_fixed_env(dir);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (s->verbose < 2) {
			int fd =
			    open(log, O_WRONLY | O_CREAT | (first ? O_TRUNC : O_APPEND) | O_CLOEXEC,
				 0644);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(127);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	kb_child = pid;
	setpgid(pid, pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	kb_child = 0;
	if (kb_signal) /* compilers make left behind must not write into the folder */
		kill(-pid, SIGKILL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* make -C KDIR M=DIR [-B options] modules.  Returns make's exit status, or
 * -1. */
static int kb_make(const struct stap_session *s, const char *dir)
{
	char m[4200], kcflags[16384];
	const char *argv[64], *user_kcflags = NULL;
	size_t n = 0, i;

	/* a -B KCFLAGS=... of the user's is added to ours, not instead */
	for (i = 0; i < s->nkbuild_opts; i++)
		if (!strncmp(s->kbuild_opts[i], "KCFLAGS=", 8))
			user_kcflags = s->kbuild_opts[i] + 8;
	if (kb_path(m, sizeof m, "M=%s", dir) < 0 ||
	    kb_kcflags(kcflags, sizeof kcflags, dir, s->runtime_dir, user_kcflags) < 0) {
		fprintf(stderr, "stap: %s or %s: a '$' or a path too long for kbuild\n", dir,
			s->runtime_dir);
		return -1;
	}
	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = s->kernel.build_dir;
	argv[n++] = m;
	if (s->verbose < 2)
		argv[n++] = "-s";
	for (i = 0; i < s->nkbuild_opts && n < 60; i++)
		if (strncmp(s->kbuild_opts[i], "KCFLAGS=", 8))
			argv[n++] = s->kbuild_opts[i];
	argv[n++] = kcflags;
	argv[n++] = "modules";
	argv[n] = NULL;
	return kb_run(s, dir, (char *const *)argv, 1);
}

/* The DWARF kbuild adds (CONFIG_DEBUG_INFO) is three quarters of a module's
 * bytes, and the kernel never loads it (not SHF_ALLOC): drop it as the
 * distribution does for its own modules (INSTALL_MOD_STRIP, --strip-debug).
 * The symbol table stays, so an oops still names our functions, and so does
 * .BTF if kbuild made one.  The result is as reproducible as the build. */
static int kb_strip(const struct stap_session *s, const char *dir, char *ko)
{
	char *const argv[] = {"strip", "--strip-debug", ko, NULL};
	int r = kb_run(s, dir, argv, 0);

	if (kb_signal)
		return -1;
	if (r != 0) {
		kb_print_log(dir);
		fprintf(stderr, "stap: strip --strip-debug %s failed (exit %d)\n",
			strrchr(ko, '/') ? strrchr(ko, '/') + 1 : ko, r);
		return -1;
	}
	return 0;
}

static int kb_build(const struct stap_session *s, const char *dir, const char *c_path,
		    const char *modname, const char *ko_out)
{
	char path[4096];
	int r;

	if (kb_write_kbuild(dir, modname, s->runtime_dir) < 0) {
		fprintf(stderr, "stap: %s/Kbuild: %s\n", dir, strerror(errno));
		return -1;
	}
	if (kb_path(path, sizeof path, "%s/%s.c", dir, modname) < 0 || kb_copy(c_path, path) < 0) {
		fprintf(stderr, "stap: copying %s to %s: %s\n", c_path, path, strerror(errno));
		return -1;
	}
	r = kb_make(s, dir);
	if (kb_signal)
		return -1;
	if (r != 0) {
		kb_print_log(dir);
		fprintf(stderr, "stap: kbuild in %s failed (make exit %d)\n", s->kernel.build_dir,
			r);
		return -1;
	}
	if (kb_path(path, sizeof path, "%s/%s.ko", dir, modname) < 0)
		return -1;
	if (kb_strip(s, dir, path) < 0)
		return -1;
	if (kb_copy(path, ko_out) < 0) {
		fprintf(stderr, "stap: copying %s to %s: %s\n", path, ko_out, strerror(errno));
		return -1;
	}
	return 0;
}

int kbuild_module(const struct stap_session *s, const char *c_path, const char *modname,
		  const char *ko_out)
{
	struct sigaction sa, old[3];
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	int i, r;

	if (!s->kernel.build_dir) {
		fprintf(stderr,
			"stap: no kernel build tree for %s (install its headers, or use -r DIR)\n",
			s->kernel.release ? s->kernel.release : "the target kernel");
		return -1;
	}
	if (kb_path(dir, sizeof dir, "%s/stapkbuildXXXXXX", tmp && *tmp == '/' ? tmp : "/tmp") <
	    0) {
		fprintf(stderr, "stap: TMPDIR is too long\n");
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = kb_on_signal;
	sigemptyset(&sa.sa_mask);
	kb_signal = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "stap: %s: %s\n", dir, strerror(errno));
		r = -1;
	} else {
		r = kb_build(s, dir, c_path, modname, ko_out);
		if (s->keep_tmp)
			fprintf(stderr, "Keeping temporary directory \"%s\"\n", dir);
		else
			kb_rmtree(dir);
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (kb_signal) {
		fprintf(stderr, "stap: pass 4 interrupted\n");
		raise(kb_signal);
		return -1;
	}
	return r;
}
