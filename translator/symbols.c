/* Function symbols of probe targets: the target kernel (a real System.map,
 * else the function records of the .BTF section inside its vmlinuz, cached
 * per user, else the exports in Module.symvers), its modules' symtabs, and
 * user-space ELF files.  Never the build machine's running kernel unless it
 * is the target. */
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
#include "lib/atomicfile.h"
#include "lib/readfile.h"
#include "translator/front_int.h"

static struct sym *sym_slot(struct sym_table *t)
{
	if (array_grow(&t->v, &t->cap, t->n, sizeof(*t->v), 1024) < 0)
		abort();
	return &t->v[t->n++];
}

static void sym_add(struct sym_table *t, const char *name, size_t len, uint64_t addr,
		    uint64_t offset, const char *proto)
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

static void sym_finish(struct sym_table *t)
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
static int name_ok(const char *s, size_t n)
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
		    strchr("TtWw", type) && name_ok(name, strlen(name)))
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

/* ---- BTF ---- */

struct btf {
	const unsigned char *types;
	size_t types_len;
	const char *strs;
	size_t strs_len;
	uint32_t *off; /* offset of type id i in types (id 0 is void) */
	size_t ntypes;
};

enum {
	BTF_INT = 1,
	BTF_PTR,
	BTF_ARRAY,
	BTF_STRUCT,
	BTF_UNION,
	BTF_ENUM,
	BTF_FWD,
	BTF_TYPEDEF,
	BTF_VOLATILE,
	BTF_CONST,
	BTF_RESTRICT,
	BTF_FUNC,
	BTF_FUNC_PROTO,
	BTF_VAR,
	BTF_DATASEC,
	BTF_FLOAT,
	BTF_DECL_TAG,
	BTF_TYPE_TAG,
	BTF_ENUM64
};

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static size_t btf_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_INT:
	case BTF_VAR:
	case BTF_DECL_TAG:
		return 4;
	case BTF_ARRAY:
		return 12;
	case BTF_STRUCT:
	case BTF_UNION:
	case BTF_DATASEC:
	case BTF_ENUM64:
		return 12 * (size_t)vlen;
	case BTF_ENUM:
	case BTF_FUNC_PROTO:
		return 8 * (size_t)vlen;
	default:
		return 0;
	}
}

static const char *btf_str(const struct btf *b, uint32_t off)
{
	return off < b->strs_len ? b->strs + off : "";
}

static int btf_index(struct btf *b)
{
	size_t pos = 0, cap = 0;
	if (array_grow(&b->off, &cap, 0, sizeof(*b->off), 1024) < 0)
		return -1;
	b->ntypes = 1;
	b->off[0] = 0;
	while (pos + 12 <= b->types_len) {
		uint32_t info = rd32(b->types + pos + 4);
		size_t next = pos + 12 + btf_extra((info >> 24) & 0x1f, info & 0xffff);
		if (next > b->types_len)
			return -1;
		if (array_grow(&b->off, &cap, b->ntypes, sizeof(*b->off), 1024) < 0)
			return -1;
		b->off[b->ntypes++] = (uint32_t)pos;
		pos = next;
	}
	return 0;
}

/* A C-like name for type id, e.g. "struct file*". */
static void btf_type_name(const struct btf *b, uint32_t id, struct strbuf *out, int depth)
{
	if (id == 0 || id >= b->ntypes || depth > 8) {
		sb_puts(out, id == 0 ? "void" : "?");
		return;
	}
	const unsigned char *t = b->types + b->off[id];
	uint32_t info = rd32(t + 4), ref = rd32(t + 8);
	const char *name = btf_str(b, rd32(t));
	switch ((info >> 24) & 0x1f) {
	case BTF_PTR:
		btf_type_name(b, ref, out, depth + 1);
		sb_puts(out, "*");
		break;
	case BTF_STRUCT:
		sb_printf(out, "struct %s", name);
		break;
	case BTF_UNION:
		sb_printf(out, "union %s", name);
		break;
	case BTF_ENUM:
	case BTF_ENUM64:
		sb_printf(out, "enum %s", name);
		break;
	case BTF_ARRAY:
		btf_type_name(b, rd32(t + 12), out, depth + 1);
		sb_puts(out, "[]");
		break;
	case BTF_CONST:
	case BTF_VOLATILE:
	case BTF_RESTRICT:
	case BTF_TYPE_TAG:
		btf_type_name(b, ref, out, depth + 1);
		break;
	case BTF_FUNC_PROTO:
		sb_puts(out, "func");
		break;
	default:
		sb_puts(out, *name ? name : "?");
		break;
	}
}

static void btf_funcs(const struct btf *b, struct sym_table *t)
{
	for (size_t id = 1; id < b->ntypes; id++) {
		const unsigned char *ty = b->types + b->off[id];
		uint32_t info = rd32(ty + 4);
		if (((info >> 24) & 0x1f) != BTF_FUNC)
			continue;
		const char *name = btf_str(b, rd32(ty));
		uint32_t proto = rd32(ty + 8);
		struct strbuf pr = {0};
		if (proto < b->ntypes) {
			const unsigned char *fp = b->types + b->off[proto];
			uint32_t pinfo = rd32(fp + 4);
			unsigned vlen = pinfo & 0xffff;
			if (((pinfo >> 24) & 0x1f) == BTF_FUNC_PROTO)
				for (unsigned k = 0; k < vlen; k++) {
					const unsigned char *param = fp + 12 + 8 * k;
					const char *pn = btf_str(b, rd32(param));
					if (!*pn)
						continue;
					sb_printf(&pr, "%s$%s:", pr.n ? " " : "", pn);
					btf_type_name(b, rd32(param + 4), &pr, 0);
				}
		}
		if (name_ok(name, strlen(name)))
			sym_add(t, name, strlen(name), 0, 0, pr.s ? pr.s : "");
		free(pr.s);
	}
}

static int btf_load(const unsigned char *d, size_t len, struct btf *bp)
{
	struct btf b = {0};
	if (len < 24 || d[0] != 0x9f || d[1] != 0xeb)
		return -1;
	uint32_t hdr = rd32(d + 4), toff = rd32(d + 8), tlen = rd32(d + 12);
	uint32_t soff = rd32(d + 16), slen = rd32(d + 20);
	if (hdr > len || (uint64_t)hdr + toff + tlen > len || (uint64_t)hdr + soff + slen > len)
		return -1;
	b.types = d + hdr + toff;
	b.types_len = tlen;
	b.strs = (const char *)d + hdr + soff;
	b.strs_len = slen;
	if (slen == 0 || b.strs[slen - 1] != 0 || btf_index(&b) < 0) {
		free(b.off);
		return -1;
	}
	*bp = b;
	return 0;
}

static int btf_parse(const unsigned char *d, size_t len, struct sym_table *t)
{
	struct btf b;
	if (btf_load(d, len, &b) < 0)
		return -1;
	btf_funcs(&b, t);
	free(b.off);
	return 0;
}

/* Decompress vmlinuz (libdwelf knows bzImage) and read its .BTF; *raw gets a
 * copy of the section for the type cache (may stay NULL). */
static int symbols_vmlinuz_btf(const char *path, struct sym_table *t, unsigned char **raw,
			       size_t *rawlen, char *why, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = -1;
	if (fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	Elf *e = dwelf_elf_begin(fd);
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx) < 0) {
		snprintf(why, n, "%s: not a kernel image libdwelf can read", path);
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".BTF") != 0)
			continue;
		Elf_Data *d = elf_rawdata(scn, NULL);
		if (d && btf_parse(d->d_buf, d->d_size, t) == 0) {
			r = 0;
			*raw = malloc(d->d_size);
			if (*raw) {
				memcpy(*raw, d->d_buf, d->d_size);
				*rawlen = d->d_size;
			}
		}
		break;
	}
	if (r < 0)
		snprintf(why, n, "%s: no usable .BTF section", path);
out:
	if (e)
		elf_end(e);
	close(fd);
	return r;
}

/* ~/.systemtap/symbols/kernel-REL.funcs: "stapauth-funcs 1 SIZE MTIME" then
 * "name\tproto" lines, so only the first run pays for decompression. */
static char *symcache_path(const char *release, const char *suffix)
{
	const char *dir = getenv("SYSTEMTAP_DIR"), *home = getenv("HOME");
	char *p;
	if (strchr(release, '/'))
		return NULL;
	if (dir && *dir) {
		if (asprintf(&p, "%s/symbols/kernel-%s.%s", dir, release, suffix) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&p, "%s/.systemtap/symbols/kernel-%s.%s", home, release, suffix) < 0)
			return NULL;
	} else {
		return NULL;
	}
	return p;
}

static int symcache_read(const char *path, const struct stat *img, struct sym_table *t)
{
	unsigned char *data;
	size_t len;
	long long size, mtime;
	int off = 0;

	if (readfile_path(path, 256 << 20, &data, &len) < 0)
		return -1;
	char *buf = (char *)data, *end = buf + len;
	if (sscanf(buf, "stapauth-funcs 1 %lld %lld\n%n", &size, &mtime, &off) != 2 || off == 0 ||
	    size != (long long)img->st_size || mtime != (long long)img->st_mtime) {
		free(data);
		return -1;
	}
	t->blob = buf;
	for (char *line = buf + off; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			break;
		*nl = 0;
		char *tab = strchr(line, '\t');
		if (tab)
			*tab = 0;
		struct sym *sy = sym_slot(t);
		sy->name = line;
		sy->proto = tab ? tab + 1 : NULL;
		sy->addr = sy->offset = 0;
		line = nl + 1;
	}
	return t->n ? 0 : -1;
}

/* Cache files are replaced atomically, so a concurrent stap reads the old
 * table or the new one.  A cache that cannot be written is only slower. */
static void symcache_store(const char *path, const struct strbuf *b)
{
	char *dir = strdup(path);
	if (!dir || b->oom) {
		free(dir);
		return;
	}
	/* mkdir -p of the two levels we may need ($HOME/.systemtap/symbols). */
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		char *up = strrchr(dir, '/');
		if (up) {
			*up = 0;
			mkdir(dir, 0700);
			*up = '/';
		}
		mkdir(dir, 0700);
	}
	free(dir);
	(void)atomic_write(path, b->s ? b->s : "", b->n, 0600);
}

static void symcache_write(const char *path, const struct stat *img, const struct sym_table *t)
{
	struct strbuf b = {0};
	sb_printf(&b, "stapauth-funcs 1 %lld %lld\n", (long long)img->st_size,
		  (long long)img->st_mtime);
	for (size_t i = 0; i < t->n; i++)
		sb_printf(&b, "%s\t%s\n", t->v[i].name, t->v[i].proto ? t->v[i].proto : "");
	symcache_store(path, &b);
	free(b.s);
}

/* ~/.systemtap/symbols/kernel-REL.btf: "stapauth-btf 1 SIZE MTIME\n" + .BTF */
static void btfcache_write(const struct stap_kernel *k, const struct stat *img,
			   const unsigned char *raw, size_t len)
{
	char *path = symcache_path(k->release, "btf");
	struct strbuf b = {0};
	if (path) {
		sb_printf(&b, "stapauth-btf 1 %lld %lld\n", (long long)img->st_size,
			  (long long)img->st_mtime);
		sb_putn(&b, (const char *)raw, len);
		symcache_store(path, &b);
	}
	free(b.s);
	free(path);
}

int symbols_kernel(const struct stap_kernel *k, struct sym_table *t, char *why, size_t whylen)
{
	struct stat img;
	memset(t, 0, sizeof(*t));
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
		if (symbols_vmlinuz_btf(k->vmlinuz, t, &raw, &rawlen, why, whylen) == 0 && t->n) {
			sym_finish(t);
			if (cache)
				symcache_write(cache, &img, t);
			if (raw)
				btfcache_write(k, &img, raw, rawlen);
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
		if (!name || !name_ok(name, strlen(name)))
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

/* ---- $param->member chains from the kernel's BTF ---- */

static const unsigned char *btf_type(const struct btf *b, uint32_t id)
{
	return id > 0 && id < b->ntypes ? b->types + b->off[id] : NULL;
}

static unsigned btf_kind_of(const unsigned char *t)
{
	return t ? (rd32(t + 4) >> 24) & 0x1f : 0;
}

/* Past typedef, const, volatile, restrict and type tags. */
static uint32_t btf_skip(const struct btf *b, uint32_t id)
{
	for (int i = 0; i < 16; i++) {
		unsigned k = btf_kind_of(btf_type(b, id));
		if (k != BTF_TYPEDEF && k != BTF_CONST && k != BTF_VOLATILE && k != BTF_RESTRICT &&
		    k != BTF_TYPE_TAG)
			return id;
		id = rd32(btf_type(b, id) + 8);
	}
	return 0;
}

/* Member name of struct/union sid (anonymous members searched too):
 * its bit offset and type.  0 found, -1 absent, -2 a bit field. */
static int btf_member(const struct btf *b, uint32_t sid, const char *name, uint32_t *bits,
		      uint32_t *type, int depth)
{
	const unsigned char *t = btf_type(b, sid);
	unsigned k = btf_kind_of(t);
	if (depth > 8 || (k != BTF_STRUCT && k != BTF_UNION))
		return -1;
	uint32_t info = rd32(t + 4);
	unsigned vlen = info & 0xffff, kflag = info >> 31;
	for (unsigned i = 0; i < vlen; i++) {
		const unsigned char *m = t + 12 + 12 * i;
		uint32_t off = rd32(m + 8), mbits = kflag ? off & 0xffffff : off;
		const char *mn = btf_str(b, rd32(m));
		if (*mn && strcmp(mn, name) == 0) {
			if ((kflag && off >> 24) || mbits % 8)
				return -2;
			*bits = mbits;
			*type = rd32(m + 4);
			return 0;
		}
		if (!*mn) {
			uint32_t sub;
			int r =
			    btf_member(b, btf_skip(b, rd32(m + 4)), name, &sub, type, depth + 1);
			if (r != -1) {
				*bits = mbits + sub;
				return r;
			}
		}
	}
	return -1;
}

static int btf_param(const struct btf *b, const char *func, const char *param, int *idx,
		     uint32_t *type)
{
	for (size_t id = 1; id < b->ntypes; id++) {
		const unsigned char *t = btf_type(b, (uint32_t)id);
		if (btf_kind_of(t) != BTF_FUNC || strcmp(btf_str(b, rd32(t)), func) != 0)
			continue;
		const unsigned char *fp = btf_type(b, rd32(t + 8));
		if (btf_kind_of(fp) != BTF_FUNC_PROTO)
			return -1;
		unsigned vlen = rd32(fp + 4) & 0xffff;
		for (unsigned k = 0; k < vlen; k++)
			if (strcmp(btf_str(b, rd32(fp + 12 + 8 * k)), param) == 0) {
				*idx = (int)k + 1;
				*type = rd32(fp + 12 + 8 * k + 4);
				return 0;
			}
		return -1;
	}
	return -1;
}

/* The reader for the final member's type. */
static int btf_reader(const struct btf *b, uint32_t id, enum stap_builtin *r)
{
	const unsigned char *t = btf_type(b, btf_skip(b, id));
	switch (btf_kind_of(t)) {
	case BTF_INT:
	case BTF_ENUM:
	case BTF_ENUM64: {
		uint32_t size = rd32(t + 8);
		*r = size >= 8	 ? BI_KERNEL_LONG
		     : size == 4 ? BI_KERNEL_INT
		     : size == 2 ? BI_KERNEL_SHORT
				 : BI_KERNEL_CHAR;
		return 0;
	}
	case BTF_PTR:
		*r = BI_KERNEL_POINTER;
		return 0;
	case BTF_ARRAY: {
		const unsigned char *el = btf_type(b, btf_skip(b, rd32(t + 12)));
		if (btf_kind_of(el) == BTF_INT && rd32(el + 8) == 1) {
			*r = BI_KERNEL_STRING; /* char name[N] */
			return 0;
		}
		return -1;
	}
	default:
		return -1;
	}
}

/* Follow chain from a value (have_value) or an object address of type. */
static int btf_chain(const struct btf *b, uint32_t type, int have_value, const char *what,
		     const char *chain, struct btf_access *out, char *why, size_t n)
{
	for (const char *p = chain; *p;) {
		char name[128];
		if (strncmp(p, "->", 2) != 0 || out->nsteps == BTF_MAX_STEPS) {
			snprintf(why, n, "only ->member chains are supported, not '%s'", p);
			return -1;
		}
		p += 2;
		size_t len = strcspn(p, "-");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		p += len;
		uint32_t t = btf_skip(b, type);
		unsigned k = btf_kind_of(btf_type(b, t));
		if (!have_value && k == BTF_PTR) {
			out->deref[out->nsteps] = 1;
			have_value = 1;
		}
		if (have_value) {
			if (k != BTF_PTR) {
				snprintf(why, n, "'->%s' on something that is not a pointer", name);
				return -1;
			}
			t = btf_skip(b, rd32(btf_type(b, t) + 8));
		}
		uint32_t bits;
		int r = btf_member(b, t, name, &bits, &type, 0);
		if (r < 0) {
			snprintf(why, n,
				 r == -2 ? "member '%s' is a bit field" : "no member '%s' there",
				 name);
			return -1;
		}
		out->off[out->nsteps++] = bits / 8;
		have_value = 0;
	}
	if (btf_reader(b, type, &out->reader) < 0) {
		snprintf(why, n, "%s%s is a structure or an array: name one of its members", what,
			 chain);
		return -1;
	}
	return 0;
}

static int btf_walk(const struct btf *b, const char *func, const char *param, const char *chain,
		    struct btf_access *out, char *why, size_t n)
{
	uint32_t type;
	memset(out, 0, sizeof(*out));
	if (btf_param(b, func, param, &out->param, &type) < 0) {
		snprintf(why, n, "%s has no parameter '%s' in the kernel's BTF", func, param);
		return -1;
	}
	return btf_chain(b, type, 1, param, chain, out, why, n);
}

/* "struct file", "union x" or a typedef name. */
static uint32_t btf_named(const struct btf *b, const char *name)
{
	unsigned want = BTF_TYPEDEF;
	if (strncmp(name, "struct ", 7) == 0)
		want = BTF_STRUCT, name += 7;
	else if (strncmp(name, "union ", 6) == 0)
		want = BTF_UNION, name += 6;
	for (size_t id = 1; id < b->ntypes; id++) {
		const unsigned char *t = btf_type(b, (uint32_t)id);
		if (btf_kind_of(t) == want && strcmp(btf_str(b, rd32(t)), name) == 0)
			return (uint32_t)id;
	}
	return 0;
}

/* The raw .BTF of the target kernel: from ~/.systemtap/symbols/kernel-REL.btf,
 * else decompressed from vmlinuz (and cached). */
static unsigned char *kernel_btf(const struct stap_kernel *k, size_t *off, size_t *len, char *why,
				 size_t n)
{
	struct stat img;
	unsigned char *data = NULL, *raw = NULL;
	size_t dlen;
	long long size, mtime;
	int hdr = 0;
	if (!k->vmlinuz || stat(k->vmlinuz, &img) < 0) {
		snprintf(why, n, "no vmlinuz for kernel %s", k->release ? k->release : "?");
		return NULL;
	}
	char *path = symcache_path(k->release, "btf");
	if (path && readfile_path(path, 256 << 20, &data, &dlen) == 0 &&
	    sscanf((char *)data, "stapauth-btf 1 %lld %lld\n%n", &size, &mtime, &hdr) == 2 && hdr &&
	    size == (long long)img.st_size && mtime == (long long)img.st_mtime) {
		free(path);
		*off = (size_t)hdr;
		*len = dlen - (size_t)hdr;
		return data;
	}
	free(data);
	free(path);
	struct sym_table t = {0};
	size_t rawlen = 0;
	if (symbols_vmlinuz_btf(k->vmlinuz, &t, &raw, &rawlen, why, n) == 0 && raw)
		btfcache_write(k, &img, raw, rawlen);
	symbols_free(&t);
	*off = 0;
	*len = rawlen;
	return raw;
}

struct kbtf {
	unsigned char *data;
	struct btf b;
};

struct kbtf *kbtf_open(const struct stap_kernel *k, char *why, size_t whylen)
{
	size_t off, len;
	struct kbtf *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->data = kernel_btf(k, &off, &len, why, whylen);
	if (h->data && btf_load(h->data + off, len, &h->b) == 0)
		return h;
	if (h->data)
		snprintf(why, whylen, "the kernel's BTF is unreadable");
	free(h->data);
	free(h);
	return NULL;
}

int kbtf_access(struct kbtf *h, const char *func, const char *param, const char *chain,
		struct btf_access *out, char *why, size_t whylen)
{
	return btf_walk(&h->b, func, param, chain, out, why, whylen);
}

int kbtf_cast(struct kbtf *h, const char *type, const char *chain, struct btf_access *out,
	      char *why, size_t whylen)
{
	uint32_t id = btf_named(&h->b, type);
	memset(out, 0, sizeof(*out));
	if (!id) {
		snprintf(why, whylen, "no type '%s' in the kernel's BTF", type);
		return -1;
	}
	return btf_chain(&h->b, id, 0, type, chain, out, why, whylen);
}

void kbtf_close(struct kbtf *h)
{
	if (!h)
		return;
	free(h->b.off);
	free(h->data);
	free(h);
}
