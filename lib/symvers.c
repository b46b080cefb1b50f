/* Module.symvers against a module's __versions.  Only ever adds a refusal
 * before init_module: the kernel checks the same CRCs itself, so a file
 * that is stale or malformed can refuse a load early, never admit one. */
#include "lib/symvers.h"

#include <stdlib.h>
#include <string.h>

/* "0xCRC\tNAME\t...": the CRC and the name's span, or -1. */
static int symvers_line(const char *s, size_t n, unsigned long *crc, const char **name,
			size_t *nlen)
{
	char num[24], *end;
	const char *tab = memchr(s, '\t', n), *tab2;

	if (!tab || tab == s || (size_t)(tab - s) >= sizeof num || n < 3 || s[0] != '0' ||
	    s[1] != 'x')
		return -1;
	memcpy(num, s, (size_t)(tab - s));
	num[tab - s] = 0;
	*crc = strtoul(num, &end, 16);
	if (*end)
		return -1;
	*name = tab + 1;
	tab2 = memchr(*name, '\t', n - (size_t)(*name - s));
	*nlen = tab2 ? (size_t)(tab2 - *name) : n - (size_t)(*name - s);
	return *nlen ? 0 : -1;
}

int symvers_compare(const char *text, size_t len, const struct modinfo_crc *crcs, size_t n,
		    struct symvers_diff *d)
{
	size_t i = 0;

	while (i < len) {
		const char *s = text + i, *nl = memchr(s, '\n', len - i), *name;
		size_t l = nl ? (size_t)(nl - s) : len - i, nlen;
		unsigned long crc;

		i += l + 1;
		if (symvers_line(s, l, &crc, &name, &nlen) < 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (strlen(crcs[k].name) != nlen || memcmp(crcs[k].name, name, nlen) != 0)
				continue;
			if ((crcs[k].crc & 0xffffffffUL) != (crc & 0xffffffffUL)) {
				d->crc = &crcs[k];
				d->kernel_crc = crc;
				return 1;
			}
		}
	}
	return 0;
}
