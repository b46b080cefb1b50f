/* libFuzzer target: a target's BTF copy (stap-target add fetches it from
 * the target, so its bytes are the target's to choose), read as stap -T
 * reads it (from a file: readfile refuses symlinks such as /proc/self/fd):
 * the function records for probe resolution, then member and parameter
 * walks and a cast for types.  Also kimage_unlz4 (an LZ4 kernel image). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "translator/kimage.h"
#include "translator/session.h"
#include "translator/symbols_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct stap_kernel *k)
{
	struct btf_access out;
	char why[256];
	struct kbtf *h = kbtf_open(k, why, sizeof why);

	if (!h)
		return;
	kbtf_access(h, "vfs_read", "file", "->f_inode->i_ino", &out, why, sizeof why);
	kbtf_access(h, "a", "b", "->c->d[1]->e", &out, why, sizeof why);
	kbtf_cast(h, "task_struct", "->pid", &out, why, sizeof why);
	kbtf_cast(h, "a", "->b->c", &out, why, sizeof why);
	kbtf_close(h);
}

static char path[] = "/tmp/stapauth-btf-fuzz.XXXXXX";

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stap_kernel k = {.btf_file = path, .release = "fuzz"};
	struct sym_table t = {0};
	static int fd = -1;

	if (fd < 0) {
		if ((fd = mkstemp(path)) < 0)
			return 0;
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (btf_file_funcs(path, &t) == 0)
		for (size_t i = 0; i < t.n; i++)
			if (!t.v[i].name)
				__builtin_trap();
	symbols_free(&t);
	walk(&k);
	{ /* the same bytes as an LZ4 kernel image (kimage.c) */
		unsigned char *out = NULL;
		size_t outlen = 0;

		if (kimage_unlz4(data, size, &out, &outlen) == 0 && (!out || !outlen))
			__builtin_trap();
		free(out);
	}
	return 0;
}
