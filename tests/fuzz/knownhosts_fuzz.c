/* libFuzzer target: known_hosts(5) parsing, the format of what parsed, the
 * kernel-notes build-id reader and the remote facts text.  Invariants: a
 * refused file keeps no record and every message names "fuzz:LINE:" or
 * "fuzz:"; a record formats to a line that parses back to the same line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/knownhosts.h"
#include "translator/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct kh_record *r)
{
	struct known_hosts kh = {0};
	struct strbuf a = {0}, b = {0}, err = {0};

	kh_format(r, &a);
	if (a.oom || kh_parse(&kh, "again", a.s, a.n, &err) != 0 || kh.n != 1)
		__builtin_trap();
	kh_format(&kh.v[0], &b);
	if (strcmp(a.s, b.s) != 0)
		__builtin_trap();
	kh_free(&kh);
	free(a.s);
	free(b.s);
	free(err.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct known_hosts kh = {0};
	struct strbuf err = {0};
	struct target_facts f;
	char hex[TARGET_BUILD_ID_MAX];
	const char *why;
	int r = kh_parse(&kh, "fuzz", (const char *)data, size, &err);

	if (r < 0)
		return 0; /* out of memory */
	if (r > 0 && (kh.n || !err.s || strncmp(err.s, "fuzz:", 5) != 0))
		__builtin_trap();
	if (r == 0 && err.n)
		__builtin_trap();
	for (size_t i = 0; i < kh.n; i++) {
		if (!kh.v[i].nnames || !kh.v[i].kernel || !kh.v[i].arch)
			__builtin_trap();
		if (kh.v[i].exec != KH_LOCAL && (!kh.v[i].host || kh.v[i].host[0] == '-'))
			__builtin_trap();
		check_round_trip(&kh.v[i]);
	}
	kh_free(&kh);
	free(err.s);
	target_notes_build_id(data, size, hex);
	target_facts_parse((const char *)data, size, &f, &why);
	return 0;
}
