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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	char path[512], tmp[560], text[512];
	int fd, n, e;

	e = record_path(dir, r->module, path, sizeof path);
	if (e < 0)
		return e;
	e = auth_run_dir(dir);
	if (e < 0)
		return e;
	n = snprintf(text, sizeof text,
		     "module=%s\ndigest=%s\nuser=%s\nuid=%u\npid=%d\nsince=%lld\n", r->module,
		     r->digest, r->user, (unsigned)r->uid, (int)r->pid, r->since);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	e = (fchmod(fd, 0644) < 0 || write(fd, text, (size_t)n) != n) ? -EIO : 0;
	if (close(fd) < 0 && !e)
		e = -EIO;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

static int record_field(struct auth_record *r, const char *k, const char *v)
{
	char *end;

	if (!strcmp(k, "module"))
		return snprintf(r->module, sizeof r->module, "%s", v) < (int)sizeof r->module ? 0
											      : -1;
	if (!strcmp(k, "digest"))
		return snprintf(r->digest, sizeof r->digest, "%s", v) < (int)sizeof r->digest ? 0
											      : -1;
	if (!strcmp(k, "user"))
		return snprintf(r->user, sizeof r->user, "%s", v) < (int)sizeof r->user ? 0 : -1;
	errno = 0;
	if (!strcmp(k, "uid"))
		r->uid = (uid_t)strtoul(v, &end, 10);
	else if (!strcmp(k, "pid"))
		r->pid = (pid_t)strtol(v, &end, 10);
	else if (!strcmp(k, "since"))
		r->since = strtoll(v, &end, 10);
	else
		return -1;
	return (errno || end == v || *end) ? -1 : 0;
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
	size_t n = 0, i;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char **nn;

		if (!auth_name_valid(de->d_name))
			continue; /* ".", "..", "x.tmp" */
		nn = realloc(names, (n + 1) * sizeof *names);
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			free(nn ? nn : names);
			closedir(d);
			return -ENOMEM;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, record_cmp);
	for (i = 0; i < n; i++) {
		struct auth_record r;

		if (auth_record_read(dir, names[i], &r) == 0)
			fn(&r, arg);
		free(names[i]);
	}
	free(names);
	return 0;
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
