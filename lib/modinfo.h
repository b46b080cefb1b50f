/* A kernel module's .modinfo, read from a module held in memory (libelf). */
#ifndef LIB_MODINFO_H
#define LIB_MODINFO_H

#include <stddef.h>

#define MODINFO_CRC_NAME_MAX 55 /* struct modversion_info: 8-byte crc, char[56] */

struct modinfo_kv {
	char *key;
	char *value;
};

struct modinfo_parm {
	char *name;
	char *type; /* from parmtype=, or NULL */
	char *desc; /* from parm=, or NULL */
};

struct modinfo_crc {
	unsigned long crc;
	char name[MODINFO_CRC_NAME_MAX + 1];
};

struct modinfo {
	struct modinfo_kv *kv; /* every key=value, in file order */
	size_t nkv, kv_cap;
	struct modinfo_parm *parms; /* every declared parameter */
	size_t nparms, parms_cap;
	const char *name;     /* "name" key, or the this_module name */
	const char *vermagic; /* NULL when absent */
	const char *license;  /* NULL when absent */
	/* File offset of the module name inside .gnu.linkonce.this_module and
	 * of the value of "name=" inside .modinfo (0 when absent), so a loader
	 * can rename an in-memory copy. */
	size_t this_module_name_off;
	size_t modinfo_name_off;
	size_t modinfo_name_len;
	/* __versions (CONFIG_MODVERSIONS): the CRC modpost recorded for each
	 * symbol the module imports, as built; NULL/0 when absent. */
	struct modinfo_crc *crcs;
	size_t ncrcs;
};

#define MODINFO_NAME_MAX 55 /* MODULE_NAME_LEN - 1 on 64-bit */

/* Parse buf (an ELF relocatable module).  0, or -EBADMSG / -ENOEXEC with
 * *why set.  Free with modinfo_free even after an error. */
int modinfo_read(const void *buf, size_t len, struct modinfo *mi, const char **why);
void modinfo_free(struct modinfo *mi);
/* First value for key, or NULL. */
const char *modinfo_get(const struct modinfo *mi, const char *key);
/* The declared parameter called name, or NULL. */
const struct modinfo_parm *modinfo_parm(const struct modinfo *mi, const char *name);

#endif
