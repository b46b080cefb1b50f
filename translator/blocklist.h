/* Kernel functions stap refuses to probe (blocklist.c). */
#ifndef TRANSLATOR_BLOCKLIST_H
#define TRANSLATOR_BLOCKLIST_H

#include <stddef.h>

#define BLOCKLIST_PATH "/sys/kernel/debug/kprobes/blacklist"
#define BLOCKLIST_MAX 200000 /* entries kept from the kernel's list */

/* The kernel's kprobe blacklist, names sorted. */
struct blocklist {
	char **names;
	size_t n;
};

/* Add the names of "0xSTART-0xEND\tNAME" lines.  0, or -1 on ENOMEM. */
int blocklist_parse(struct blocklist *b, const char *text, size_t len);
/* Add the names listed in the kernel's file at path, when readable. */
void blocklist_load(struct blocklist *b, const char *path);
void blocklist_free(struct blocklist *b);
/* Why fn must not get a kprobe (ret: a .return probe), or NULL when it may.
 * b may be NULL (the built-in list only). */
const char *blocklist_why(const struct blocklist *b, const char *fn, int ret);

#endif
