/* The BTF type information of the target kernel: the function records (with
 * their parameters) for the symbol table, and $param->member / @cast chains
 * resolved to offsets and readers.  The format is drawn in the kernel's
 * Documentation/bpf/btf.rst: a header, then types, then strings. */
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
		if (sym_name_ok(name, strlen(name)))
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

int btf_file_funcs(const char *path, struct sym_table *t)
{
	unsigned char *d = NULL;
	size_t len = 0;
	int r = readfile_path(path, 256 << 20, &d, &len) == 0 ? btf_parse(d, len, t) : -1;

	free(d);
	return r;
}

/* Decompress vmlinuz (libdwelf knows bzImage) and read its .BTF; *raw gets a
 * copy of the section for the type cache (may stay NULL). */
int btf_vmlinuz_funcs(const char *path, struct sym_table *t, unsigned char **raw, size_t *rawlen,
		      char *why, size_t n)
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
	if (k->btf_file) { /* a -T target's own, checked against its stamp */
		if (readfile_path(k->btf_file, 256 << 20, &data, &dlen) < 0) {
			snprintf(why, n, "cannot read %s", k->btf_file);
			return NULL;
		}
		*off = 0;
		*len = dlen;
		return data;
	}
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
	if (btf_vmlinuz_funcs(k->vmlinuz, &t, &raw, &rawlen, why, n) == 0 && raw)
		symcache_write_btf(k, &img, raw, rawlen);
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
