/* Internals shared by symbols.c (the symbol table and its sources), btf.c
 * (the kernel's BTF) and symcache.c (the per-user cache of both). */
#ifndef TRANSLATOR_SYMBOLS_INT_H
#define TRANSLATOR_SYMBOLS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "translator/front_int.h"

/* symbols.c: append one entry (aborts when out of memory); sort and drop
 * duplicates; whether a name is a probe target (not a compiler clone). */
struct sym *sym_slot(struct sym_table *t);
void sym_add(struct sym_table *t, const char *name, size_t len, uint64_t addr, uint64_t offset,
	     const char *proto);
void sym_finish(struct sym_table *t);
int sym_name_ok(const char *s, size_t n);

/* btf.c: the function records of a raw BTF file (a -T target's copy).  0
 * or -1. */
int btf_file_funcs(const char *path, struct sym_table *t);
/* btf.c: the function records of the .BTF section of vmlinuz (decompressed
 * by libdwelf) into t; *raw gets a copy of the section for the cache (may
 * stay NULL).  0, or -1 with why set. */
int btf_vmlinuz_funcs(const char *path, struct sym_table *t, unsigned char **raw, size_t *rawlen,
		      char *why, size_t n);

/* symcache.c: ~/.systemtap/symbols/kernel-REL.SUFFIX, or NULL. */
char *symcache_path(const char *release, const char *suffix);
/* The cached function list, if it was made from this image.  0 or -1. */
int symcache_read(const char *path, const struct stat *img, struct sym_table *t);
void symcache_write(const char *path, const struct stat *img, const struct sym_table *t);
void symcache_write_btf(const struct stap_kernel *k, const struct stat *img,
			const unsigned char *raw, size_t len);

#endif
