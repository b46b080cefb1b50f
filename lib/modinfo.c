#include "lib/modinfo.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"

/* In struct module: enum state (4), padding (4), list_head (16), name[56]. */
#define THIS_MODULE_NAME_OFF 24
#define THIS_MODULE_NAME_LEN 56

static int kv_add(struct modinfo *mi, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	struct modinfo_kv *kv;

	if (!eq)
		return 0; /* not a key=value string: ignored, as modinfo(8) does */
	if (array_grow(&mi->kv, &mi->kv_cap, mi->nkv, sizeof *mi->kv, 16) < 0)
		return -ENOMEM;
	kv = mi->kv;
	kv[mi->nkv].key = strndup(s, (size_t)(eq - s));
	kv[mi->nkv].value = strndup(eq + 1, n - (size_t)(eq - s) - 1);
	mi->nkv++;
	if (!kv[mi->nkv - 1].key || !kv[mi->nkv - 1].value)
		return -ENOMEM;
	return 0;
}

static struct modinfo_parm *parm_get(struct modinfo *mi, const char *name, size_t n)
{
	struct modinfo_parm *p;

	for (size_t i = 0; i < mi->nparms; i++)
		if (strlen(mi->parms[i].name) == n && !memcmp(mi->parms[i].name, name, n))
			return &mi->parms[i];
	if (array_grow(&mi->parms, &mi->parms_cap, mi->nparms, sizeof *mi->parms, 8) < 0)
		return NULL;
	p = &mi->parms[mi->nparms];
	memset(p, 0, sizeof *p);
	p->name = strndup(name, n);
	if (!p->name)
		return NULL;
	mi->nparms++;
	return p;
}

/* "parm=NAME:description" and "parmtype=NAME:type". */
static int parms_collect(struct modinfo *mi)
{
	for (size_t i = 0; i < mi->nkv; i++) {
		int is_type = !strcmp(mi->kv[i].key, "parmtype");
		const char *v = mi->kv[i].value, *colon;
		struct modinfo_parm *p;

		if (!is_type && strcmp(mi->kv[i].key, "parm") != 0)
			continue;
		colon = strchr(v, ':');
		if (!colon || colon == v)
			continue;
		p = parm_get(mi, v, (size_t)(colon - v));
		if (!p)
			return -ENOMEM;
		if (is_type && !p->type)
			p->type = strdup(colon + 1);
		else if (!is_type && !p->desc)
			p->desc = strdup(colon + 1);
		if ((is_type && !p->type) || (!is_type && !p->desc))
			return -ENOMEM;
	}
	return 0;
}

static int modinfo_section(struct modinfo *mi, const unsigned char *base, size_t len,
			   const GElf_Shdr *sh, const char **why)
{
	const char *s = (const char *)base + sh->sh_offset;
	size_t n = sh->sh_size, i = 0;

	while (i < n) {
		size_t l = strnlen(s + i, n - i);
		int r;

		if (i + l == n) {
			*why = ".modinfo is not NUL-terminated";
			return -EBADMSG;
		}
		if (l > 5 && !memcmp(s + i, "name=", 5)) {
			mi->modinfo_name_off = sh->sh_offset + i + 5;
			mi->modinfo_name_len = l - 5;
		}
		r = kv_add(mi, s + i, l);
		if (r < 0)
			return r;
		i += l + 1;
	}
	(void)len;
	return 0;
}

/* __versions: struct modversion_info { unsigned long crc; char name[56]; }
 * on 64-bit, little-endian here (x86-64):
 *
 *   +----------------+---------------------------------------------+
 *   | crc (8 bytes)  | name, NUL-terminated, NUL-padded (56 bytes) |  x n
 *   +----------------+---------------------------------------------+
 *
 * An entry whose name is not terminated makes the section unusable. */
#define MODVERSION_SIZE 64

static int versions_section(struct modinfo *mi, const unsigned char *base, const GElf_Shdr *sh,
			    const char **why)
{
	size_t n = sh->sh_size / MODVERSION_SIZE;

	if (sh->sh_size % MODVERSION_SIZE) {
		*why = "__versions is not a whole number of entries";
		return -EBADMSG;
	}
	free(mi->crcs);
	mi->ncrcs = 0;
	mi->crcs = calloc(n ? n : 1, sizeof *mi->crcs);
	if (!mi->crcs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *e = base + sh->sh_offset + i * MODVERSION_SIZE;
		size_t l = strnlen((const char *)e + 8, MODINFO_CRC_NAME_MAX + 1);
		unsigned long crc = 0;

		if (l == 0 || l > MODINFO_CRC_NAME_MAX) {
			*why = "__versions has an entry without a valid name";
			return -EBADMSG;
		}
		for (int b = 7; b >= 0; b--)
			crc = crc << 8 | e[b];
		mi->crcs[i].crc = crc;
		memcpy(mi->crcs[i].name, e + 8, l);
		mi->ncrcs++;
	}
	return 0;
}

static void this_module_section(struct modinfo *mi, const unsigned char *base, const GElf_Shdr *sh)
{
	const char *name = (const char *)base + sh->sh_offset + THIS_MODULE_NAME_OFF;

	if (sh->sh_size < THIS_MODULE_NAME_OFF + THIS_MODULE_NAME_LEN)
		return;
	if (strnlen(name, THIS_MODULE_NAME_LEN) == THIS_MODULE_NAME_LEN)
		return;
	mi->this_module_name_off = sh->sh_offset + THIS_MODULE_NAME_OFF;
}

static int sections_walk(Elf *elf, struct modinfo *mi, const unsigned char *base, size_t len,
			 const char **why)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int found = 0;

	if (elf_getshdrstrndx(elf, &shstrndx) < 0) {
		*why = "no section name table";
		return -ENOEXEC;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *nm;

		if (!gelf_getshdr(scn, &sh) || !(nm = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (sh.sh_type == SHT_NOBITS || sh.sh_offset > len ||
		    sh.sh_size > len - sh.sh_offset)
			continue;
		if (!strcmp(nm, ".modinfo")) {
			int r = modinfo_section(mi, base, len, &sh, why);
			if (r < 0)
				return r;
			found = 1;
		} else if (!strcmp(nm, ".gnu.linkonce.this_module")) {
			this_module_section(mi, base, &sh);
		} else if (!strcmp(nm, "__versions")) {
			int r = versions_section(mi, base, &sh, why);
			if (r < 0)
				return r;
		}
	}
	if (!found) {
		*why = "no .modinfo section: not a kernel module";
		return -ENOEXEC;
	}
	return 0;
}

int modinfo_read(const void *buf, size_t len, struct modinfo *mi, const char **why)
{
	unsigned char *copy;
	Elf *elf;
	int r;

	memset(mi, 0, sizeof *mi);
	*why = NULL;
	elf_version(EV_CURRENT);
	/* libelf may convert a foreign-endian image in place: give it a copy. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	elf = elf_memory((char *)copy, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		*why = "not an ELF file";
		r = -ENOEXEC;
	} else {
		GElf_Ehdr eh;
		if (!gelf_getehdr(elf, &eh) || eh.e_type != ET_REL) {
			*why = "not an ELF relocatable object";
			r = -ENOEXEC;
		} else {
			r = sections_walk(elf, mi, copy, len, why);
		}
	}
	if (elf)
		elf_end(elf);
	free(copy);
	if (r == 0)
		r = parms_collect(mi);
	if (r == 0) {
		mi->name = modinfo_get(mi, "name");
		if (!mi->name && mi->this_module_name_off)
			mi->name = (const char *)buf + mi->this_module_name_off;
		mi->vermagic = modinfo_get(mi, "vermagic");
		mi->license = modinfo_get(mi, "license");
	}
	if (r == -ENOMEM)
		*why = "out of memory";
	return r;
}

void modinfo_free(struct modinfo *mi)
{
	for (size_t i = 0; i < mi->nkv; i++) {
		free(mi->kv[i].key);
		free(mi->kv[i].value);
	}
	for (size_t i = 0; i < mi->nparms; i++) {
		free(mi->parms[i].name);
		free(mi->parms[i].type);
		free(mi->parms[i].desc);
	}
	free(mi->kv);
	free(mi->parms);
	free(mi->crcs);
	memset(mi, 0, sizeof *mi);
}

const char *modinfo_get(const struct modinfo *mi, const char *key)
{
	for (size_t i = 0; i < mi->nkv; i++)
		if (!strcmp(mi->kv[i].key, key))
			return mi->kv[i].value;
	return NULL;
}

const struct modinfo_parm *modinfo_parm(const struct modinfo *mi, const char *name)
{
	for (size_t i = 0; i < mi->nparms; i++)
		if (!strcmp(mi->parms[i].name, name))
			return &mi->parms[i];
	return NULL;
}
