/* The target kernel: the release and build tree stap compiles for (-r, the
 * running kernel, or the newest installed one with a build tree), and the
 * files the front end reads about it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "translator/session.h"

static int path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static char *path_fmt(const char *fmt, const char *a, const char *b)
{
	char *r;
	if (asprintf(&r, fmt, a, b) < 0)
		return NULL;
	return r;
}

/* The first line of a file (release string in include/config/kernel.release). */
static char *read_first_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	if (!f)
		return NULL;
	char *r = fgets(line, sizeof(line), f) ? strdup(line) : NULL;
	fclose(f);
	if (r)
		r[strcspn(r, "\n")] = 0;
	return r;
}

/* The release a build tree is for: UTS_RELEASE in utsrelease.h (Debian's
 * include/config/kernel.release holds the upstream version instead). */
static char *uts_release(const char *build)
{
	char *f = path_fmt("%s/include/generated/utsrelease.h%s", build, "");
	char *line = f ? read_first_line(f) : NULL, *r = NULL;
	free(f);
	const char *q = line ? strchr(line, '"') : NULL;
	if (q && strchr(q + 1, '"'))
		r = strndup(q + 1, (size_t)(strchr(q + 1, '"') - q - 1));
	free(line);
	if (r)
		return r;
	f = path_fmt("%s/include/config/kernel.release%s", build, "");
	r = f ? read_first_line(f) : NULL;
	free(f);
	return r;
}

/* Order two releases: the newer version first ("6.1.0-57" of
 * "6.1.0-57-amd64", up to the first token that starts with a letter); of one
 * version, the plain flavour before -cloud or -rt (the shorter name), then by
 * name, so the choice never depends on readdir order. */
static int release_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), va = la, vb = lb;
	for (size_t i = 0; i + 1 < la; i++)
		if (a[i] == '-' && a[i + 1] >= 'a' && a[i + 1] <= 'z') {
			va = i;
			break;
		}
	for (size_t i = 0; i + 1 < lb; i++)
		if (b[i] == '-' && b[i + 1] >= 'a' && b[i + 1] <= 'z') {
			vb = i;
			break;
		}
	char *x = strndup(a, va), *y = strndup(b, vb);
	int c = x && y ? strverscmp(x, y) : 0;
	free(x);
	free(y);
	if (c != 0)
		return c;
	if (la != lb)
		return la < lb ? 1 : -1;
	return strcmp(b, a);
}

/* The newest installed kernel (/boot/vmlinuz-REL) with a kbuild tree;
 * of one version, the plain flavour (release_cmp). */
static char *kernel_newest_installed(void)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	char *best = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vmlinuz-", 8) != 0)
			continue;
		const char *rel = e->d_name + 8;
		char *b1 = path_fmt("/lib/modules/%s/build%s", rel, "");
		char *b2 = path_fmt("/usr/src/linux-headers-%s%s", rel, "");
		int ok = (b1 && path_exists(b1)) || (b2 && path_exists(b2));
		free(b1);
		free(b2);
		if (ok && (!best || release_cmp(rel, best) > 0)) {
			free(best);
			best = strdup(rel);
		}
	}
	closedir(d);
	return best;
}

static char *kernel_build_dir(const char *rel)
{
	char *p = path_fmt("/lib/modules/%s/build%s", rel, "");
	if (p && path_exists(p))
		return p;
	free(p);
	p = path_fmt("/usr/src/linux-headers-%s%s", rel, "");
	if (p && path_exists(p))
		return p;
	free(p);
	return NULL;
}

static int config_has(const char *config, const char *line)
{
	FILE *f = config ? fopen(config, "r") : NULL;
	char buf[512];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof(buf), f))
		found = strcmp(buf, line) == 0;
	fclose(f);
	return found;
}

static void kernel_arch(struct stap_kernel *k, int running)
{
	struct utsname u;
	const char *arch = NULL, *src = NULL;

	if (config_has(k->config, "CONFIG_X86_64=y\n"))
		arch = "x86_64", src = "x86";
	else if (config_has(k->config, "CONFIG_X86_32=y\n"))
		arch = "i386", src = "x86";
	else if (config_has(k->config, "CONFIG_ARM64=y\n"))
		arch = "arm64", src = "arm64";
	else if (running && uname(&u) == 0)
		arch = u.machine, src = u.machine;
	else
		arch = "x86_64", src = "x86";
	k->arch = strdup(arch);
	k->srcarch = strdup(src);
}

static int kernel_fill_paths(struct stap_kernel *k)
{
	char *p;

	k->modules_dir = path_fmt("/lib/modules/%s%s", k->release, "");
	p = path_fmt("/boot/System.map-%s%s", k->release, "");
	if (!(p && path_exists(p))) {
		free(p);
		p = k->build_dir ? path_fmt("%s/System.map%s", k->build_dir, "") : NULL;
		if (p && !path_exists(p)) {
			free(p);
			p = NULL;
		}
	}
	k->system_map = p;
	/* Debian ships a one-line placeholder System.map; only a real one counts. */
	struct stat st;
	if (p && (stat(p, &st) < 0 || st.st_size < 4096)) {
		free(p);
		k->system_map = NULL;
	}
	p = path_fmt("/boot/vmlinuz-%s%s", k->release, "");
	if (!(p && path_exists(p))) {
		free(p);
		p = k->build_dir ? path_fmt("%s/vmlinux%s", k->build_dir, "") : NULL;
		if (p && !path_exists(p)) {
			free(p);
			p = NULL;
		}
	}
	k->vmlinuz = p;
	p = k->build_dir ? path_fmt("%s/.config%s", k->build_dir, "") : NULL;
	if (!(p && path_exists(p))) {
		free(p);
		p = path_fmt("/boot/config-%s%s", k->release, "");
		if (p && !path_exists(p)) {
			free(p);
			p = NULL;
		}
	}
	k->config = p;
	return k->modules_dir ? 0 : -1;
}

int session_find_kernel(struct stap_session *s)
{
	struct stap_kernel *k = &s->kernel;
	struct utsname u;
	int running = 0;

	if (s->target_name && !s->target && target_select(s) < 0)
		return -1;
	if (s->release_opt && strchr(s->release_opt, '/')) {
		k->build_dir = realpath(s->release_opt, NULL);
		if (!k->build_dir) {
			fprintf(stderr, "stap: -r %s: %s\n", s->release_opt, strerror(errno));
			return -1;
		}
		k->release = uts_release(k->build_dir);
		if (!k->release) {
			fprintf(
			    stderr,
			    "stap: -r %s: no include/config/kernel.release in this build tree\n",
			    s->release_opt);
			return -1;
		}
	} else if (s->release_opt) {
		k->release = strdup(s->release_opt);
		k->build_dir = kernel_build_dir(k->release);
	} else if (uname(&u) == 0 && (k->build_dir = kernel_build_dir(u.release))) {
		k->release = strdup(u.release);
		running = 1;
	} else {
		const char *running_rel = uname(&u) == 0 ? u.release : "?";
		k->release = kernel_newest_installed();
		k->build_dir = k->release ? kernel_build_dir(k->release) : NULL;
		if (!k->release) {
			fprintf(stderr,
				"stap: no kernel build tree found for the running kernel "
				"(%s) nor any kernel in /boot; use -r RELEASE\n",
				running_rel);
			return -1;
		}
		/* Never silent: a module for another kernel cannot load here.
		 * (-p1 only parses; its output is the script, not a module.) */
		if (s->last_pass > 1 || s->list_mode)
			fprintf(
			    stderr,
			    "stap: warning: the running kernel %s has no build tree; building for "
			    "%s instead (choose with -r RELEASE, or install linux-headers-%s)\n",
			    running_rel, k->release, running_rel);
	}
	if (kernel_fill_paths(k) < 0)
		return -1;
	kernel_arch(k, running);
	return s->target ? target_check_kernel(s) : 0;
}
