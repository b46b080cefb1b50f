/* translator/kimage.c: the vmlinux inside an LZ4 (legacy frame) bzImage, as
 * Debian's -cloud-amd64 kernel ships it. */
#include "translator/kimage.h"
#include "tests/unit/unit.h"

#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* "setup code" + magic + (size, block) per chunk + the appended size. */
static size_t make_image(unsigned char *img, size_t cap, const unsigned char *data, size_t len,
			 size_t chunk)
{
	size_t o = 0;

	memset(img, 0xcc, 64);
	o = 64;
	put_le32(img + o, 0x184C2102u);
	o += 4;
	for (size_t i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;
		int c = LZ4_compress_default((const char *)data + i, (char *)img + o + 4, (int)n,
					     (int)(cap - o - 8));
		if (c <= 0)
			return 0;
		put_le32(img + o, (uint32_t)c);
		o += 4 + (size_t)c;
	}
	put_le32(img + o, (uint32_t)len);
	return o + 4;
}

TEST(kimage_unlz4_inflates_the_legacy_frame)
{
	size_t len = 3u << 20, cap = len + (1u << 20), ilen, outlen;
	unsigned char *data = malloc(len), *img = malloc(cap), *out;

	CHECK(data && img);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i % 251 ^ i >> 12);
	/* two blocks of 2 MiB and 1 MiB (the kernel's are 8 MiB) */
	ilen = make_image(img, cap, data, len, 2u << 20);
	CHECK(ilen > 0);
	CHECK(kimage_unlz4(img, ilen, &out, &outlen) == 0);
	CHECK(outlen == len && !memcmp(out, data, len));
	free(out);
	/* no magic: nothing */
	CHECK(kimage_unlz4(img + 68, ilen - 68, &out, &outlen) == -1 && out == NULL);
	/* a corrupt first block: nothing */
	img[64 + 8 + 5] ^= 0xff;
	img[64 + 4] = 0xff;
	CHECK(kimage_unlz4(img, ilen, &out, &outlen) == -1 || outlen < len);
	free(out);
	free(data);
	free(img);
}
