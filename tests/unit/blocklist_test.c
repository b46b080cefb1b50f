/* translator/blocklist.c: the kernel's kprobe blacklist format and the
 * built-in list. */
#include <stdlib.h>

#include "tests/unit/unit.h"
#include "translator/blocklist.h"

TEST(blocklist_parses_kernel_lines)
{
	static const char text[] = "0xffffffff81001000-0xffffffff81001040\tfoo_fn\n"
				   "0xffffffff81002000-0xffffffff81002010\tbar_fn [ext4]\n"
				   "garbage without a tab\n"
				   "0x1-0x2\tafter_garbage";
	struct blocklist b = {0};
	CHECK(blocklist_parse(&b, text, sizeof(text) - 1) == 0);
	CHECK(b.n == 3);
	CHECK(blocklist_why(&b, "foo_fn", 0) != NULL);
	CHECK(blocklist_why(&b, "bar_fn", 0) != NULL);
	CHECK(blocklist_why(&b, "after_garbage", 1) != NULL);
	CHECK(blocklist_why(&b, "foo_fn_not", 0) == NULL);
	blocklist_free(&b);
	CHECK(b.n == 0);
}

TEST(blocklist_builtin_rules)
{
	CHECK(blocklist_why(NULL, "do_int3", 0) != NULL);
	CHECK(blocklist_why(NULL, "kprobe_flush_task", 0) != NULL);
	CHECK(blocklist_why(NULL, "_raw_spin_lock_irqsave", 0) != NULL);
	CHECK(blocklist_why(NULL, "vfs_read", 0) == NULL);
	/* never-returning functions: only their .return is refused */
	CHECK(blocklist_why(NULL, "do_exit", 0) == NULL);
	CHECK(blocklist_why(NULL, "do_exit", 1) != NULL);
}

TEST(blocklist_load_missing_file_is_empty)
{
	struct blocklist b = {0};
	blocklist_load(&b, unit_path("nope"));
	CHECK(b.n == 0);
	blocklist_free(&b);
}
