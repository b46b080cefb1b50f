/* Time and memory of a pass, for stap's -v pass lines. */
#ifndef TRANSLATOR_PASSCLOCK_H
#define TRANSLATOR_PASSCLOCK_H

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

struct pass_clock {
	struct timespec real;
	struct rusage ru;
};

void passclock_start(struct pass_clock *c);
/* "using Nvirt/Nres/Nshr/Ndata kb, in Nusr/Nsys/Nreal ms.\n", as stap prints
 * the end of its pass lines. */
void passclock_report(const struct pass_clock *c, FILE *out);

#endif
