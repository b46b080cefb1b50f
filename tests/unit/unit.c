#include "tests/unit/unit.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT_MAX 512

static struct {
	const char *name;
	unit_fn fn;
} tests[UNIT_MAX];
static int ntests;
static int failed_now, skipped_now;
static char tmpdir[256];
static char skip_why[256];

void unit_register(const char *name, unit_fn fn)
{
	if (ntests == UNIT_MAX) {
		fprintf(stderr, "unit: too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void unit_fail(const char *file, int line, const char *what)
{
	printf("#   at %s:%d: %s\n", file, line, what);
	failed_now = 1;
}

void unit_skip(const char *why)
{
	snprintf(skip_why, sizeof skip_why, "%s", why);
	skipped_now = 1;
}

int unit_in_child(int (*fn)(void))
{
	int st;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p == 0)
		_exit(fn());
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

const char *unit_tmpdir(void)
{
	return tmpdir;
}

const char *unit_path(const char *name)
{
	static char p[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
	return p[i];
}

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/unitXXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
}

static void remove_tmpdir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "unit: could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		failed_now = skipped_now = 0;
		make_tmpdir();
		printf("# %s: %s\n", prog, tests[i].name);
		tests[i].fn();
		remove_tmpdir();
		if (failed_now) {
			printf("FAIL: %s: %s\n", prog, tests[i].name);
			failed++;
		} else if (skipped_now) {
			printf("SKIP: %s: %s: %s\n", prog, tests[i].name, skip_why);
			skipped++;
		} else {
			printf("PASS: %s: %s\n", prog, tests[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
