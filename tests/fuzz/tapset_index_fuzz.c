/* libFuzzer target: the tapset index's quick scan (translator/tapset_index.c)
 * over untrusted library text, and alias-name matching of what it found.
 * No input may crash, leak, hang or read past the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/tapset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapset_index ix = {0};
	struct stap_pp_comp comps[2] = {{.name = "*"}, {.name = "*"}};
	struct stap_pp_spec sp = {.comps = comps, .ncomps = 2};
	/* An exact copy: the scan must stop at size, not at a NUL. */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (tapset_index_scan(&ix, 0, text, size) == 0) {
		tapset_index_sort(&ix);
		for (size_t i = 0; i < ix.nfuncs; i++)
			if (tapset_index_func(&ix, ix.funcs[i].name) < 0)
				abort();
		for (size_t i = 0; i < ix.naliases; i++)
			(void)tapset_alias_matches(ix.aliases[i].name, &sp);
	}
	tapset_index_free(&ix);
	free(text);
	return 0;
}
