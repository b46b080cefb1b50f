/* The cache key: labelled fields, content (not mtime) identity, the memo. */
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "translator/key.h"

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
		return;
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int sh(const char *cmd)
{
	return system(cmd);
}

/* A fake kernel build tree and runtime under the test folder. */
static void make_tree(const char *t)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "mkdir -p %s/kb/include/generated %s/rt/sub", t, t);
	sh(cmd);
	snprintf(cmd, sizeof cmd, "%s/kb", t);
	put(cmd, ".config", "CONFIG_X=y\nCONFIG_CC_VERSION_TEXT=\"cc (fake) 1.0\"\n");
	put(cmd, "Module.symvers", "0x1234\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
	put(cmd, "include/generated/utsrelease.h", "#define UTS_RELEASE \"9.9.9-test\"\n");
	snprintf(cmd, sizeof cmd, "%s/rt", t);
	put(cmd, "a.c", "int a;\n");
	put(cmd, "sub/b.h", "int b;\n");
}

static int compute(const char *t, const char *prog, const char *const *defs, size_t ndefs,
		   struct cache_key *k)
{
	char kb[512], rt[512];
	struct key_input in = {0};
	struct key_memo *m = key_memo_open(NULL);
	int r;

	snprintf(kb, sizeof kb, "%s/kb", t);
	snprintf(rt, sizeof rt, "%s/rt", t);
	in.program_text = prog;
	in.translator = "test";
	in.runtime_dir = rt;
	in.release = "9.9.9-test";
	in.arch = "x86_64";
	in.build_dir = kb;
	in.defines = defs;
	in.ndefines = ndefs;
	r = key_compute(&in, m, k);
	key_memo_free(m);
	return r;
}

TEST(file_digest_is_sha256)
{
	char hex[KEY_HEXLEN + 1];

	put(unit_tmpdir(), "f", "abc");
	char p[512];
	snprintf(p, sizeof p, "%s/f", unit_tmpdir());
	CHECK(key_file_digest(NULL, p, hex) == 0);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(same_inputs_same_key_and_modname)
{
	struct cache_key a, b;

	make_tree(unit_tmpdir());
	CHECK(compute(unit_tmpdir(), "probe begin {}\n", NULL, 0, &a) == 0);
	CHECK(compute(unit_tmpdir(), "probe begin {}\n", NULL, 0, &b) == 0);
	CHECK_STR(a.hex, b.hex);
	CHECK(strncmp(a.modname, "stap_", 5) == 0);
	CHECK(strlen(a.modname) == 5 + KEY_MODNAME_HEX && strlen(a.modname) <= 55);
	CHECK(strspn(a.modname + 5, "0123456789abcdef") == KEY_MODNAME_HEX);
	CHECK_STR(a.modname, b.modname);
	key_release(&a);
	key_release(&b);
}

TEST(every_field_changes_the_key)
{
	const char *d1[] = {"MAXACTION=10"}, *d2[] = {"MAXACTION=11"};
	const char *d3[] = {"A", "B"}, *d4[] = {"B", "A"}, *d5[] = {"A B"};
	struct cache_key base, k;
	char kb[512];

	make_tree(unit_tmpdir());
	snprintf(kb, sizeof kb, "%s/kb", unit_tmpdir());
	CHECK(compute(unit_tmpdir(), "p", NULL, 0, &base) == 0);
#define DIFFERS(prog, d, n)                                                                        \
	do {                                                                                       \
		CHECK(compute(unit_tmpdir(), prog, d, n, &k) == 0);                                \
		CHECK(strcmp(k.hex, base.hex) != 0);                                               \
		CHECK(strcmp(k.modname, base.modname) != 0);                                       \
		key_release(&k);                                                                   \
	} while (0)
#define REBASE(prog, d, n)                                                                         \
	do {                                                                                       \
		key_release(&base);                                                                \
		CHECK(compute(unit_tmpdir(), prog, d, n, &base) == 0);                             \
	} while (0)
	DIFFERS("q", NULL, 0);
	DIFFERS("p", d1, 1);
	REBASE("p", d1, 1);
	DIFFERS("p", d2, 1);
	REBASE("p", d3, 2);
	DIFFERS("p", d4, 2);
	DIFFERS("p", d5, 1);
	REBASE("p", NULL, 0);
	/* A rebuilt tree with the same release: new Module.symvers content. */
	put(kb, "Module.symvers", "0x5678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
	DIFFERS("p", NULL, 0);
	REBASE("p", NULL, 0);
	put(kb, ".config", "CONFIG_X=n\nCONFIG_CC_VERSION_TEXT=\"cc (fake) 1.0\"\n");
	DIFFERS("p", NULL, 0);
	REBASE("p", NULL, 0);
	char rt[512];
	snprintf(rt, sizeof rt, "%s/rt", unit_tmpdir());
	put(rt, "sub/b.h", "int b2;\n");
	DIFFERS("p", NULL, 0);
	key_release(&base);
}

TEST(mtime_and_location_do_not_change_the_key)
{
	struct cache_key a, b;
	char cmd[1024];
	const char *t = unit_tmpdir();

	make_tree(t);
	CHECK(compute(t, "p", NULL, 0, &a) == 0);
	snprintf(cmd, sizeof cmd,
		 "touch -d '2001-01-01' %s/kb/.config %s/kb/Module.symvers %s/rt/a.c", t, t, t);
	CHECK(sh(cmd) == 0);
	CHECK(compute(t, "p", NULL, 0, &b) == 0);
	CHECK_STR(a.hex, b.hex);
	key_release(&b);
	snprintf(cmd, sizeof cmd, "cp -a %s/kb %s/kb2 && rm -rf %s/kb && mv %s/kb2 %s/kb", t, t, t,
		 t, t);
	CHECK(sh(cmd) == 0);
	CHECK(compute(t, "p", NULL, 0, &b) == 0);
	CHECK_STR(a.hex, b.hex);
	key_release(&a);
	key_release(&b);
}

TEST(fields_are_printed)
{
	struct cache_key k;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	make_tree(unit_tmpdir());
	CHECK(compute(unit_tmpdir(), "p", NULL, 0, &k) == 0);
	f = open_memstream(&buf, &len);
	key_print(&k, f);
	fclose(f);
	CHECK(strstr(buf, "program: sha256:") && strstr(buf, "runtime: sha256:"));
	CHECK(strstr(buf, "kernel.symvers: sha256:") && strstr(buf, "kernel.config: sha256:"));
	CHECK(strstr(buf, "kernel.utsrelease: sha256:") && strstr(buf, "release: 9.9.9-test"));
	CHECK(strstr(buf, "compiler: cc (fake) 1.0") && strstr(buf, "euid: "));
	CHECK(strstr(buf, "arch: x86_64") && strstr(buf, "translator: test sha256:"));
	CHECK(strstr(buf, "key: ") && strstr(buf, k.hex));
	free(buf);
	key_release(&k);
}

TEST(memo_remembers_settled_files_only)
{
	char path[512], memo[512], hex[KEY_HEXLEN + 1], cmd[1100];
	struct key_memo *m;
	struct stat st;

	snprintf(path, sizeof path, "%s/f", unit_tmpdir());
	snprintf(memo, sizeof memo, "%s/memo", unit_tmpdir());
	put(unit_tmpdir(), "f", "abc");
	m = key_memo_open(memo);
	CHECK(key_file_digest(m, path, hex) == 0);
	CHECK(stat(path, &st) == 0);
	/* Just written: too fresh to remember. */
	CHECK(key_memo_get(m, "sha256", path, &st) == NULL);
	key_memo_free(m);
	/* Age it (ctime cannot be set back, so make the memo see an old file). */
	snprintf(cmd, sizeof cmd, "touch -d '2001-01-01' %s", path);
	CHECK(sh(cmd) == 0);
	sleep(3);
	CHECK(stat(path, &st) == 0);
	m = key_memo_open(memo);
	CHECK(key_file_digest(m, path, hex) == 0);
	CHECK(key_memo_get(m, "sha256", path, &st) != NULL);
	CHECK(key_memo_save(m) == 0);
	key_memo_free(m);
	m = key_memo_open(memo);
	CHECK(key_memo_get(m, "sha256", path, &st) != NULL);
	CHECK_STR(key_memo_get(m, "sha256", path, &st),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* A memo others could have written is ignored. */
	key_memo_free(m);
	CHECK(chmod(memo, 0666) == 0);
	m = key_memo_open(memo);
	CHECK(key_memo_get(m, "sha256", path, &st) == NULL);
	key_memo_free(m);
	CHECK(chmod(memo, 0600) == 0);
	m = key_memo_open(memo);
	CHECK(key_memo_get(m, "sha256", path, &st) != NULL);
	/* Any change of the file gives a new identity: no stale answer. */
	put(unit_tmpdir(), "f", "abd");
	CHECK(stat(path, &st) == 0);
	CHECK(key_memo_get(m, "sha256", path, &st) == NULL);
	CHECK(key_file_digest(m, path, hex) == 0);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0);
	key_memo_free(m);
}
