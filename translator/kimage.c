/* Open the vmlinux inside a bzImage.  libdwelf finds and inflates gzip, bzip2,
 * xz and zstd payloads; an LZ4 one (Debian's -cloud-amd64) is done here with
 * liblz4, so stap reads that kernel's BTF too.
 *
 * The kernel's LZ4 payload is the legacy frame (`lz4 -l`), then the 4-byte
 * little-endian size of vmlinux that the kernel's Makefile appends:
 *
 *   +------------+---------+-------------+---------+-------------+-- - -+------+
 *   | 02 21 4C 18| size n1 | n1 bytes of | size n2 | n2 bytes ... |     | size |
 *   | (magic)    | (le32)  | LZ4 block   | (le32)  |             |     |      |
 *   +------------+---------+-------------+---------+-------------+-- - -+------+
 *
 * Each block inflates to at most 8 MiB; a block size equal to the magic
 * starts another stream; the stream ends at the first size that does not
 * fit what is left (the appended vmlinux size) or at the end. */
#include "translator/kimage.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/readfile.h"

#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u << 20)
#define KIMAGE_MAX (512u << 20) /* bound on the vmlinux we inflate */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const unsigned char *lz4_find(const unsigned char *img, size_t len)
{
	static const unsigned char magic[4] = {0x02, 0x21, 0x4c, 0x18};

	for (size_t i = 0; i + 8 <= len; i++)
		if (!memcmp(img + i, magic, 4))
			return img + i;
	return NULL;
}

/* One block at in[0..n) appended to *out; 0, or -1 when it does not inflate. */
static int lz4_block(const unsigned char *in, uint32_t n, unsigned char **out, size_t *outlen,
		     size_t *cap)
{
	int got;

	if (*outlen + LZ4_LEGACY_BLOCK > KIMAGE_MAX)
		return -1;
	if (*cap < *outlen + LZ4_LEGACY_BLOCK) {
		size_t c = *cap ? *cap * 2 : 4 * LZ4_LEGACY_BLOCK;
		unsigned char *p;

		while (c < *outlen + LZ4_LEGACY_BLOCK)
			c *= 2;
		if (!(p = realloc(*out, c)))
			return -1;
		*out = p;
		*cap = c;
	}
	got = LZ4_decompress_safe((const char *)in, (char *)*out + *outlen, (int)n,
				  (int)LZ4_LEGACY_BLOCK);
	if (got < 0)
		return -1;
	*outlen += (size_t)got;
	return 0;
}

int kimage_unlz4(const unsigned char *img, size_t len, unsigned char **out, size_t *outlen)
{
	const unsigned char *p = lz4_find(img, len), *end = img + len;
	size_t cap = 0;

	*out = NULL;
	*outlen = 0;
	if (!p)
		return -1;
	p += 4;
	while (end - p >= 4) {
		uint32_t n = le32(p);

		p += 4;
		if (n == LZ4_LEGACY_MAGIC)
			continue;
		if (n == 0 || n > (size_t)(end - p) || n > LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK))
			break;
		if (lz4_block(p, n, out, outlen, &cap) < 0)
			break;
		p += n;
	}
	if (*outlen == 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int kimage_open(const char *path, struct kimage *k, char *why, size_t n)
{
	unsigned char *img = NULL;
	size_t len = 0, vlen = 0;
	int r;

	memset(k, 0, sizeof *k);
	k->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	k->elf = dwelf_elf_begin(k->fd);
	if (k->elf && elf_kind(k->elf) == ELF_K_ELF)
		return 0;
	if (k->elf)
		elf_end(k->elf);
	k->elf = NULL;
	r = readfile_path(path, KIMAGE_MAX, &img, &len);
	if (r == 0)
		r = kimage_unlz4(img, len, &k->buf, &vlen);
	free(img);
	if (r == 0)
		k->elf = elf_memory((char *)k->buf, vlen);
	if (!k->elf || elf_kind(k->elf) != ELF_K_ELF) {
		snprintf(why, n, "%s: not a kernel image libdwelf or liblz4 can read", path);
		return -1;
	}
	return 0;
}

void kimage_close(struct kimage *k)
{
	if (k->elf)
		elf_end(k->elf);
	if (k->fd >= 0)
		close(k->fd);
	free(k->buf);
	memset(k, 0, sizeof *k);
	k->fd = -1;
}
