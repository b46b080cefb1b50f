/* A kernel build tree's Module.symvers: the CRC of every exported symbol. */
#ifndef LIB_SYMVERS_H
#define LIB_SYMVERS_H

#include <stddef.h>

#include "lib/modinfo.h"

struct symvers_diff {
	const struct modinfo_crc *crc; /* the module's entry that disagrees */
	unsigned long kernel_crc;      /* what the file says */
};

/* Look up each of the module's n crcs in text (Module.symvers bytes, lines
 * "0xCRC\tNAME\tMODULE\tEXPORT_TYPE[\tNAMESPACE]").  0 when no name that
 * both list has another CRC; 1 with *d set at the first that does.  Lines of
 * another form, and names the file lacks, are left to the kernel's own
 * check. */
int symvers_compare(const char *text, size_t len, const struct modinfo_crc *crcs, size_t n,
		    struct symvers_diff *d);

#endif
