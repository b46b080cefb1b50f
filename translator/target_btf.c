/* The target kernel's BTF, copied by stap-target add from the target's
 * /sys/kernel/btf/vmlinux into $SYSTEMTAP_DIR/targets/NAME.btf (0600,
 * written atomically), with NAME.btf.sha256 beside it: "sha256:HEX
 * build-id=ID".  stap -T NAME resolves probes and types with it when the
 * copy's digest and build-id still match; a stale copy is an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"
#include "lib/digest.h"
#include "lib/readfile.h"
#include "lib/strbuf.h"
#include "translator/knownhosts.h"
#include "translator/session.h"
#include "translator/target.h"

#define TARGET_BTF_MAX (256u << 20)

char *target_btf_path(const char *name, const char *suffix)
{
	char *kh = kh_user_path(), *slash, *p = NULL;

	if (!kh || !kh_valid_name(name) || !(slash = strrchr(kh, '/'))) {
		free(kh);
		return NULL;
	}
	*slash = 0;
	if (asprintf(&p, "%s/targets/%s.btf%s", kh, name, suffix) < 0)
		p = NULL;
	free(kh);
	return p;
}

/* "sha256:HEX build-id=ID" for buf. */
static int target_btf_stamp(const unsigned char *buf, size_t len, const char *build_id,
			    struct strbuf *out)
{
	char d[DIGEST_STRLEN];

	if (digest_sha256_str(buf, len, d) < 0)
		return -1;
	sb_printf(out, "%s build-id=%s\n", d, build_id ? build_id : "none");
	return out->oom ? -1 : 0;
}

void target_btf_remove(const char *name)
{
	char *btf = target_btf_path(name, ""), *sum = target_btf_path(name, ".sha256");

	if (sum)
		unlink(sum);
	if (btf)
		unlink(btf);
	free(btf);
	free(sum);
}

int target_btf_store(const char *name, const char *build_id, const unsigned char *buf, size_t len)
{
	char *btf = target_btf_path(name, ""), *sum = target_btf_path(name, ".sha256"), *slash;
	struct strbuf stamp = {0};
	int r = -ENOMEM;

	if (btf && sum && target_btf_stamp(buf, len, build_id, &stamp) == 0) {
		slash = strrchr(btf, '/');
		*slash = 0;
		r = mkdir(btf, 0700) == 0 || errno == EEXIST ? 0 : -errno;
		*slash = '/';
		/* the stamp goes first: a copy without its stamp is never used */
		if (r == 0)
			unlink(sum);
		if (r == 0)
			r = atomic_write(btf, buf, len, 0600);
		if (r == 0)
			r = atomic_write(sum, stamp.s, stamp.n, 0600);
	}
	if (r < 0)
		fprintf(stderr, "stap-target: %s: cannot store its BTF in %s: %s\n", name,
			btf ? btf : "targets/", strerror(-r));
	free(stamp.s);
	free(btf);
	free(sum);
	return r < 0 ? -1 : 0;
}

/* The copy against its stamp and the record.  0 (usable), -1 (stale, one
 * line printed). */
static int target_btf_check(const struct stap_session *s, const char *btf, const char *sum)
{
	unsigned char *data = NULL, *stamp = NULL;
	size_t len = 0, slen = 0;
	struct strbuf want = {0};
	const char *why = NULL;

	if (readfile_path(btf, TARGET_BTF_MAX, &data, &len) < 0 ||
	    readfile_path(sum, 4096, &stamp, &slen) < 0)
		why = "unreadable, or without its .sha256 stamp";
	else if (target_btf_stamp(data, len, s->target->build_id, &want) < 0)
		why = "out of memory";
	else if (slen != want.n || memcmp(stamp, want.s, slen) != 0)
		why = "its digest or build-id no longer matches the record";
	free(data);
	free(stamp);
	free(want.s);
	if (!why)
		return 0;
	fprintf(stderr,
		"stap: target %s: its BTF copy %s is stale (%s); refresh it with: stap-target "
		"add %s ...\n",
		s->target_name, btf, why, s->target_name);
	return -1;
}

int target_btf_select(struct stap_session *s)
{
	char *btf = target_btf_path(s->target_name, ""),
	     *sum = target_btf_path(s->target_name, ".sha256");
	int r = 0;

	if (btf && access(btf, F_OK) == 0) {
		r = target_btf_check(s, btf, sum);
		if (r == 0) {
			free(s->kernel.btf_file);
			s->kernel.btf_file = btf;
			btf = NULL;
		}
	}
	free(btf);
	free(sum);
	return r;
}
