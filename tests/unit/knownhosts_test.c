#include "translator/knownhosts.h"
#include "translator/target.h"
#include "tests/unit/unit.h"

#include <stdint.h>
#include <stdlib.h>

static int parse(struct known_hosts *kh, struct strbuf *err, const char *text)
{
	return kh_parse(kh, "kh", text, strlen(text), err);
}

TEST(kh_parses_the_2006_line_and_the_new_keys)
{
	struct known_hosts kh = {0};
	struct strbuf err = {0};
	const struct kh_record *r;

	CHECK(parse(&kh, &err,
		    "# comment\n\n"
		    "web1,web1-old execute=ssh:alice@web1.example:2222:auth kernel=6.1.0-57-amd64 "
		    "arch=x86_64 cpu=p4 build=/srv/kb uname-v=\"#1 SMP Debian 6.1.158-1 "
		    "(2025-11-09)\" build-id=a3e4cd sig-enforce=yes stapauth=0.1 # trailing\n"
		    "here execute=local kernel=6.1.0-57-amd64 arch=x86_64\n") == 0);
	CHECK(kh.n == 2);
	r = kh_find(&kh, "web1-old");
	CHECK(r && r->exec == KH_AUTH && r->port == 2222 && r->line == 3);
	CHECK_STR(r->user, "alice");
	CHECK_STR(r->host, "web1.example");
	CHECK_STR(r->uname_v, "#1 SMP Debian 6.1.158-1 (2025-11-09)");
	CHECK_STR(r->build_id, "a3e4cd");
	CHECK(r->sig_enforce == KH_SIG_YES);
	CHECK_STR(r->build, "/srv/kb");
	r = kh_find(&kh, "here");
	CHECK(r && r->exec == KH_LOCAL && !r->host);
	CHECK(!kh_find(&kh, "nope"));
	kh_free(&kh);
	free(err.s);
}

TEST(kh_format_round_trips)
{
	struct known_hosts kh = {0}, kh2 = {0};
	struct strbuf err = {0}, out = {0};

	CHECK(parse(&kh, &err,
		    "a,b execute=ssh:[::1]:22:sudo kernel=6.1 arch=x86_64 "
		    "uname-v=\"#1 \\\"q\\\" \\\\ x\" sig-enforce=no\n") == 0);
	kh_format(&kh.v[0], &out);
	CHECK_STR(out.s, "a,b execute=ssh:[::1]:22:sudo kernel=6.1 arch=x86_64 "
			 "uname-v=\"#1 \\\"q\\\" \\\\ x\" sig-enforce=no");
	CHECK(parse(&kh2, &err, out.s) == 0);
	CHECK_STR(kh2.v[0].uname_v, "#1 \"q\" \\ x");
	CHECK_STR(kh2.v[0].host, "::1");
	kh_free(&kh);
	kh_free(&kh2);
	free(out.s);
	free(err.s);
}

TEST(kh_errors_name_the_line_and_refuse_the_file)
{
	struct known_hosts kh = {0};
	struct strbuf err = {0};

	CHECK(parse(&kh, &err,
		    "ok execute=local kernel=6.1 arch=x86_64\n"
		    "bad execute=local kernel=6.1 arch=x86_64 colour=blue\n"
		    "x execute=ssh:-oProxyCommand=evil:auth kernel=6.1 arch=x86_64\n"
		    "y execute=ssh:h:sudo arch=x86_64\n"
		    "z execute=ssh:h:fly kernel=6.1 arch=x86_64\n"
		    "ok execute=local kernel=6.1 arch=x86_64\n"
		    "q execute=local kernel=6.1 arch=x86_64 uname-v=\"open\n"
		    "kernel=6.1\n") > 0);
	CHECK(kh.n == 0);
	CHECK(strstr(err.s, "kh:2: unknown key 'colour'\n"));
	CHECK(strstr(err.s, "kh:3: execute=: bad host name\n"));
	CHECK(strstr(err.s, "kh:4: kernel= is missing\n"));
	CHECK(strstr(err.s, "kh:5: execute=: unknown mode 'fly'"));
	CHECK(strstr(err.s, "kh:6: target 'ok' is already defined on line 1\n"));
	CHECK(strstr(err.s, "kh:7: unclosed '\"'\n"));
	CHECK(strstr(err.s, "kh:8: a line starts with the target's NAME"));
	kh_free(&kh);
	free(err.s);
}

TEST(kh_values_are_checked)
{
	static const char *bad[] = {
	    "n execute=local kernel=6.1 arch=x86_64 build=relative\n",
	    "n execute=local kernel=-6.1 arch=x86_64\n",
	    "n execute=local kernel=6.1 arch=x86_64 build-id=ABC\n",
	    "n execute=local kernel=6.1 arch=x86_64 sig-enforce=maybe\n",
	    "n execute=ssh:u@h:99999:auth kernel=6.1 arch=x86_64\n",
	    "n execute=ssh:-u@h:auth kernel=6.1 arch=x86_64\n",
	    "n execute=ssh:u;rm@h:auth kernel=6.1 arch=x86_64\n",
	    "n execute=local execute=local kernel=6.1 arch=x86_64\n",
	    "-n execute=local kernel=6.1 arch=x86_64\n",
	    "@g execute=local kernel=6.1 arch=x86_64\n",
	    "n execute=local kernel=6.1 arch=x86_64 uname-v=\"tab\there\"\n",
	    "n execute=local kernel=6.1 arch=x86_64 junk\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct known_hosts kh = {0};
		struct strbuf err = {0};
		int r = parse(&kh, &err, bad[i]);
		if (r <= 0 || kh.n != 0 || strncmp(err.s, "kh:1: ", 6) != 0) {
			fprintf(stderr, "accepted or odd error: %s", bad[i]);
			CHECK(0);
		}
		kh_free(&kh);
		free(err.s);
	}
	struct known_hosts kh = {0};
	struct strbuf err = {0};
	CHECK(kh_parse(&kh, "kh", "a execute=local\0", 16, &err) == 1);
	CHECK(strstr(err.s, "NUL byte"));
	kh_free(&kh);
	free(err.s);
}

TEST(kh_user_file_wins_over_the_system_file)
{
	struct known_hosts kh = {0};
	struct strbuf err = {0};
	FILE *f;

	setenv("SYSTEMTAP_DIR", unit_tmpdir(), 1);
	setenv("STAPAUTH_KNOWN_HOSTS_SYSTEM", unit_path("sys"), 1);
	f = fopen(unit_path("known_hosts"), "w");
	CHECK(f);
	fputs("t execute=local kernel=user arch=x86_64\n", f);
	fclose(f);
	f = fopen(unit_path("sys"), "w");
	CHECK(f);
	fputs("t execute=local kernel=system arch=x86_64\n"
	      "s execute=local kernel=system arch=x86_64\n",
	      f);
	fclose(f);
	CHECK(kh_load_default(&kh, &err) == 0);
	CHECK_STR(kh_find(&kh, "t")->kernel, "user");
	CHECK_STR(kh_find(&kh, "s")->kernel, "system");
	CHECK(strstr(kh_find(&kh, "s")->file, "sys"));
	kh_free(&kh);
	unsetenv("SYSTEMTAP_DIR");
	unsetenv("STAPAUTH_KNOWN_HOSTS_SYSTEM");
	free(err.s);
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

TEST(target_notes_find_the_gnu_build_id)
{
	unsigned char n[64] = {0};
	char hex[TARGET_BUILD_ID_MAX];

	/* a Xen note first (name "Xen", 8 bytes of desc), then GNU build-id */
	put32(n, 4), put32(n + 4, 8), put32(n + 8, 1), memcpy(n + 12, "Xen", 4);
	put32(n + 24, 4), put32(n + 28, 3), put32(n + 32, 3), memcpy(n + 36, "GNU", 4);
	memcpy(n + 40, "\xa3\xe4\xcd", 3);
	CHECK(target_notes_build_id(n, 44, hex) == 0);
	CHECK_STR(hex, "a3e4cd");
	CHECK(target_notes_build_id(n, 42, hex) < 0); /* truncated desc */
	put32(n + 28, 0xffffffffu);
	CHECK(target_notes_build_id(n, 44, hex) < 0);
}

TEST(target_facts_parse_checks_the_remote_text)
{
	struct target_facts f;
	const char *why = NULL;
	static const char ok[] = "release 6.1.0-57-amd64\nversion #1 SMP Debian\n"
				 "machine x86_64\nnotes 040000000300000003000000474e5500a3e4cd00\n"
				 "sig_enforce Y\nstapauth staprun.auth (stapauth) 0.1\n";
	struct strbuf d = {0};
	struct kh_record r;

	CHECK(target_facts_parse(ok, strlen(ok), &f, &why) == 0);
	CHECK_STR(f.build_id, "a3e4cd");
	CHECK_STR(f.stapauth, "0.1");
	CHECK(f.sig_enforce == KH_SIG_YES);
	CHECK(target_record_from_facts(&f, "vm", &r) == 0);
	CHECK(target_facts_compare(&r, &f, &d) == 0);
	snprintf(f.version, sizeof f.version, "#2 SMP Debian");
	CHECK(target_facts_compare(&r, &f, &d) == 1);
	CHECK_STR(d.s, "uname -v was '#1 SMP Debian', is now '#2 SMP Debian'");
	kh_record_free(&r);
	free(d.s);
	CHECK(target_facts_parse("release x\x01y\n", 11, &f, &why) < 0);
	CHECK(target_facts_parse("machine x\n", 10, &f, &why) < 0);
}
