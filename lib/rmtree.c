#include "lib/rmtree.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

static int rmtree_err;

static int rmtree_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int r = flag == FTW_DP ? rmdir(path) : unlink(path);

	(void)st;
	(void)ftw;
	if (r < 0 && errno != ENOENT && !rmtree_err)
		rmtree_err = -errno;
	return 0;
}

int rmtree(const char *dir)
{
	rmtree_err = 0;
	if (nftw(dir, rmtree_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return rmtree_err;
}
