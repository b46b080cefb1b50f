/* runas UID GID GROUPS CMD [ARG...]: run CMD as an unprivileged user inside
 * the VM bench (built static on the host; no setuid bit, no NSS: the caller,
 * /stap/lib.sh, looks the numbers up in /etc/passwd and /etc/group).
 * GROUPS is a comma-separated list of supplementary gids, or "-". */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNAS_MAXGROUPS 32

static int parse_groups(char *s, gid_t *g)
{
	int n = 0;

	if (!strcmp(s, "-"))
		return 0;
	for (char *t = strtok(s, ","); t && n < RUNAS_MAXGROUPS; t = strtok(NULL, ","))
		g[n++] = (gid_t)strtoul(t, NULL, 10);
	return n;
}

int main(int argc, char **argv)
{
	gid_t groups[RUNAS_MAXGROUPS];
	uid_t uid;
	gid_t gid;
	int n;

	if (argc < 5) {
		fprintf(stderr, "usage: runas UID GID GROUPS CMD [ARG...]\n");
		return 127;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	n = parse_groups(argv[3], groups);
	if (setgroups((size_t)n, groups) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "runas: %s\n", strerror(errno));
		return 127;
	}
	if (uid != 0 && setuid(0) == 0) {
		fprintf(stderr, "runas: could regain root\n");
		return 127;
	}
	execvp(argv[4], argv + 4);
	fprintf(stderr, "runas: %s: %s\n", argv[4], strerror(errno));
	return 127;
}
