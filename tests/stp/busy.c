/* A busy loop of system calls for the hot-probe case and the probe-cost
 * benchmark: N getpid() calls (N getpgid(0) calls with a second argument
 * "getpgid": a call nothing else in the process makes), then the
 * nanoseconds per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 100000;
	long nr = argc > 2 && !strcmp(argv[2], "getpgid") ? SYS_getpgid : SYS_getpid;
	struct timespec a, b;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(nr, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("calls %ld ns_per_call %.0f\n", n, n ? ns / n : 0);
	return 0;
}
