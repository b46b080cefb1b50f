#include "lib/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_grow(void *arrp, size_t *cap, size_t n, size_t size, size_t first)
{
	void *v;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap : (first ? first : 1);
	while (nc <= n) {
		if (nc > SIZE_MAX / 2)
			return -ENOMEM;
		nc *= 2;
	}
	if (size && nc > SIZE_MAX / size)
		return -ENOMEM;
	/* The caller's pointer has its own type: copy it, never alias it. */
	memcpy(&v, arrp, sizeof v);
	v = realloc(v, nc * size);
	if (!v)
		return -ENOMEM;
	memcpy(arrp, &v, sizeof v);
	*cap = nc;
	return 0;
}
