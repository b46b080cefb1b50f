/* Function symbols of probe targets: the target kernel (a real System.map,
 * else the function records of the .BTF section inside its vmlinuz (btf.c),
 * cached per user (symcache.c), else the exports in Module.symvers), its
 * modules' symtabs, and user-space ELF files.  Never the build machine's
 * running kernel unless it is the target. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/readfile.h"
#include "translator/front_int.h"
#include "translator/symbols_int.h"

struct sym *sym_slot(struct sym_table *t)
{
	if (array_grow(&t->v, &t->cap, t->n, sizeof(*t->v), 1024) < 0)
		abort();
	return &t->v[t->n++];
}

void sym_add(struct sym_table *t, const char *name, size_t len, uint64_t addr, uint64_t offset,
	     const char *proto)
{
	struct sym *s = sym_slot(t);
	s->name = strndup(name, len);
	s->proto = proto ? strdup(proto) : NULL;
	if (!s->name)
		abort();
	s->addr = addr;
	s->offset = offset;
}

static int sym_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sym *)a)->name, ((const struct sym *)b)->name);
}

void sym_finish(struct sym_table *t)
{
	size_t w = 0, r;
	if (!t->n)
		return;
	for (r = 1; r < t->n && strcmp(t->v[r - 1].name, t->v[r].name) < 0; r++)
		;
	if (r == t->n)
		return; /* sorted and unique already (the symbol cache is) */
	qsort(t->v, t->n, sizeof(*t->v), sym_cmp);
	for (r = 1; r < t->n; r++) {
		if (strcmp(t->v[r].name, t->v[w].name) == 0) {
			if (!t->blob) {
				free(t->v[r].name);
				free(t->v[r].proto);
			}
			continue;
		}
		t->v[++w] = t->v[r];
	}
	t->n = w + 1;
}

void symbols_free(struct sym_table *t)
{
	for (size_t i = 0; !t->blob && i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].proto);
	}
	free(t->v);
	free(t->blob);
	memset(t, 0, sizeof(*t));
}

/* Compiler-made clones (foo.isra.0, foo.cold) are not probe targets. */
int sym_name_ok(const char *s, size_t n)
{
	return n > 0 && !memchr(s, '.', n) && strncmp(s, "__pfx_", 6) != 0;
}

static int symbols_system_map(const char *path, struct sym_table *t)
{
	FILE *f = fopen(path, "r");
	char line[1024], type, name[512];
	unsigned long long addr;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %511s", &addr, &type, name) == 3 &&
		    strchr("TtWw", type) && sym_name_ok(name, strlen(name)))
			sym_add(t, name, strlen(name), addr, 0, NULL);
	fclose(f);
	t->source = "System.map";
	return 0;
}

/* Exported vmlinux symbols: "0xCRC\tname\tvmlinux\tEXPORT_SYMBOL\t..." */
static int symbols_symvers(const char *build, struct sym_table *t)
{
	char path[4096], line[1024], name[512], mod[512];
	unsigned long crc;
	snprintf(path, sizeof(path), "%s/Module.symvers", build);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %511s %511s", &crc, name, mod) == 3 &&
		    strcmp(mod, "vmlinux") == 0)
			sym_add(t, name, strlen(name), 0, 0, NULL);
	fclose(f);
	t->source = "Module.symvers (exported symbols only)";
	return 0;
}

int symbols_kernel(const struct stap_kernel *k, struct sym_table *t, char *why, size_t whylen)
{
	struct stat img;
	memset(t, 0, sizeof(*t));
	if (k->btf_file) { /* a -T target's own kernel: nothing of this machine's */
		t->source = "the target's BTF";
		if (btf_file_funcs(k->btf_file, t) == 0 && t->n) {
			sym_finish(t);
			return 0;
		}
		symbols_free(t);
		snprintf(why, whylen, "no functions in %s", k->btf_file);
		return -1;
	}
	if (k->system_map && symbols_system_map(k->system_map, t) == 0 && t->n) {
		sym_finish(t);
		return 0;
	}
	if (k->vmlinuz && stat(k->vmlinuz, &img) == 0) {
		char *cache = symcache_path(k->release, "funcs");
		t->source = "the kernel's BTF";
		if (cache && symcache_read(cache, &img, t) == 0) {
			free(cache);
			sym_finish(t);
			return 0;
		}
		symbols_free(t);
		t->source = "the kernel's BTF";
		unsigned char *raw = NULL;
		size_t rawlen = 0;
		if (btf_vmlinuz_funcs(k->vmlinuz, t, &raw, &rawlen, why, whylen) == 0 && t->n) {
			sym_finish(t);
			if (cache)
				symcache_write(cache, &img, t);
			if (raw)
				symcache_write_btf(k, &img, raw, rawlen);
			free(raw);
			free(cache);
			return 0;
		}
		free(raw);
		free(cache);
		symbols_free(t);
	}
	if (k->build_dir && symbols_symvers(k->build_dir, t) == 0 && t->n) {
		sym_finish(t);
		return 0;
	}
	symbols_free(t);
	if (!*why)
		snprintf(why, whylen, "no System.map, vmlinuz or Module.symvers for kernel %s",
			 k->release ? k->release : "(unknown)");
	return -1;
}

/* ---- ELF files: modules and user-space programs ---- */

/* The file offset of vaddr, from the PT_LOAD segment holding it. */
static uint64_t elf_file_offset(Elf *e, uint64_t vaddr)
{
	size_t n;
	if (elf_getphdrnum(e, &n) < 0)
		return vaddr;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return vaddr;
}

static void elf_read_symtab(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, int relocatable,
			    struct sym_table *t)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; d && i < count; i++) {
		GElf_Sym sym;
		const char *name;
		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || (!relocatable && sym.st_value == 0))
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !sym_name_ok(name, strlen(name)))
			continue;
		/* "memcpy@@GLIBC_2.14" in some .dynsym readers: keep the name. */
		size_t len = strcspn(name, "@");
		sym_add(t, name, len, sym.st_value,
			relocatable ? sym.st_value : elf_file_offset(e, sym.st_value), NULL);
	}
}

/* ---- DWARF parameters of a program's functions ---- */

static void dw_type_name(Dwarf_Die *die, struct strbuf *out, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	if (depth > 8 || !dwarf_attr_integrate(die, DW_AT_type, &a) || !dwarf_formref_die(&a, &t)) {
		sb_puts(out, "void");
		return;
	}
	const char *n = dwarf_diename(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
		dw_type_name(&t, out, depth + 1);
		sb_puts(out, "*");
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
		dw_type_name(&t, out, depth + 1);
		break;
	case DW_TAG_array_type:
		dw_type_name(&t, out, depth + 1);
		sb_puts(out, "[]");
		break;
	case DW_TAG_structure_type:
		sb_printf(out, "struct %s", n ? n : "?");
		break;
	case DW_TAG_union_type:
		sb_printf(out, "union %s", n ? n : "?");
		break;
	case DW_TAG_enumeration_type:
		sb_printf(out, "enum %s", n ? n : "?");
		break;
	default:
		sb_puts(out, n ? n : "?");
		break;
	}
}

static struct sym *sym_lookup(struct sym_table *t, const char *name)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid].name, name);
		if (c == 0)
			return &t->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void dw_subprogram(Dwarf_Die *fn, struct sym_table *t)
{
	Dwarf_Attribute a;
	Dwarf_Die ch;
	const char *name = dwarf_diename(fn);
	struct sym *s = name ? sym_lookup(t, name) : NULL;
	if (!s || s->proto || dwarf_attr(fn, DW_AT_declaration, &a))
		return;
	struct strbuf b = {0};
	if (dwarf_child(fn, &ch) == 0) {
		do {
			const char *pn = dwarf_diename(&ch);
			if (dwarf_tag(&ch) != DW_TAG_formal_parameter || !pn)
				continue;
			sb_printf(&b, "%s$%s:", b.n ? " " : "", pn);
			dw_type_name(&ch, &b, 0);
		} while (dwarf_siblingof(&ch, &ch) == 0);
	}
	s->proto = b.s ? b.s : strdup("");
}

/* Give the functions in t (sorted) their parameters from e's DWARF, if any. */
static void dw_params(Elf *e, struct sym_table *t)
{
	Dwarf *dw = dwarf_begin_elf(e, DWARF_C_READ, NULL);
	Dwarf_Off off = 0, next;
	size_t hsize;
	if (!dw)
		return;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, ch;
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &ch) == 0) {
			do
				if (dwarf_tag(&ch) == DW_TAG_subprogram)
					dw_subprogram(&ch, t);
			while (dwarf_siblingof(&ch, &ch) == 0);
		}
		off = next;
	}
	dwarf_end(dw);
}

static int elf_functions(const char *path, struct sym_table *t, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	Elf *e = dwelf_elf_begin(fd);
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		snprintf(why, whylen, "%s: not an ELF file", path);
		if (e)
			elf_end(e);
		close(fd);
		return -1;
	}
	Elf_Scn *scn = NULL;
	int have_symtab = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			elf_read_symtab(e, scn, &sh, eh.e_type == ET_REL, t);
			have_symtab = 1;
		}
	}
	while (!have_symtab && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			elf_read_symtab(e, scn, &sh, 0, t);
	}
	sym_finish(t);
	if (eh.e_type != ET_REL)
		dw_params(e, t);
	elf_end(e);
	close(fd);
	return 0;
}

int symbols_elf(const char *path, struct sym_table *t, char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	t->source = path;
	return elf_functions(path, t, why, whylen);
}

static void module_norm(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

/* "kernel/fs/ext4/ext4.ko: deps" -> name "ext4", path in *rel. */
static int modules_dep_each(const struct stap_kernel *k,
			    int (*fn)(void *arg, const char *name, const char *rel), void *arg)
{
	char path[4096], line[8192];
	snprintf(path, sizeof(path), "%s/modules.dep", k->modules_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		const char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
		module_norm(name);
		if (fn(arg, name, line)) {
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static int collect_name(void *arg, const char *name, const char *rel)
{
	(void)rel;
	sym_add(arg, name, strlen(name), 0, 0, NULL);
	return 0;
}

int symbols_module_names(const struct stap_kernel *k, struct sym_table *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "modules.dep";
	if (!k->modules_dir || modules_dep_each(k, collect_name, t) < 0)
		return -1;
	sym_finish(t);
	return 0;
}

struct find_mod {
	char want[256];
	char rel[4096];
};

static int find_module(void *arg, const char *name, const char *rel)
{
	struct find_mod *fm = arg;
	if (strcmp(name, fm->want) != 0)
		return 0;
	snprintf(fm->rel, sizeof(fm->rel), "%s", rel);
	return 1;
}

int symbols_module(const struct stap_kernel *k, const char *module, struct sym_table *t, char *why,
		   size_t whylen)
{
	struct find_mod fm;
	char path[8192];

	memset(t, 0, sizeof(*t));
	snprintf(fm.want, sizeof(fm.want), "%s", module);
	module_norm(fm.want);
	if (!k->modules_dir || modules_dep_each(k, find_module, &fm) != 1) {
		snprintf(why, whylen, "no module '%s' for kernel %s (modules.dep)", module,
			 k->release);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", k->modules_dir, fm.rel);
	t->source = "the module's symtab";
	return elf_functions(path, t, why, whylen);
}
