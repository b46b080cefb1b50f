/* =~: the translator's compiler (translator/regex.c) with the runtime's
 * matcher (runtime/stp_regex.c) in user space, against glibc's POSIX
 * regexec as the reference for match / no match and the extent of the
 * match (leftmost-longest); submatches where POSIX leaves no choice. */
#include <regex.h>

#include "tests/unit/kstub_regex.h"
#include "tests/unit/unit.h"

static struct re_prog prog;
static struct stp_re_inst insts[RE_MAX_PROG];
static struct stp_regex rt;

/* The tables as the module would hold them. */
static int load(const char *re)
{
	char why[128];
	size_t at;

	re_free(&prog);
	if (re_compile(re, strlen(re), &prog, why, sizeof(why), &at) < 0)
		return -1;
	kstub_regex_load(&prog, insts, &rt);
	return 0;
}

static const char *const regexes[] = {
    "^post",
    "a.*b",
    "(a|ab)(c|bcd)(d*)",
    "x*",
    "^$",
    "a|b|c",
    "[[:digit:]]+",
    "[^a-z]+$",
    "(foo|foobar)baz",
    "a{2,3}",
    "a{2,}b",
    "a{0,2}c",
    "(ab)*c",
    "b+$",
    "^(a*)*$",
    "[]a-]+",
    "colou?r",
    "((a)|b)+",
    ".",
    "a{3}",
    "(^a|b)c",
    "(x|y$)z?",
    "[.]\\.",
    "(a*)+b",
    NULL,
};

static const char *const subjects[] = {
    "",	     "postfix", "a",	 "ab",	  "xaxbxb", "abcd", "abbcd", "foobarbaz", "aaa",
    "aaaab", "c",	"acaac", "ababc", "123x45", "ABC",  "color", "colour",	  "ba",
    "]-a]x", "x.!..",	"bc",	 "xyz",	  "aaab",   "yy",   NULL,
};

TEST(regex_matches_like_posix)
{
	for (int r = 0; regexes[r]; r++) {
		regex_t ref;
		CHECK(regcomp(&ref, regexes[r], REG_EXTENDED) == 0);
		CHECK(load(regexes[r]) == 0);
		for (int s = 0; subjects[s]; s++) {
			regmatch_t m[10];
			int want = regexec(&ref, subjects[s], 10, m, 0) == 0;
			struct stp_context *c = kstub_context();
			int got = (int)stp_regex_match(c, &rt, subjects[s], false);
			int got_g = (int)stp_regex_match(c, &rt, subjects[s], true);
			if (got != want || got_g != want) {
				fprintf(stderr, "# /%s/ on \"%s\": got %d/%d, want %d\n",
					regexes[r], subjects[s], got, got_g, want);
				CHECK(0);
			}
			if (!want)
				continue;
			if (c->re.caps[0] != m[0].rm_so || c->re.caps[1] != m[0].rm_eo) {
				fprintf(stderr, "# /%s/ on \"%s\": [%d,%d), want [%d,%d)\n",
					regexes[r], subjects[s], c->re.caps[0], c->re.caps[1],
					(int)m[0].rm_so, (int)m[0].rm_eo);
				CHECK(0);
			}
		}
		regfree(&ref);
	}
	re_free(&prog);
}

TEST(regex_matched_groups)
{
	struct stp_context *c = kstub_context();
	char buf[MAXSTRINGLEN];

	CHECK(load("([a-z]+)=([0-9]+)") == 0);
	CHECK(stp_regex_match(c, &rt, "set x=42;", true) == 1);
	CHECK_STR(stp_regex_matched(c, buf, 0, "t"), "x=42");
	CHECK_STR(stp_regex_matched(c, buf, 1, "t"), "x");
	CHECK_STR(stp_regex_matched(c, buf, 2, "t"), "42");
	CHECK(stp_regex_ngroups(c, "t") == 2);
	CHECK(load("(a)|(b)") == 0);
	CHECK(stp_regex_match(c, &rt, "b", true) == 1);
	CHECK_STR(stp_regex_matched(c, buf, 1, "t"), "");
	CHECK_STR(stp_regex_matched(c, buf, 2, "t"), "b");
	/* a failed match: matched() is an error, as in SystemTap */
	CHECK(stp_regex_match(c, &rt, "zzz", true) == 0);
	stp_regex_matched(c, buf, 0, "t");
	CHECK(c->abort == STP_ABORT_ERROR);
	re_free(&prog);
}

TEST(regex_rejects_bad_patterns)
{
	static const char *const bad[] = {"(",
					  "a)",
					  "*a",
					  "[a",
					  "a{2,1}",
					  "a{",
					  "[[:nope:]]",
					  "\\",
					  "[z-a]",
					  "a{300}",
					  "((((((((((a))))))))))",
					  NULL};
	char why[128];
	size_t at;
	for (int i = 0; bad[i]; i++) {
		if (re_compile(bad[i], strlen(bad[i]), &prog, why, sizeof(why), &at) == 0) {
			fprintf(stderr, "# accepted /%s/\n", bad[i]);
			CHECK(0);
		}
		CHECK(at <= strlen(bad[i]));
	}
}

TEST(regex_size_is_bounded)
{
	char why[128];
	size_t at;
	/* [ab]*a[ab]{N}: 2^N DFA states; must fail cleanly, not hang */
	const char *re = "[ab]*a[ab][ab][ab][ab][ab][ab][ab][ab][ab][ab][ab]";
	CHECK(re_compile(re, strlen(re), &prog, why, sizeof(why), &at) < 0);
	if (!strstr(why, "complex"))
		fprintf(stderr, "# %s\n", why);
	CHECK(strstr(why, "complex") != NULL);
	const char *big = "(((a{255}){255}){255})";
	CHECK(re_compile(big, strlen(big), &prog, why, sizeof(why), &at) < 0);
}
