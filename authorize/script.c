/*
 * bless --script / -e and explain: build a script with stap and approve or
 * audit the module it gives.  Modules are reproducible (DESIGN.md §2), so
 * the digest built here is the digest of every user's own build of the same
 * canonical program for the same kernel tree, compiler and options.
 *
 * A script is user-chosen code: it is never compiled as root.  Run as root,
 * stap runs as --build-user, else as SUDO_USER (the administrator's own
 * account, which can read what they point at), else as nobody; run as
 * anyone else (a --policy rehearsal), as that user.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/readfile.h"
#include "lib/rmtree.h"
#include "authorize/authorize.h"

#define SCRIPT_MAX (1u << 20)
#define STAP_OUT_MAX (16u << 20)

struct build {
	const char *text; /* the script */
	char name[256];	  /* its file name in dir, or "" for -e */
	uid_t uid;
	gid_t gid;
	char user[64];
	char dir[PATH_MAX]; /* private folder: the script, cache, temporary files */
	char stap[PATH_MAX];
	char *canonical;	      /* stap -p2: the canonical program */
	char program[DIGEST_STRLEN];  /* its SHA-256: the cache key's program field */
	unsigned char md[DIGEST_LEN]; /* the module's payload digest */
	char module[DIGEST_STRLEN];
};

/* The stap beside this program (a build tree), else the installed one. */
static int find_stap(struct build *b)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) &&
		    snprintf(b->stap, sizeof b->stap, "%.*s/stap", (int)(slash - self), self) <
			(int)sizeof b->stap &&
		    access(b->stap, X_OK) == 0)
			return 0;
	}
	snprintf(b->stap, sizeof b->stap, "%s/stap", STAPAUTH_BINDIR);
	return access(b->stap, X_OK) == 0 ? 0 : -ENOENT;
}

static int build_user(const struct az *az, struct build *b)
{
	const char *sudo = getenv("SUDO_USER"), *name = az->build_user;
	struct passwd *pw;

	if (getuid() != 0 || geteuid() != 0) {
		if (name)
			return az_err(az, "--build-user needs root"), -EPERM;
		b->uid = getuid();
		b->gid = getgid();
		pw = getpwuid(b->uid);
		snprintf(b->user, sizeof b->user, "%s", pw ? pw->pw_name : "you");
		return 0;
	}
	if (!name && sudo && *sudo && (pw = getpwnam(sudo)) && pw->pw_uid != 0)
		name = sudo;
	if (!name)
		name = "nobody";
	if (!(pw = getpwnam(name)))
		return az_err(az, "build user %s: no such user", name), -ENOENT;
	if (pw->pw_uid == 0)
		return az_err(az,
			      "refusing to compile a script as root (--build-user %s): "
			      "give an unprivileged user",
			      name),
		       -EPERM;
	b->uid = pw->pw_uid;
	b->gid = pw->pw_gid;
	snprintf(b->user, sizeof b->user, "%s", name);
	return 0;
}

/* In the child: become the build user for good, or die. */
static void drop_to(const struct build *b)
{
	uid_t r, e, s;

	if (getuid() == 0 || geteuid() == 0) {
		if (setgroups(1, &b->gid) < 0 || setresgid(b->gid, b->gid, b->gid) < 0 ||
		    setresuid(b->uid, b->uid, b->uid) < 0)
			_exit(126);
	}
	if (getresuid(&r, &e, &s) < 0 || r != b->uid || e != b->uid || s != b->uid ||
	    setuid(0) == 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(126);
}

static void child_env(const struct build *b)
{
	const char *rt = getenv("SYSTEMTAP_RUNTIME");
	char cache[PATH_MAX + 8], *keep = rt ? strdup(rt) : NULL;

	snprintf(cache, sizeof cache, "%s/cache", b->dir);
	clearenv();
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	setenv("HOME", b->dir, 1);
	setenv("SYSTEMTAP_DIR", cache, 1);
	setenv("TMPDIR", b->dir, 1);
	setenv("LC_ALL", "C", 1);
	if (keep) /* the admin's choice of runtime (tests run a build tree) */
		setenv("SYSTEMTAP_RUNTIME", keep, 1);
}

static int write_script(const struct build *b)
{
	size_t len = strlen(b->text);
	int fd = open(b->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	if (write(fd, b->text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* In the child, as the build user in b->dir: exec stap with argv, or (argv
 * NULL) print the payload digest of the module ko, read as that user: a path
 * the build user printed is never opened by root. */
static void child_run(const struct az *az, const struct build *b, const char *const *argv,
		      const char *ko)
{
	unsigned char md[DIGEST_LEN];
	enum policy_kind kind;
	char hex[DIGEST_HEXLEN + 1];

	drop_to(b);
	child_env(b);
	if (chdir(b->dir) < 0)
		_exit(126);
	if (argv) {
		if (b->name[0] && write_script(b) < 0)
			_exit(126);
		execv(b->stap, (char *const *)argv);
		_exit(127);
	}
	if (az_target(az, ko, &kind, md) < 0)
		_exit(1);
	digest_hex(md, DIGEST_LEN, hex);
	printf("sha256:%s\n", hex);
	_exit(fflush(stdout) == 0 ? 0 : 1);
}

/* Run child_run; its stdout in *out, its stderr on ours.  Its exit status,
 * or -1. */
static int run_as(const struct az *az, const struct build *b, const char *const *argv,
		  const char *ko, char **out)
{
	size_t len = 0, cap = 0;
	int pfd[2], st;
	pid_t pid;

	*out = NULL;
	fflush(stdout);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return az_err(az, "pipe: %s", strerror(errno)), -1;
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return az_err(az, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		if (dup2(pfd[1], 1) < 0)
			_exit(126);
		child_run(az, b, argv, ko);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 4096 > cap) {
			char *p = cap < STAP_OUT_MAX ? realloc(*out, cap + 65536) : NULL;
			if (!p)
				break;
			*out = p;
			cap += 65536;
		}
		ssize_t r = read(pfd[0], *out + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	if (*out)
		(*out)[len] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!*out)
		return az_err(az, "out of memory"), -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* stap [-r REL] ARGS... SCRIPT as the build user. */
static int run_stap(const struct az *az, const struct build *b, const char *arg, char **out)
{
	const char *argv[8];
	size_t n = 0;

	argv[n++] = b->stap;
	if (az->release) {
		argv[n++] = "-r";
		argv[n++] = az->release;
	}
	argv[n++] = arg;
	argv[n++] = b->name[0] ? b->name : "-e";
	if (!b->name[0])
		argv[n++] = b->text;
	argv[n] = NULL;
	return run_as(az, b, argv, NULL, out);
}

/* The build user empties the folder it owned; root removes the folder. */
static void build_cleanup(struct build *b)
{
	pid_t pid;
	int st;

	free(b->canonical);
	b->canonical = NULL;
	if (!b->dir[0])
		return;
	if ((pid = fork()) == 0) {
		drop_to(b);
		_exit(rmtree(b->dir) < 0 ? 1 : 0);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (rmdir(b->dir) < 0 && errno != ENOENT)
		fprintf(stderr, "stap-authorize: could not remove %s: %s\n", b->dir,
			strerror(errno));
	b->dir[0] = '\0';
}

static int build_dir(const struct az *az, struct build *b)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(b->dir, sizeof b->dir, "%s/stap-authorize.XXXXXX",
		 tmp && *tmp == '/' && getuid() != 0 ? tmp : "/tmp");
	if (!mkdtemp(b->dir)) {
		az_err(az, "%s: %s", b->dir, strerror(errno));
		b->dir[0] = '\0';
		return -1;
	}
	if (chown(b->dir, b->uid, b->gid) < 0 || chmod(b->dir, 0700) < 0)
		return az_err(az, "%s: %s", b->dir, strerror(errno)), -1;
	return 0;
}

/* The script from --script FILE (its base name kept: error positions the
 * module embeds name it) or -e TEXT. */
static int build_source(const struct az *az, struct build *b, unsigned char **buf)
{
	const char *base;
	size_t len;
	int r;

	*buf = NULL;
	if (az->expr) {
		b->text = az->expr;
		return 0;
	}
	base = strrchr(az->script, '/') ? strrchr(az->script, '/') + 1 : az->script;
	if (!*base || *base == '-' || *base == '.' || strlen(base) >= sizeof b->name)
		return az_err(az, "--script %s: give a file name that does not start with - or .",
			      az->script),
		       -EINVAL;
	snprintf(b->name, sizeof b->name, "%s", base);
	if ((r = readfile_path(az->script, SCRIPT_MAX, buf, &len)) < 0)
		return az_err(az, "%s: %s", az->script, readfile_strerror(r)), r;
	if (strlen((char *)*buf) != len)
		return az_err(az, "%s: a NUL byte in a script", az->script), -EINVAL;
	b->text = (char *)*buf;
	return 0;
}

/* The module path stap -p4 printed (its last line), inside our folder. */
static int module_digest(const struct az *az, struct build *b, char *out)
{
	char *nl, *path = out, *digest = NULL;
	size_t dl = strlen(b->dir);
	int r;

	while ((nl = strchr(path, '\n')) && nl[1])
		path = nl + 1;
	if (nl)
		*nl = '\0';
	if (strncmp(path, b->dir, dl) || path[dl] != '/' || strstr(path, "/../"))
		return az_err(az, "stap printed no module path in %s", b->dir), -1;
	r = run_as(az, b, NULL, path, &digest);
	if (r == 0 && (strlen(digest) != DIGEST_STRLEN || digest[DIGEST_STRLEN - 1] != '\n'))
		r = -1;
	if (r == 0) {
		digest[DIGEST_STRLEN - 1] = '\0';
		r = digest_parse(digest, b->md);
		snprintf(b->module, sizeof b->module, "%s", digest);
	}
	free(digest);
	return r == 0 ? 0 : (az_err(az, "%s: cannot read the module", path), -1);
}

/* Build the script: canonical program (stap -p2), then the module (-p4). */
static int build_script(const struct az *az, struct build *b, unsigned char **src)
{
	char *out = NULL;
	int r;

	if (build_source(az, b, src) < 0 || build_user(az, b) < 0)
		return -1;
	if (find_stap(b) < 0)
		return az_err(az, "%s: stap is not installed", b->stap), -1;
	if (build_dir(az, b) < 0)
		return -1;
	printf("building %s as %s (uid %u) with %s%s%s\n", b->name[0] ? b->name : "-e SCRIPT",
	       b->user, (unsigned)b->uid, b->stap, az->release ? " -r " : "",
	       az->release ? az->release : "");
	fflush(stdout);
	if ((r = run_stap(az, b, "-p2", &b->canonical)) != 0)
		return r > 0 ? az_err(az, "stap -p2 failed (exit %d): nothing changed", r), -1 : -1;
	if (digest_sha256_str(b->canonical, strlen(b->canonical), b->program) < 0)
		return az_err(az, "cannot compute SHA-256"), -1;
	r = run_stap(az, b, "-p4", &out);
	if (r != 0) {
		free(out);
		return r > 0 ? az_err(az, "stap -p4 failed (exit %d): nothing changed", r), -1 : -1;
	}
	r = module_digest(az, b, out);
	free(out);
	return r;
}

static void show_build(const struct build *b)
{
	const char *p = b->canonical;

	printf("program %s (the canonical program, as stap -p2 prints it):\n", b->program);
	while (*p) {
		size_t n = strcspn(p, "\n");
		printf("    %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	printf("module %s\n", b->module);
}

int az_cmd_bless_script(struct az *az)
{
	struct build b = {0};
	unsigned char *src = NULL;
	char comment[512];
	int r;

	if (az->program)
		return az_err(az, "--program comes from the script; leave it out");
	r = build_script(az, &b, &src);
	if (r == 0) {
		show_build(&b);
		fflush(stdout);
		az->program = b.program;
		if (!az->comment) {
			struct utsname u;
			snprintf(comment, sizeof comment, "%s, program %.19s..., kernel %s",
				 b.name[0] ? b.name : "stap -e", b.program,
				 az->release	  ? az->release
				 : uname(&u) == 0 ? u.release
						  : "of this host");
			az->comment = comment;
		}
		r = az_bless_digest(az, b.md);
	}
	build_cleanup(&b);
	free(src);
	return r < 0 ? 1 : r;
}

/* Policy lines about a digest, with the program each names.  1 when a line
 * names it, 0 when none does, <0 when the policy cannot be read. */
static int explain_policy(const struct az *az, const unsigned char md[DIGEST_LEN],
			  const struct build *b)
{
	struct policy p;
	struct policy_errors e;
	char hex[DIGEST_HEXLEN + 1];
	int found = 0, r = policy_load(az->policy, &p, &e);

	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "%s\n", e.msg[i]);
	for (size_t i = 0; r == 0 && i < p.nrules; i++) {
		const struct policy_rule *rule = &p.rules[i];
		if (rule->kind == POLICY_SIGNER || memcmp(rule->digest, md, DIGEST_LEN))
			continue;
		found = 1;
		printf("%s:%u: %s %s\n", az->policy, rule->line,
		       rule->kind == POLICY_REVOKE ? "revoked" : "approved", rule->text);
		if (!rule->has_program)
			continue;
		digest_hex(rule->program, DIGEST_LEN, hex);
		printf("%s:%u: program sha256:%s%s\n", az->policy, rule->line, hex,
		       !b				  ? ""
		       : strcmp(b->program + 7, hex) == 0 ? " (the script's)"
							  : " (NOT the script's)");
	}
	if (r == 0 && !found)
		printf("%s: no line names this digest\n", az->policy);
	policy_free(&p);
	policy_errors_free(&e);
	return r < 0 ? r : found;
}

int az_cmd_explain(struct az *az)
{
	struct build b = {0};
	unsigned char md[DIGEST_LEN], *src = NULL;
	enum policy_kind kind;
	int r = 0;

	if (strncmp(az->pos[0], "sha256:", 7))
		return az_err(az, "%s: give a module digest sha256:HEX", az->pos[0]);
	if (az_target(az, az->pos[0], &kind, md) < 0)
		return 2;
	if (az->script || az->expr) {
		if (build_script(az, &b, &src) < 0) {
			build_cleanup(&b);
			free(src);
			return 2;
		}
		show_build(&b);
		r = memcmp(b.md, md, DIGEST_LEN) ? 1 : 0;
		printf("%s %s\n", r ? "DIFFERENT: the script builds" : "SAME: the script builds",
		       r ? b.module : az->pos[0]);
	}
	/* without a script: is it in the policy at all */
	if (explain_policy(az, md, b.dir[0] ? &b : NULL) <= 0 && !az->script && !az->expr)
		r = 1;
	build_cleanup(&b);
	free(src);
	return r;
}
