#include "translator/passclock.h"

void passclock_start(struct pass_clock *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->real);
	getrusage(RUSAGE_SELF, &c->ru);
}

static double tv_ms(struct timeval a, struct timeval b)
{
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_usec - a.tv_usec) / 1e3;
}

void passclock_report(const struct pass_clock *c, FILE *out)
{
	struct pass_clock now;
	long pg = 4, virt = 0, res = 0, shr = 0, text = 0, lib = 0, data = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	double real;

	if (f) {
		if (fscanf(f, "%ld %ld %ld %ld %ld %ld", &virt, &res, &shr, &text, &lib, &data) !=
		    6)
			virt = res = shr = data = 0;
		fclose(f);
	}
	passclock_start(&now);
	real = (double)(now.real.tv_sec - c->real.tv_sec) * 1e3 +
	       (double)(now.real.tv_nsec - c->real.tv_nsec) / 1e6;
	fprintf(out, "using %ldvirt/%ldres/%ldshr/%lddata kb, in %.0fusr/%.0fsys/%.0freal ms.\n",
		virt * pg, res * pg, shr * pg, data * pg, tv_ms(c->ru.ru_utime, now.ru.ru_utime),
		tv_ms(c->ru.ru_stime, now.ru.ru_stime), real);
}
