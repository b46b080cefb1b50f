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
#include "translator/kimage.h"
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

/* Decompress vmlinuz (kimage.c) and read its .BTF; *raw gets a copy of the
 * section for the type cache (may stay NULL). */
int btf_vmlinuz_funcs(const char *path, struct sym_table *t, unsigned char **raw, size_t *rawlen,
		      char *why, size_t n)
{
	struct kimage k;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int r = -1;

	if (kimage_open(path, &k, why, n) < 0 || elf_getshdrstrndx(k.elf, &shstrndx) < 0) {
		if (k.elf)
			snprintf(why, n, "%s: not a kernel image libdwelf can read", path);
		kimage_close(&k);
		return -1;
	}
	while ((scn = elf_nextscn(k.elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(k.elf, shstrndx, sh.sh_name)) ||
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
	kimage_close(&k);
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

/* The readers sign-extend; an unsigned integer narrower than 64 bits is
 * masked back to its own bits (a u16 port 45876 is not -19660).  Plain char
 * stays signed, as the kernel is built (no -funsigned-char on 6.1). */
static int64_t btf_unsigned_mask(const struct btf *b, uint32_t id)
{
	const unsigned char *t = btf_type(b, btf_skip(b, id));
	if (btf_kind_of(t) != BTF_INT)
		return 0;
	uint32_t size = rd32(t + 8), enc = (rd32(t + 12) >> 24) & 0xf;
	if (size >= 8 || (enc & 1) || (enc & 2)) /* signed, or plain char */
		return 0;
	return (int64_t)((1ull << (8 * size)) - 1);
}

/* The size in bytes of a type (0 when it has none, e.g. void). */
static uint64_t btf_size(const struct btf *b, uint32_t id, int depth)
{
	const unsigned char *t = btf_type(b, btf_skip(b, id));
	switch (btf_kind_of(t)) {
	case BTF_INT:
	case BTF_STRUCT:
	case BTF_UNION:
	case BTF_ENUM:
	case BTF_ENUM64:
		return rd32(t + 8);
	case BTF_PTR:
		return 8;
	case BTF_ARRAY:
		return depth < 8 ? (uint64_t)rd32(t + 20) * btf_size(b, rd32(t + 12), depth + 1)
				 : 0;
	default:
		return 0;
	}
}

struct chain_walk {
	const struct btf *b;
	uint32_t type;	/* of what the walk has so far */
	int have_value; /* it is a pointer value, not an object in memory */
	struct btf_access *out;
	char *why;
	size_t n;
};

/* Make what the walk has a pointer value: load it when it is a pointer
 * object in memory.  Its pointee type, or 0 when it is no pointer. */
static uint32_t chain_pointer(struct chain_walk *w)
{
	uint32_t t = btf_skip(w->b, w->type);
	if (btf_kind_of(btf_type(w->b, t)) != BTF_PTR)
		return 0;
	if (!w->have_value)
		w->out->deref[w->out->nsteps] = 1;
	w->have_value = 1;
	return btf_skip(w->b, rd32(btf_type(w->b, t) + 8));
}

/* ->name: a member of the structure the walk points at (or is). */
static int chain_member(struct chain_walk *w, const char *name)
{
	uint32_t t = btf_skip(w->b, w->type), bits;
	if (btf_kind_of(btf_type(w->b, t)) == BTF_PTR || w->have_value) {
		t = chain_pointer(w);
		if (!t) {
			snprintf(w->why, w->n, "'->%s' on something that is not a pointer", name);
			return -1;
		}
	}
	int r = btf_member(w->b, t, name, &bits, &w->type, 0);
	if (r < 0) {
		snprintf(w->why, w->n,
			 r == -2 ? "member '%s' is a bit field" : "no member '%s' there", name);
		return -1;
	}
	w->out->off[w->out->nsteps++] = bits / 8;
	w->have_value = 0;
	return 0;
}

/* [i]: element i of the array the walk has, or that it points at. */
static int chain_index(struct chain_walk *w, unsigned long i)
{
	uint32_t t = btf_skip(w->b, w->type), elem;
	const unsigned char *tt = btf_type(w->b, t);
	if (!w->have_value && btf_kind_of(tt) == BTF_ARRAY) {
		elem = rd32(tt + 12);
		if (i >= rd32(tt + 20) && rd32(tt + 20) != 0) {
			snprintf(w->why, w->n, "index [%lu] past the end of an array of %u", i,
				 rd32(tt + 20));
			return -1;
		}
	} else if (!w->have_value && w->out->nsteps == 0 &&
		   (btf_kind_of(tt) == BTF_STRUCT || btf_kind_of(tt) == BTF_UNION)) {
		/* @cast(p, "struct x")[i]: p as a pointer to struct x's */
		elem = t;
	} else if (!(elem = chain_pointer(w))) {
		snprintf(w->why, w->n,
			 "'[%lu]' on something that is neither a pointer nor an array", i);
		return -1;
	}
	uint64_t off = i * btf_size(w->b, elem, 0);
	if (off > UINT32_MAX) {
		snprintf(w->why, w->n, "index [%lu] is too large", i);
		return -1;
	}
	w->out->off[w->out->nsteps++] = (uint32_t)off;
	w->type = elem;
	w->have_value = 0;
	return 0;
}

/* Follow chain ("->a[2]->b") from a value (have_value) or an object address
 * of type; out->addr_only: stop at the address (the & operator). */
static int btf_chain(const struct btf *b, uint32_t type, int have_value, const char *what,
		     const char *chain, struct btf_access *out, char *why, size_t n)
{
	struct chain_walk w = {b, type, have_value, out, why, n};
	for (const char *p = chain; *p;) {
		char name[128], *end;
		int r;
		if (out->nsteps == BTF_MAX_STEPS) {
			snprintf(why, n, "more than %d steps in '%s'", BTF_MAX_STEPS, chain);
			return -1;
		}
		if (strncmp(p, "->", 2) == 0) {
			p += 2;
			size_t len = strcspn(p, "-[");
			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			p += len;
			r = chain_member(&w, name);
		} else if (*p == '[') {
			unsigned long i = strtoul(p + 1, &end, 10);
			if (end == p + 1 || *end != ']') {
				snprintf(why, n, "expected [N] in '%s'", p);
				return -1;
			}
			p = end + 1;
			r = chain_index(&w, i);
		} else {
			snprintf(why, n, "only ->member and [N] steps are supported, not '%s'", p);
			return -1;
		}
		if (r < 0)
			return -1;
	}
	if (out->pretty) { /* a structure, or a pointer to one: its address */
		uint32_t t = btf_skip(b, w.type), pointee = 0;
		if (btf_kind_of(btf_type(b, t)) == BTF_PTR)
			pointee = btf_skip(b, rd32(btf_type(b, t) + 8));
		unsigned k = btf_kind_of(btf_type(b, pointee ? pointee : t));
		if ((k == BTF_STRUCT || k == BTF_UNION) && (pointee || !w.have_value) &&
		    out->nsteps < BTF_MAX_STEPS) {
			if (pointee && !w.have_value) /* load the pointer */
				out->deref[out->nsteps] = 1, out->off[out->nsteps++] = 0;
			out->type = pointee ? pointee : t;
			out->reader = BI_NONE;
			return 0;
		}
		out->type = 0; /* a plain value: read as usual */
	}
	if (out->addr_only) {
		if (w.have_value) {
			snprintf(why, n, "&%s%s: a value in a register has no address", what,
				 chain);
			return -1;
		}
		out->reader = BI_NONE;
		return 0;
	}
	if (btf_reader(b, w.type, &out->reader) < 0) {
		snprintf(why, n, "%s%s is a structure or an array: name one of its members", what,
			 chain);
		return -1;
	}
	out->mask = btf_unsigned_mask(b, w.type);
	return 0;
}

static int btf_walk(const struct btf *b, const char *func, const char *param, const char *chain,
		    struct btf_access *out, char *why, size_t n)
{
	uint32_t type;
	int addr_only = out->addr_only, pretty = out->pretty;
	memset(out, 0, sizeof(*out));
	out->addr_only = addr_only;
	out->pretty = pretty;
	if (btf_param(b, func, param, &out->param, &type) < 0) {
		snprintf(why, n, "%s has no parameter '%s' in the kernel's BTF", func, param);
		return -1;
	}
	return btf_chain(b, type, 1, param, chain, out, why, n);
}

static uint32_t btf_named_kind(const struct btf *b, unsigned want, const char *name)
{
	for (size_t id = 1; id < b->ntypes; id++) {
		const unsigned char *t = btf_type(b, (uint32_t)id);
		if (btf_kind_of(t) == want && strcmp(btf_str(b, rd32(t)), name) == 0)
			return (uint32_t)id;
	}
	return 0;
}

/* "struct file", "union x", or a bare name: a typedef, else a struct, else
 * a union of that name (SystemTap's @cast(p, "task_struct")). */
static uint32_t btf_named(const struct btf *b, const char *name)
{
	uint32_t id;
	if (strncmp(name, "struct ", 7) == 0)
		return btf_named_kind(b, BTF_STRUCT, name + 7);
	if (strncmp(name, "union ", 6) == 0)
		return btf_named_kind(b, BTF_UNION, name + 6);
	if ((id = btf_named_kind(b, BTF_TYPEDEF, name)) != 0 ||
	    (id = btf_named_kind(b, BTF_STRUCT, name)) != 0)
		return id;
	return btf_named_kind(b, BTF_UNION, name);
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
	int addr_only = out->addr_only, pretty = out->pretty;
	memset(out, 0, sizeof(*out));
	out->addr_only = addr_only;
	out->pretty = pretty;
	if (!id) {
		snprintf(why, whylen, "no type '%s' in the kernel's BTF", type);
		return -1;
	}
	return btf_chain(&h->b, id, 0, type, chain, out, why, whylen);
}

int kbtf_fields(struct kbtf *h, uint32_t type, struct btf_field *out, int max)
{
	const struct btf *b = &h->b;
	const unsigned char *t = btf_type(b, btf_skip(b, type));
	unsigned k = btf_kind_of(t);
	int n = 0;
	if (k != BTF_STRUCT && k != BTF_UNION)
		return 0;
	uint32_t info = rd32(t + 4);
	unsigned vlen = info & 0xffff, kflag = info >> 31;
	for (unsigned i = 0; i < vlen && n < max; i++) {
		const unsigned char *m = t + 12 + 12 * i;
		uint32_t off = rd32(m + 8), bits = kflag ? off & 0xffffff : off;
		const char *name = btf_str(b, rd32(m));
		if (!*name || (kflag && off >> 24) || bits % 8)
			continue; /* anonymous members and bit fields are left out */
		uint32_t mt = btf_skip(b, rd32(m + 4));
		unsigned mk = btf_kind_of(btf_type(b, mt));
		out[n].name = name;
		out[n].off = bits / 8;
		out[n].type = mk == BTF_STRUCT || mk == BTF_UNION ? mt : 0;
		if (out[n].type || btf_reader(b, mt, &out[n].reader) < 0)
			out[n].reader = BI_NONE;
		n++;
	}
	return n;
}

void kbtf_close(struct kbtf *h)
{
	if (!h)
		return;
	free(h->b.off);
	free(h->data);
	free(h);
}

/* ---- tracepoints: the btf_trace_NAME typedefs ---- */

#define BTF_TP_PREFIX "btf_trace_"

/* The prototype behind typedef id (a pointer to a function), or NULL. */
static const unsigned char *btf_tp_proto(const struct btf *b, uint32_t id)
{
	const unsigned char *t = btf_type(b, btf_skip(b, id));
	if (btf_kind_of(t) != BTF_PTR)
		return NULL;
	t = btf_type(b, btf_skip(b, rd32(t + 8)));
	return btf_kind_of(t) == BTF_FUNC_PROTO ? t : NULL;
}

/* How an argument passed as one register-sized scalar is read: 'p' a
 * pointer, else its size as b/h/i/l (1, 2, 4, 8 bytes), upper case when
 * unsigned; 0 for what is not such a scalar (a struct by value). */
static char btf_tp_argkind(const struct btf *b, uint32_t id)
{
	const unsigned char *t = btf_type(b, btf_skip(b, id));
	unsigned k = btf_kind_of(t);
	int is_signed;
	if (k == BTF_PTR)
		return 'p';
	if (k == BTF_INT)
		is_signed = (rd32(t + 12) >> 24) & 1;
	else if (k == BTF_ENUM || k == BTF_ENUM64)
		is_signed = 1;
	else
		return 0;
	switch (rd32(t + 8)) {
	case 1:
		return is_signed ? 'b' : 'B';
	case 2:
		return is_signed ? 'h' : 'H';
	case 4:
		return is_signed ? 'i' : 'I';
	case 8:
		return is_signed ? 'l' : 'L';
	default:
		return 0;
	}
}

size_t kbtf_tracepoint_names(struct kbtf *h, char ***names)
{
	const struct btf *b = &h->b;
	size_t n = 0, cap = 0, plen = strlen(BTF_TP_PREFIX);
	*names = NULL;
	for (size_t id = 1; id < b->ntypes; id++) {
		const unsigned char *t = btf_type(b, (uint32_t)id);
		const char *name = btf_str(b, rd32(t));
		if (btf_kind_of(t) != BTF_TYPEDEF || strncmp(name, BTF_TP_PREFIX, plen) != 0 ||
		    !btf_tp_proto(b, (uint32_t)id))
			continue;
		if (array_grow(names, &cap, n, sizeof(**names), 256) < 0)
			break;
		(*names)[n++] = (char *)name + plen;
	}
	return n;
}

int kbtf_tracepoint(struct kbtf *h, const char *name, char **params, char *kinds, int *nargs,
		    char *why, size_t whylen)
{
	char tname[256];
	snprintf(tname, sizeof(tname), BTF_TP_PREFIX "%s", name);
	uint32_t id = btf_named(&h->b, tname);
	const unsigned char *fp = id ? btf_tp_proto(&h->b, id) : NULL;
	struct strbuf pr = {0};
	*params = NULL;
	if (!fp) {
		snprintf(why, whylen, "no tracepoint '%s' in the kernel's BTF", name);
		return -1;
	}
	unsigned vlen = rd32(fp + 4) & 0xffff;
	if (vlen > BTF_TP_MAXARGS) {
		snprintf(why, whylen, "tracepoint '%s' has more than %d arguments", name,
			 BTF_TP_MAXARGS - 1);
		return -1;
	}
	for (unsigned k = 0; k < vlen; k++) {
		uint32_t ty = rd32(fp + 12 + 8 * k + 4);
		if (!(kinds[k] = btf_tp_argkind(&h->b, ty))) {
			free(pr.s);
			snprintf(why, whylen, "tracepoint '%s' passes argument %u by value", name,
				 k);
			return -1;
		}
		if (k == 0)
			sb_puts(&pr, "$__data:");
		else
			sb_printf(&pr, " $arg%u:", k);
		btf_type_name(&h->b, ty, &pr, 0);
	}
	kinds[vlen] = 0;
	*nargs = (int)vlen;
	*params = pr.s ? pr.s : strdup("");
	return *params ? 0 : -1;
}
