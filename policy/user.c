#include "policy/policy.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* getpw*_r/getgr*_r with a buffer that grows until the entry fits. */
static int pw_name(uid_t uid, char **name, gid_t *gid)
{
	size_t sz = 1024;
	int r;

	for (;;) {
		struct passwd pw, *res = NULL;
		char *buf = malloc(sz);
		if (!buf)
			return -ENOMEM;
		r = getpwuid_r(uid, &pw, buf, sz, &res);
		if (r == ERANGE && sz < (1u << 20)) {
			free(buf);
			sz *= 4;
			continue;
		}
		if (r == 0 && res) {
			*name = strdup(pw.pw_name);
			*gid = pw.pw_gid;
			r = *name ? 0 : -ENOMEM;
		} else {
			r = -ENOENT;
		}
		free(buf);
		return r;
	}
}

static char *gr_name(gid_t gid)
{
	size_t sz = 1024;

	for (;;) {
		struct group gr, *res = NULL;
		char *buf = malloc(sz), *name = NULL;
		int r;
		if (!buf)
			return NULL;
		r = getgrgid_r(gid, &gr, buf, sz, &res);
		if (r == ERANGE && sz < (1u << 22)) {
			free(buf);
			sz *= 4;
			continue;
		}
		if (r == 0 && res)
			name = strdup(gr.gr_name);
		free(buf);
		return name;
	}
}

int policy_user_from_ids(struct policy_user *u, uid_t uid, const gid_t *gids, size_t ngids)
{
	gid_t pw_gid;
	int r;

	memset(u, 0, sizeof *u);
	r = pw_name(uid, &u->name, &pw_gid);
	if (r < 0)
		return r;
	u->groups = calloc(ngids ? ngids : 1, sizeof *u->groups);
	if (!u->groups) {
		policy_user_free(u);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ngids; i++) {
		char *g = gr_name(gids[i]);
		if (g)
			u->groups[u->ngroups++] = g;
	}
	return 0;
}

int policy_user_from_name(struct policy_user *u, const char *name)
{
	struct passwd *pw = getpwnam(name);
	int n = 64;
	gid_t *gids = NULL;
	int r;

	memset(u, 0, sizeof *u);
	if (!pw)
		return -ENOENT;
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	for (;;) {
		gid_t *v = realloc(gids, (size_t)n * sizeof *gids);
		int want = n;
		if (!v) {
			free(gids);
			return -ENOMEM;
		}
		gids = v;
		if (getgrouplist(name, gid, gids, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n || want > 65536) {
			free(gids);
			return -E2BIG;
		}
		n = want;
	}
	r = policy_user_from_ids(u, uid, gids, (size_t)n);
	free(gids);
	return r;
}

void policy_user_free(struct policy_user *u)
{
	for (size_t i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u->name);
	memset(u, 0, sizeof *u);
}
