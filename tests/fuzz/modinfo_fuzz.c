/* libFuzzer target: .modinfo and __versions reading (libelf over untrusted
 * bytes) and the appended-signature split, as a loader meets them on a
 * module file; then the same bytes as a Module.symvers compared with the
 * module's CRCs (the loader's check before init_module). */
#include "lib/modinfo.h"
#include "lib/modsig.h"
#include "lib/symvers.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modinfo mi;
	struct modsig ms;
	const char *why;

	if (modsig_split(data, size, &ms, &why) == 0) {
		if (ms.sig && (ms.sig < data || ms.sig + ms.sig_len > data + size))
			__builtin_trap();
		if (ms.payload_len > size)
			__builtin_trap();
		if (modinfo_read(data, ms.payload_len, &mi, &why) == 0) {
			for (size_t i = 0; i < mi.nparms; i++)
				if (modinfo_parm(&mi, mi.parms[i].name) != &mi.parms[i])
					__builtin_trap();
			if (mi.this_module_name_off >= size && mi.this_module_name_off)
				__builtin_trap();
			for (size_t i = 0; i < mi.ncrcs; i++)
				if (!mi.crcs[i].name[0] ||
				    strlen(mi.crcs[i].name) > MODINFO_CRC_NAME_MAX)
					__builtin_trap();
		}
		modinfo_free(&mi);
	}
	{
		static const struct modinfo_crc crcs[] = {{0x1234abcd, "jiffies"}, {0, "_printk"}};
		struct symvers_diff d;

		if (symvers_compare((const char *)data, size, crcs, 2, &d) == 1 &&
		    (d.crc < crcs || d.crc > crcs + 1))
			__builtin_trap();
	}
	return 0;
}
