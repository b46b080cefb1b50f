/* The tapset index (translator/tapset_index.c): what the quick scan finds at
 * a file's top level, what it must skip, lookups, alias matching and the
 * folder walk. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/unit.h"
#include "translator/tapset.h"

static int scan(struct tapset_index *ix, size_t file, const char *text)
{
	return tapset_index_scan(ix, file, text, strlen(text));
}

static int has_alias(const struct tapset_index *ix, const char *name, size_t file)
{
	for (size_t i = 0; i < ix->naliases; i++)
		if (strcmp(ix->aliases[i].name, name) == 0 && ix->aliases[i].file == file)
			return 1;
	return 0;
}

TEST(index_functions_and_aliases)
{
	struct tapset_index ix = {0};
	CHECK(scan(&ix, 0,
		   "// lib\nfunction f1:long(a:long) { return a }\n"
		   "private function f2() %{ /* pure */ %}\n"
		   "function\n  f3 (x) { if (x) { function_not(); } }\n"
		   "probe a.b = kernel.function(\"x\") { name = \"b\" }\n"
		   "probe a.c.return, a.d += kernel.function(\"y\").return ? { }\n"
		   "probe begin { probe_not = 1 }\n") == 0);
	CHECK(scan(&ix, 1, "function g() { }\n") == 0);
	tapset_index_sort(&ix);
	CHECK(ix.nfuncs == 4);
	CHECK(tapset_index_func(&ix, "f1") == 0);
	CHECK(tapset_index_func(&ix, "f2") == 0);
	CHECK(tapset_index_func(&ix, "f3") == 0);
	CHECK(tapset_index_func(&ix, "g") == 1);
	CHECK(tapset_index_func(&ix, "function_not") == -1);
	CHECK(tapset_index_func(&ix, "zz") == -1);
	CHECK(ix.naliases == 3);
	CHECK(has_alias(&ix, "a.b", 0));
	CHECK(has_alias(&ix, "a.c.return", 0));
	CHECK(has_alias(&ix, "a.d", 0));
	tapset_index_free(&ix);
}

/* Comments, strings, embedded C and braces hide what looks like a definition. */
TEST(index_skips_what_is_not_top_level)
{
	struct tapset_index ix = {0};
	CHECK(scan(&ix, 0,
		   "# function c1() {}\n// function c2() {}\n/* function c3() {} */\n"
		   "%{ function c4() {} probe c.e = begin {} %}\n"
		   "probe begin { s = \"function c5() {}\" }\n"
		   "function ok() { x = \"}\"; probe_x = 1 }\n"
		   "function ok2() { %{ } %} }\n"
		   "probe y.z = begin { }\n") == 0);
	tapset_index_sort(&ix);
	CHECK(ix.nfuncs == 2);
	CHECK(tapset_index_func(&ix, "ok") == 0);
	CHECK(tapset_index_func(&ix, "ok2") == 0);
	CHECK(ix.naliases == 1);
	CHECK(has_alias(&ix, "y.z", 0));
	tapset_index_free(&ix);
}

/* Unfinished input ends the scan without reading past it. */
TEST(index_truncated_input)
{
	static const char *const cuts[] = {
	    "function", "probe a.b",	  "probe a(\"x", "/* x",	 "%{ x",
	    "\"abc",	"function f() {", "probe a.b +", "probe a.b ==",
	};
	struct tapset_index ix = {0};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(*cuts); i++)
		CHECK(scan(&ix, i, cuts[i]) == 0);
	CHECK(ix.naliases == 0);
	tapset_index_free(&ix);
}

/* The first file defining a name wins (the -I folders come first). */
TEST(index_first_definition_wins)
{
	struct tapset_index ix = {0};
	CHECK(scan(&ix, 0, "function same() {}") == 0);
	CHECK(scan(&ix, 1, "function same() {}") == 0);
	CHECK(scan(&ix, 2, "function other() {} function same() {}") == 0);
	tapset_index_sort(&ix);
	CHECK(tapset_index_func(&ix, "same") == 0);
	CHECK(tapset_index_func(&ix, "other") == 2);
	tapset_index_free(&ix);
}

static struct stap_pp_spec *spec(const char *a, const char *b, const char *c, int arg)
{
	static struct stap_pp_comp comps[3];
	static struct stap_pp_spec sp;
	const char *names[3] = {a, b, c};
	memset(comps, 0, sizeof(comps));
	sp.comps = comps;
	sp.ncomps = 0;
	for (int i = 0; i < 3 && names[i]; i++) {
		comps[i].name = (char *)names[i];
		sp.ncomps++;
	}
	comps[sp.ncomps - 1].has_arg = arg;
	return &sp;
}

TEST(alias_matching)
{
	CHECK(tapset_alias_matches("syscall.open", spec("syscall", "open", NULL, 0)));
	CHECK(tapset_alias_matches("syscall.open", spec("syscall", "*", NULL, 0)));
	CHECK(tapset_alias_matches("syscall.open", spec("sys*", "o*n", NULL, 0)));
	CHECK(!tapset_alias_matches("syscall.open", spec("syscall", "openat", NULL, 0)));
	CHECK(!tapset_alias_matches("syscall.open.return", spec("syscall", "*", NULL, 0)));
	CHECK(tapset_alias_matches("syscall.open.return", spec("syscall", "*", "return", 0)));
	CHECK(!tapset_alias_matches("syscall.open", spec("syscall", "*", "return", 0)));
	CHECK(tapset_alias_matches("a.f(\"x.y\")", spec("a", "f", NULL, 1)));
	CHECK(!tapset_alias_matches("a.f(\"x.y\")", spec("a", "f", NULL, 0)));
	CHECK(!tapset_alias_matches("a.f", spec("a", "f", NULL, 1)));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(index_folder_walk)
{
	struct tapset_index ix = {0};
	char why[256];
	mkdir(unit_path("lib"), 0755);
	mkdir(unit_path("lib/sub"), 0755);
	write_file(unit_path("lib/b.stp"), "function fb() {}");
	write_file(unit_path("lib/a.stp"), "function fa() {}");
	write_file(unit_path("lib/sub/c.stp"), "probe c.d = begin {}");
	write_file(unit_path("lib/notes.txt"), "function fx() {}");
	CHECK(tapset_index_add_dir(&ix, unit_path("lib"), "tapset", why, sizeof(why)) == 0);
	tapset_index_sort(&ix);
	CHECK(ix.nfiles == 3);
	CHECK_STR(ix.files[0].display, "tapset/a.stp");
	CHECK_STR(ix.files[1].display, "tapset/b.stp");
	CHECK_STR(ix.files[2].display, "tapset/sub/c.stp");
	CHECK(tapset_index_func(&ix, "fa") == 0);
	CHECK(tapset_index_func(&ix, "fb") == 1);
	CHECK(tapset_index_func(&ix, "fx") == -1);
	CHECK(has_alias(&ix, "c.d", 2));
	tapset_index_free(&ix);
	CHECK(tapset_index_add_dir(&ix, unit_path("nosuch"), "x", why, sizeof(why)) < 0);
	CHECK(strstr(why, "nosuch") != NULL);
	tapset_index_free(&ix);
}
