/* The record of live loads: one small file per loaded module in a root-owned
 * directory under /run, so that `stap-authorize status` can list them and
 * `staprun.auth -d` can tell which modules it loaded for whom.
 *
 *   module=stap_ab12_u1000_4242
 *   digest=sha256:<64 hex>
 *   user=alice
 *   uid=1000
 *   pid=4242
 *   since=1795000000
 */
#include "staprun-auth/auth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/atomicfile.h"
#include "lib/number.h"

static int record_path(const char *dir, const char *module, char *out, size_t outlen)
{
	if (!auth_name_valid(module))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, module) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory must be ours: root-owned (or owned by the tests' uid),
 * group root, a real directory, not writable by group or others.  A setuid
 * process creates files with the caller's group: give it back to root. */
int auth_run_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	if (geteuid() == 0 && st.st_gid != 0 && chown(dir, 0, 0) < 0)
		return -errno;
	/* umask 077 made a new one 0700; nothing else may write here */
	if ((st.st_mode & 07777) != 0755 && chmod(dir, 0755) < 0)
		return -errno;
	return 0;
}

int auth_record_write(const char *dir, const struct auth_record *r)
{
	char path[512], text[512];
	int n, e;

	e = record_path(dir, r->module, path, sizeof path);
	if (e < 0)
		return e;
	e = auth_run_dir(dir);
	if (e < 0)
		return e;
	n = snprintf(text, sizeof text,
		     "module=%s\ndigest=%s\nuser=%s\nuid=%u\npid=%d\nsince=%lld\n", r->module,
		     r->digest, r->user, (unsigned)r->uid, (int)r->pid, r->since);
	/* the temporary ".MODULE.XXXXXX" is no record name: listing skips it */
	return atomic_write(path, text, (size_t)n, 0644);
}

static int record_field(struct auth_record *r, const char *k, const char *v)
{
	long long n;

	if (!strcmp(k, "module"))
		return snprintf(r->module, sizeof r->module, "%s", v) < (int)sizeof r->module ? 0
											      : -1;
	if (!strcmp(k, "digest"))
		return snprintf(r->digest, sizeof r->digest, "%s", v) < (int)sizeof r->digest ? 0
											      : -1;
	if (!strcmp(k, "user"))
		return snprintf(r->user, sizeof r->user, "%s", v) < (int)sizeof r->user ? 0 : -1;
	if (!strcmp(k, "uid") && number_parse(v, 0, UINT32_MAX, &n) == 0)
		r->uid = (uid_t)n;
	else if (!strcmp(k, "pid") && number_parse(v, INT32_MIN, INT32_MAX, &n) == 0)
		r->pid = (pid_t)n;
	else if (!strcmp(k, "since") && number_parse(v, LLONG_MIN, LLONG_MAX, &n) == 0)
		r->since = n;
	else
		return -1;
	return 0;
}

int auth_record_read(const char *dir, const char *module, struct auth_record *r)
{
	char path[512], text[1024], *line, *save = NULL;
	ssize_t n;
	int fd, e;

	memset(r, 0, sizeof *r);
	r->uid = (uid_t)-1;
	e = record_path(dir, module, path, sizeof path);
	if (e < 0)
		return e;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	text[n] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		if (record_field(r, line, eq + 1) < 0)
			return -EBADMSG;
	}
	/* A record that names another module is not this module's record. */
	if (strcmp(r->module, module) != 0 || r->uid == (uid_t)-1)
		return -EBADMSG;
	return 0;
}

int auth_record_remove(const char *dir, const char *module)
{
	char path[512];
	int e = record_path(dir, module, path, sizeof path);

	if (e < 0)
		return e;
	return unlink(path) < 0 ? -errno : 0;
}

static int record_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int auth_record_list(const char *dir, void (*fn)(const struct auth_record *, void *), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int e = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (e == 0 && (de = readdir(d))) {
		if (!auth_name_valid(de->d_name))
			continue; /* ".", "..", ".MODULE.XXXXXX" */
		e = array_grow(&names, &cap, n, sizeof *names, 16);
		if (e == 0 && !(names[n++] = strdup(de->d_name)))
			e = -ENOMEM;
	}
	closedir(d);
	if (e == 0)
		qsort(names, n, sizeof *names, record_cmp);
	for (i = 0; i < n; i++) {
		struct auth_record r;

		if (e == 0 && names[i] && auth_record_read(dir, names[i], &r) == 0)
			fn(&r, arg);
		free(names[i]);
	}
	free(names);
	return e;
}

struct record_count {
	uid_t uid;
	unsigned mine, total;
};

static void record_count_one(const struct auth_record *r, void *arg)
{
	struct record_count *c = arg;

	c->total++;
	c->mine += r->uid == c->uid;
}

int auth_loads_count(const char *dir, uid_t uid, unsigned *mine, unsigned *total)
{
	struct record_count c = {uid, 0, 0};
	int e = auth_record_list(dir, record_count_one, &c);

	*mine = c.mine;
	*total = c.total;
	return e < 0 ? e : 0;
}
