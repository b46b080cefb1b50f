#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/verify.h"
#include "lib/array.h"
#include "lib/atomicfile.h"
#include "lib/modsig.h"
#include "lib/readfile.h"
#include "authorize/authorize.h"

#define AZ_MODULE_MAX (256u << 20)

static const char new_file_header[] =
    "# authorized_probes(5): modules that staprun.auth may load for ordinary users.\n"
    "# Edit with stap-authorize(8); any error in this file refuses every module.";

int az_read_module(const struct az *az, const char *path, unsigned char **buf, size_t *len)
{
	int r = readfile_path(path, AZ_MODULE_MAX, buf, len);

	if (r < 0)
		az_err(az, "%s: %s", path, readfile_strerror(r));
	return r;
}

int az_target(const struct az *az, const char *arg, enum policy_kind *kind,
	      unsigned char md[DIGEST_LEN])
{
	unsigned char *buf;
	struct modsig ms;
	const char *why;
	size_t len;
	int r;

	*kind = POLICY_DIGEST;
	if (!strncmp(arg, "signer:", 7)) {
		*kind = POLICY_SIGNER;
		arg += 7;
	}
	if (!strncmp(arg, "sha256:", 7) || *kind == POLICY_SIGNER) {
		if (digest_parse(arg, md) < 0) {
			az_err(az, "%s: not sha256: and 64 lowercase hex digits", arg);
			return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(arg, "md5:", 4)) {
		az_err(az, "md5: digests are refused (collisions are cheap); give the module "
			   "file or its sha256: digest (stap-authorize digest MOD.ko)");
		return -EINVAL;
	}
	if ((r = az_read_module(az, arg, &buf, &len)) < 0)
		return r;
	r = modsig_split(buf, len, &ms, &why);
	if (r < 0)
		az_err(az, "%s: %s", arg, why);
	else if ((r = digest_sha256(buf, ms.payload_len, md)) < 0)
		az_err(az, "%s: cannot compute SHA-256", arg);
	free(buf);
	return r;
}

/* Split into lines; a final line without newline counts, a trailing
 * newline does not start an empty line. */
static int lines_split(const char *buf, size_t len, struct az_lines *l)
{
	size_t off = 0;

	l->v = NULL;
	l->n = l->cap = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - buf - off) : len - off;
		char *s = strndup(buf + off, n);
		if (!s || az_lines_append(l, NULL) < 0) {
			free(s);
			return -ENOMEM;
		}
		l->v[l->n - 1] = s;
		off += n + 1;
	}
	return 0;
}

static void lines_free(struct az_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int az_lines_append(struct az_lines *l, const char *text)
{
	if (array_grow(&l->v, &l->cap, l->n, sizeof *l->v, 64) < 0)
		return -ENOMEM;
	l->v[l->n] = text ? strdup(text) : NULL;
	if (text && !l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

int az_lines_set(struct az_lines *l, size_t line, const char *text)
{
	char *s = text ? strdup(text) : NULL;

	if (line < 1 || line > l->n || (text && !s)) {
		free(s);
		return -EINVAL;
	}
	free(l->v[line - 1]);
	l->v[line - 1] = s;
	return 0;
}

static char *lines_join(const struct az_lines *l, size_t *len)
{
	size_t n = 0, off = 0;
	char *out;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i])
			n += strlen(l->v[i]) + 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]) {
			size_t k = strlen(l->v[i]);
			memcpy(out + off, l->v[i], k);
			off += k;
			out[off++] = '\n';
		}
	out[off] = '\0';
	*len = off;
	return out;
}

static int dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return snprintf(dir, n, ".") >= (int)n ? -ENAMETOOLONG : 0;
	if (slash == path)
		return snprintf(dir, n, "/") >= (int)n ? -ENAMETOOLONG : 0;
	return snprintf(dir, n, "%.*s", (int)(slash - path), path) >= (int)n ? -ENAMETOOLONG : 0;
}

/* Why the dance: readers (staprun.auth) open the path at any moment and
 * must see the old file or the new one, never a half-written one. */
int az_write_atomic(const struct az *az, const char *path, const void *buf, size_t len, mode_t mode)
{
	struct atomic_file af;
	struct stat st;
	/* keep the owner and mode of the file being replaced */
	int keep = lstat(path, &st) == 0 && S_ISREG(st.st_mode), r;

	if (keep)
		mode = st.st_mode & 07777;
	r = atomic_file_open(&af, path, mode);
	if (r < 0)
		return az_err(az, "%s: cannot create a temporary file beside it: %s", path,
			      strerror(-r)),
		       r;
	if (keep && fchown(af.fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0)
		r = -errno;
	if (r == 0 && fchmod(af.fd, mode) < 0) /* after fchown, which clears set-id bits */
		r = -errno;
	if (r == 0)
		r = atomic_file_write(&af, buf, len);
	if (r < 0)
		atomic_file_abort(&af);
	else
		r = atomic_file_commit(&af);
	if (r < 0)
		az_err(az, "%s: cannot write: %s", path, strerror(-r));
	return r;
}

static int lock_policy(const struct az *az)
{
	char lock[PATH_MAX];
	int fd;

	if (snprintf(lock, sizeof lock, "%s.lock", az->policy) >= (int)sizeof lock)
		return az_err(az, "%s: path too long", az->policy), -ENAMETOOLONG;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;
		az_err(az, "%s: %s", lock, strerror(err));
		return -err;
	}
	if (flock(fd, LOCK_EX) < 0) {
		int err = errno;
		az_err(az, "%s: cannot lock: %s", lock, strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

static void print_errors(const struct policy_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msg[i]);
}

/* Read the current file: parsed into p and split into l.  A missing file
 * is an empty policy whose folder must pass the checks. */
static int edit_read(const struct az *az, struct policy *p, struct az_lines *l, int *isnew)
{
	struct policy_errors e = {0};
	unsigned char *buf = NULL;
	size_t len = 0;
	char msg[PATH_MAX + 128], dir[PATH_MAX];
	int r;

	*isnew = 0;
	r = readfile_path(az->policy, POLICY_MAX_SIZE, &buf, &len);
	if (r == -ENOENT) {
		*isnew = 1;
		if (dir_of(az->policy, dir, sizeof dir) == 0 &&
		    (r = keys_check_path(dir, az->policy_owner, 1, msg, sizeof msg)) < 0)
			return az_err(az, "refusing to create the policy: %s", msg), r;
		r = policy_parse(az->policy, "", 0, p, &e);
		if (r == 0)
			r = lines_split(new_file_header, strlen(new_file_header), l);
		policy_errors_free(&e);
		return r;
	}
	if (r < 0)
		return az_err(az, "%s: %s", az->policy, readfile_strerror(r)), r;
	if ((r = policy_check_perms(az->policy, az->policy_owner, msg, sizeof msg)) < 0) {
		az_err(az, "refusing to edit: %s", msg);
	} else if ((r = policy_parse(az->policy, (char *)buf, len, p, &e)) < 0) {
		print_errors(&e);
		az_err(az, "refusing to edit %s: it has %zu error%s (fix them first)", az->policy,
		       e.n, e.n == 1 ? "" : "s");
	}
	if (r == 0)
		r = lines_split((char *)buf, len, l);
	policy_errors_free(&e);
	free(buf);
	return r;
}

int az_edit(const struct az *az, az_edit_fn fn, void *arg)
{
	struct az_lines l = {0};
	struct policy p = {0}, check;
	struct policy_errors e;
	char *out = NULL;
	size_t len;
	int lock, isnew, r;

	if ((lock = lock_policy(az)) < 0)
		return lock;
	r = edit_read(az, &p, &l, &isnew);
	if (r == 0)
		r = fn(az, &p, &l, arg);
	if (r == 0 && !(out = lines_join(&l, &len)))
		r = -ENOMEM;
	if (r == 0) {
		/* never write a file that staprun.auth would refuse */
		if ((r = policy_parse(az->policy, out, len, &check, &e)) < 0) {
			print_errors(&e);
			az_err(az, "internal error: the edited file does not parse; not written");
		}
		policy_free(&check);
		policy_errors_free(&e);
	}
	if (r == 0)
		r = az_write_atomic(az, az->policy, out, len, 0644);
	free(out);
	policy_free(&p);
	lines_free(&l);
	close(lock);
	return r < 0 ? r : 0;
}
