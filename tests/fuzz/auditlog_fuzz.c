/* libFuzzer target: stap-authorize log's reader of raw audit lines
 * (authorize/auditlog.c: staprun.auth's records and the kernel's).  Invariants: the answer is 1, 0
 * or -EBADMSG; a record it accepts has a known op and result, NUL-terminated fields that fit, and a
 * time and uid it could parse from the line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authorize/authorize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_field(const char *f, size_t cap)
{
	if (strnlen(f, cap) >= cap)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy with no NUL after it: reads past size are caught */
	char *line = malloc(size ? size : 1);
	struct az_audit_rec r;
	int k;

	if (!line)
		return 0;
	memcpy(line, data, size);
	k = az_audit_parse_line(line, size, &r);
	if (k != 1 && k != 0 && k != -EBADMSG)
		__builtin_trap();
	if (k == 1) {
		fuzz_field(r.op, sizeof r.op);
		fuzz_field(r.result, sizeof r.result);
		fuzz_field(r.acct, sizeof r.acct);
		fuzz_field(r.module, sizeof r.module);
		fuzz_field(r.digest, sizeof r.digest);
		fuzz_field(r.signer, sizeof r.signer);
		fuzz_field(r.policy, sizeof r.policy);
		fuzz_field(r.path, sizeof r.path);
		fuzz_field(r.reason, sizeof r.reason);
		if (!r.op[0] || !r.result[0] || r.sec < 0 || r.uid < 0 || r.uid > UINT32_MAX)
			__builtin_trap();
	}
	{
		struct az_audit_kern kk;

		k = az_audit_parse_kernel(line, size, &kk);
		if (k != 1 && k != 0 && k != -EBADMSG)
			__builtin_trap();
		if (k == 1 && (strnlen(kk.name, sizeof kk.name) >= sizeof kk.name || kk.sec < 0 ||
			       kk.serial < 0 || (kk.kind == AZ_KERN_MODULE && !kk.name[0])))
			__builtin_trap();
	}
	free(line);
	return 0;
}
