/* stap -T NAME, passes 1-4: the target's record from known_hosts(5), its
 * kernel's build tree on this machine, and its identity for the cache key.
 * The kernel discovery itself (kernel.c) then runs as for -r DIR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strbuf.h"
#include "translator/knownhosts.h"
#include "translator/session.h"
#include "translator/target.h"

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *target_tree(const struct kh_record *r)
{
	char *p = NULL;

	if (r->build)
		return strdup(r->build);
	if (asprintf(&p, "/lib/modules/%s/build", r->kernel) >= 0 && is_dir(p))
		return p;
	free(p);
	if (asprintf(&p, "/usr/src/linux-headers-%s", r->kernel) >= 0 && is_dir(p))
		return p;
	free(p);
	return NULL;
}

char *target_identity(const struct kh_record *r)
{
	struct strbuf b = {0};

	sb_printf(&b, "kernel=%s arch=%s", r->kernel, r->arch);
	if (r->uname_v)
		sb_printf(&b, " uname-v=%s", r->uname_v);
	if (r->build_id)
		sb_printf(&b, " build-id=%s", r->build_id);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int target_load(struct stap_session *s)
{
	struct strbuf err = {0};
	int r;

	s->targets = calloc(1, sizeof *s->targets);
	if (!s->targets)
		return -1;
	r = kh_load_default(s->targets, &err);
	if (r != 0) {
		fputs(err.s ? err.s : "stap: out of memory\n", stderr);
		fprintf(stderr, "stap: -T %s: known_hosts has errors; nothing built\n",
			s->target_name);
	}
	free(err.s);
	return r == 0 ? 0 : -1;
}

int target_select(struct stap_session *s)
{
	const struct kh_record *r;

	if (target_load(s) < 0)
		return -1;
	r = kh_find(s->targets, s->target_name);
	if (!r) {
		fprintf(stderr,
			"stap: -T %s: no such target in ~/.systemtap/known_hosts or %s "
			"(stap-target add %s HOST records one)\n",
			s->target_name, KH_SYSTEM_PATH, s->target_name);
		return -1;
	}
	s->target = r;
	s->target_build = target_tree(r);
	if (!s->target_build || !is_dir(s->target_build)) {
		if (r->build)
			fprintf(stderr, "stap: target %s: build=%s (%s:%u): %s\n", s->target_name,
				r->build, r->file, r->line, strerror(ENOENT));
		else
			fprintf(stderr,
				"stap: target %s: no build tree for its kernel %s here; install "
				"the Debian package linux-headers-%s\n",
				s->target_name, r->kernel, r->kernel);
		return -1;
	}
	s->target_identity = target_identity(r);
	s->release_opt = s->target_build;
	return s->target_identity ? 0 : -1;
}

int target_check_kernel(struct stap_session *s)
{
	const struct kh_record *r = s->target;

	if (strcmp(s->kernel.release, r->kernel) != 0) {
		fprintf(stderr,
			"stap: target %s: the build tree %s is for kernel %s, not %s (%s:%u)\n",
			s->target_name, s->kernel.build_dir, s->kernel.release, r->kernel, r->file,
			r->line);
		return -1;
	}
	if (strcmp(s->kernel.arch, r->arch) != 0) {
		fprintf(
		    stderr, "stap: target %s: the build tree %s is for arch %s, not %s (%s:%u)\n",
		    s->target_name, s->kernel.build_dir, s->kernel.arch, r->arch, r->file, r->line);
		return -1;
	}
	return target_btf_select(s);
}

void target_free(struct stap_session *s)
{
	if (s->targets)
		kh_free(s->targets);
	free(s->targets);
	free(s->target_build);
	free(s->target_identity);
	s->targets = NULL;
	s->target = NULL;
}
