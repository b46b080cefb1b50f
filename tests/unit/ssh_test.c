#include "translator/ssh.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *hostile[] = {
    "plain",
    "",
    "two words",
    "it's",
    "'",
    "''",
    "'\\''",
    "$(touch /tmp/stapauth-pwned)",
    "`touch /tmp/stapauth-pwned`",
    "; touch /tmp/stapauth-pwned #",
    "a\nb\n; touch /tmp/stapauth-pwned",
    "\"$HOME\" ${PATH} $1 $@ $*",
    "\\ \\\\ \\' \\n",
    "-o ProxyCommand=touch /tmp/stapauth-pwned",
    "*",
    "~root",
    "a|b&c>d<e",
    "\t\x01\x7f\xff",
};

TEST(sh_quote_survives_a_posix_shell)
{
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		struct strbuf cmd = {0}, want = {0}, got = {0};
		char buf[4096];
		size_t n;
		FILE *p;

		sb_puts(&cmd, "printf '[%s]'");
		sh_quote_arg(&cmd, hostile[i]);
		sb_printf(&want, "[%s]", hostile[i]);
		/* the quoted word goes through two shells, as over ssh: the
		 * login shell runs "sh -c WORD" */
		struct strbuf outer = {0};
		sb_puts(&outer, "sh -c");
		sh_quote_arg(&outer, cmd.s);
		p = popen(outer.s, "r");
		CHECK(p);
		while ((n = fread(buf, 1, sizeof buf, p)) > 0)
			sb_putn(&got, buf, n);
		CHECK(pclose(p) == 0);
		if (!got.s || strcmp(got.s, want.s) != 0) {
			fprintf(stderr, "# case %zu: got %s\n", i, got.s ? got.s : "(nothing)");
			CHECK(0);
		}
		free(cmd.s);
		free(want.s);
		free(got.s);
		free(outer.s);
	}
	CHECK(access("/tmp/stapauth-pwned", F_OK) != 0);
}

TEST(sh_quote_form)
{
	struct strbuf b = {0};

	sb_shquote(&b, "it's");
	CHECK_STR(b.s, "'it'\\''s'");
	free(b.s);
}
