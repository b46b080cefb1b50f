/* A kernel image (/boot/vmlinuz-REL) opened as the vmlinux ELF inside it. */
#ifndef TRANSLATOR_KIMAGE_H
#define TRANSLATOR_KIMAGE_H

#include <libelf.h>
#include <stddef.h>

struct kimage {
	Elf *elf;
	int fd;
	unsigned char *buf; /* the decompressed vmlinux when we did it */
};

/* libdwelf's decompressors (gzip, bzip2, xz, zstd), then LZ4's legacy
 * format, which Debian's -cloud-amd64 kernel uses and libdwelf does not
 * read.  0, or -1 with why set.  kimage_close in both cases. */
int kimage_open(const char *path, struct kimage *k, char *why, size_t n);
void kimage_close(struct kimage *k);
/* Decompress an LZ4 legacy stream found in img (exposed for the unit test
 * and the fuzz target).  0 with *out (malloc'd) and *outlen, or -1. */
int kimage_unlz4(const unsigned char *img, size_t len, unsigned char **out, size_t *outlen);

#endif
