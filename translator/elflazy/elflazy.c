/* libelf and libdw for stap, loaded on first use (issue 17).
 *
 * Most runs of stap never read an ELF file: a cache hit, -V, -l of tapset
 * probes, passes 1-2 of most scripts.  Linked normally, libdw and libelf
 * (with libz, liblzma and libbz2 behind libdw) are mapped and relocated at
 * every start anyway, a fifth of a cache hit.  Here every libelf/libdw
 * function stap calls is defined with the prototype of the library's own
 * header, and forwards to the library's function, found with dlopen/dlsym
 * the first time one of that library's functions is called.  libelf alone
 * is loaded for elf_* and gelf_*, libdw (which brings libelf) for dwarf_*
 * and dwelf_*.
 *
 * stap and stap-target link this object instead of -lelf -ldw; the objects
 * are not exported (no -rdynamic), so libdw's own calls into libelf go to
 * libelf directly.  A libelf/libdw function that is not listed here is an
 * undefined symbol at link time: add its line.  A library that cannot be
 * loaded ends the run with one line naming it (it is a package dependency,
 * like a library the loader could not find at start). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <libelf.h>

enum { LIB_ELF, LIB_DW, LIB_N };

static const char *const lib_soname[LIB_N] = {"libelf.so.1", "libdw.so.1"};

/* X(library, return type, name, (parameters), (arguments)) */
#define ELFLAZY_FUNCS(X)                                                                           \
	X(LIB_ELF, Elf *, elf_begin, (int fd, Elf_Cmd cmd, Elf *ref), (fd, cmd, ref))              \
	X(LIB_ELF, int, elf_end, (Elf * elf), (elf))                                               \
	X(LIB_ELF, Elf_Data *, elf_getdata, (Elf_Scn * scn, Elf_Data * data), (scn, data))         \
	X(LIB_ELF, int, elf_getphdrnum, (Elf * elf, size_t * dst), (elf, dst))                     \
	X(LIB_ELF, int, elf_getshdrnum, (Elf * elf, size_t * dst), (elf, dst))                     \
	X(LIB_ELF, int, elf_getshdrstrndx, (Elf * elf, size_t * dst), (elf, dst))                  \
	X(LIB_ELF, Elf_Kind, elf_kind, (Elf * elf), (elf))                                         \
	X(LIB_ELF, Elf *, elf_memory, (char *image, size_t size), (image, size))                   \
	X(LIB_ELF, Elf_Scn *, elf_nextscn, (Elf * elf, Elf_Scn * scn), (elf, scn))                 \
	X(LIB_ELF, Elf_Data *, elf_rawdata, (Elf_Scn * scn, Elf_Data * data), (scn, data))         \
	X(LIB_ELF, char *, elf_strptr, (Elf * elf, size_t index, size_t offset),                   \
	  (elf, index, offset))                                                                    \
	X(LIB_ELF, unsigned int, elf_version, (unsigned int version), (version))                   \
	X(LIB_ELF, GElf_Ehdr *, gelf_getehdr, (Elf * elf, GElf_Ehdr * dst), (elf, dst))            \
	X(LIB_ELF, GElf_Phdr *, gelf_getphdr, (Elf * elf, int ndx, GElf_Phdr *dst),                \
	  (elf, ndx, dst))                                                                         \
	X(LIB_ELF, GElf_Shdr *, gelf_getshdr, (Elf_Scn * scn, GElf_Shdr * dst), (scn, dst))        \
	X(LIB_ELF, GElf_Sym *, gelf_getsym, (Elf_Data * data, int ndx, GElf_Sym *dst),             \
	  (data, ndx, dst))                                                                        \
	X(LIB_DW, Dwarf_Attribute *, dwarf_attr,                                                   \
	  (Dwarf_Die * die, unsigned int name, Dwarf_Attribute *res), (die, name, res))            \
	X(LIB_DW, Dwarf_Attribute *, dwarf_attr_integrate,                                         \
	  (Dwarf_Die * die, unsigned int name, Dwarf_Attribute *res), (die, name, res))            \
	X(LIB_DW, Dwarf *, dwarf_begin_elf, (Elf * elf, Dwarf_Cmd cmd, Elf_Scn * grp),             \
	  (elf, cmd, grp))                                                                         \
	X(LIB_DW, int, dwarf_child, (Dwarf_Die * die, Dwarf_Die * res), (die, res))                \
	X(LIB_DW, const char *, dwarf_diename, (Dwarf_Die * die), (die))                           \
	X(LIB_DW, int, dwarf_end, (Dwarf * dw), (dw))                                              \
	X(LIB_DW, Dwarf_Die *, dwarf_formref_die, (Dwarf_Attribute * attr, Dwarf_Die * mem),       \
	  (attr, mem))                                                                             \
	X(LIB_DW, int, dwarf_nextcu,                                                               \
	  (Dwarf * dw, Dwarf_Off off, Dwarf_Off * next, size_t * hsize, Dwarf_Off * abbrev,        \
	   uint8_t * asize, uint8_t * osize),                                                      \
	  (dw, off, next, hsize, abbrev, asize, osize))                                            \
	X(LIB_DW, Dwarf_Die *, dwarf_offdie, (Dwarf * dw, Dwarf_Off off, Dwarf_Die * res),         \
	  (dw, off, res))                                                                          \
	X(LIB_DW, int, dwarf_siblingof, (Dwarf_Die * die, Dwarf_Die * res), (die, res))            \
	X(LIB_DW, int, dwarf_tag, (Dwarf_Die * die), (die))                                        \
	X(LIB_DW, Elf *, dwelf_elf_begin, (int fd), (fd))

static struct {
#define ELFLAZY_FIELD(lib, ret, name, params, args) __typeof__(name) *name;
	ELFLAZY_FUNCS(ELFLAZY_FIELD)
} fn;

static void lib_load(int lib)
{
	void *h = dlopen(lib_soname[lib], RTLD_NOW | RTLD_LOCAL);
	void *p;

	if (!h) {
		fprintf(stderr, "stap: cannot load %s: %s\n", lib_soname[lib], dlerror());
		exit(1);
	}
#define ELFLAZY_RESOLVE(l, ret, name, params, args)                                                \
	if (l == lib) {                                                                            \
		if (!(p = dlsym(h, #name))) {                                                      \
			fprintf(stderr, "stap: %s has no %s\n", lib_soname[lib], #name);           \
			exit(1);                                                                   \
		}                                                                                  \
		fn.name = (__typeof__(name) *)p;                                                   \
	}
	ELFLAZY_FUNCS(ELFLAZY_RESOLVE)
}

static void load_elf(void)
{
	lib_load(LIB_ELF);
}

static void load_dw(void)
{
	lib_load(LIB_DW);
}

static void need(int lib)
{
	static pthread_once_t once[LIB_N] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

	pthread_once(&once[lib], lib == LIB_ELF ? load_elf : load_dw);
}

#define ELFLAZY_DEFINE(lib, ret, name, params, args)                                               \
	ret name params                                                                            \
	{                                                                                          \
		need(lib);                                                                         \
		return fn.name args;                                                               \
	}
ELFLAZY_FUNCS(ELFLAZY_DEFINE)
