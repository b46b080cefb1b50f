/* Exec a program with argc == 0 (an empty argv), as an attacker can:
 *   noargv PROGRAM [ENV=VALUE ...]
 * The environment given follows right after the NULL argv in memory, which
 * is what a careless program reads as argv[1]. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *empty[] = {NULL};

	if (argc < 2) {
		fprintf(stderr, "usage: noargv PROGRAM [ENV=VALUE ...]\n");
		return 2;
	}
	execve(argv[1], empty, argv + 2);
	perror("noargv: execve");
	return 127;
}
