/* libFuzzer target: the regex compiler of =~ (translator/regex.c) and the
 * runtime matcher (runtime/stp_regex.c) over its tables.  The input is
 * "REGEX\nSUBJECT": no input may crash, leak, hang or read out of bounds,
 * and a compiled regex must match in bounded time. */
#include "tests/unit/kstub_regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct re_prog prog;
	static struct stp_re_inst insts[RE_MAX_PROG];
	char why[128], subject[MAXSTRINGLEN];
	size_t at, relen;
	const uint8_t *nl = memchr(data, '\n', size);

	relen = nl ? (size_t)(nl - data) : size;
	if (re_compile((const char *)data, relen, &prog, why, sizeof(why), &at) < 0)
		return 0;
	struct stp_regex rt;
	kstub_regex_load(&prog, insts, &rt);
	size_t n = nl ? size - relen - 1 : 0;
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	memcpy(subject, nl ? (const char *)nl + 1 : "", n);
	subject[n] = 0;
	struct stp_context *c = kstub_context();
	int64_t quick = stp_regex_match(c, &rt, subject, false);
	int64_t full = stp_regex_match(c, &rt, subject, true);
	if (quick != full)
		abort(); /* the two passes must agree */
	if (full) {
		char buf[MAXSTRINGLEN];
		for (int g = 0; g <= prog.ngroups; g++)
			stp_regex_matched(c, buf, g, "fuzz");
	}
	re_free(&prog);
	return 0;
}
