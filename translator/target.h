/* Targets: the facts that identify a machine's kernel (what known_hosts
 * records and what a remote run checks before it uploads anything), and
 * the -T NAME lookup. */
#ifndef TRANSLATOR_TARGET_H
#define TRANSLATOR_TARGET_H

#include <stddef.h>

#include "lib/strbuf.h"
#include "translator/knownhosts.h"

#define TARGET_FACT_MAX 65	/* struct utsname field size */
#define TARGET_BUILD_ID_MAX 129 /* 64 bytes of build-id in hex, NUL */

struct target_facts {
	char release[TARGET_FACT_MAX];	    /* uname -r */
	char version[TARGET_FACT_MAX];	    /* uname -v */
	char machine[TARGET_FACT_MAX];	    /* uname -m */
	char build_id[TARGET_BUILD_ID_MAX]; /* "" if the kernel has none */
	enum kh_sig sig_enforce;
	char stapauth[TARGET_FACT_MAX]; /* "none" when not installed */
};

/* The GNU build-id from the kernel's ELF notes (/sys/kernel/notes: a run of
 * notes, each
 *
 *   +--------+--------+--------+----------------+----------------+
 *   | namesz | descsz |  type  | name, 4-padded | desc, 4-padded |
 *   +--------+--------+--------+----------------+----------------+
 *     u32      u32      u32     ("GNU\0")        (build-id bytes)
 *
 * in host byte order; NT_GNU_BUILD_ID is type 3).  Lowercase hex into hex.
 * 0, or -1 when there is none or the notes are malformed. */
int target_notes_build_id(const unsigned char *buf, size_t len, char hex[TARGET_BUILD_ID_MAX]);

/* This machine's facts.  The files under /sys are read below root (tests
 * pass a fake tree; NULL means "/").  0, or -1 with a reason in *why. */
int target_facts_local(const char *root, struct target_facts *f, const char **why);

/* The POSIX sh script that prints a machine's facts as "KEY VALUE" lines
 * (release, version, machine, notes as hex, sig_enforce Y/N, stapauth). */
const char *target_facts_script(void);
/* Parse that script's output.  0, or -1 with a reason in *why. */
int target_facts_parse(const char *text, size_t len, struct target_facts *f, const char **why);

/* A record for name from facts (execute= filled by the caller). */
int target_record_from_facts(const struct target_facts *f, const char *name, struct kh_record *r);
/* Does the live machine still match its record?  0 if so; else 1 with
 * "what changed" text in out (e.g. "uname -v was ..., is now ..."). */
int target_facts_compare(const struct kh_record *r, const struct target_facts *f,
			 struct strbuf *out);

/* target_select.c: the record's build tree here (build=, else the two
 * places Debian's headers live; NULL if none), and its kernel's identity
 * for the cache key ("kernel=REL arch=ARCH [uname-v=V] [build-id=ID]"). */
char *target_tree(const struct kh_record *r);
char *target_identity(const struct kh_record *r);
/* Read known_hosts into s->targets.  0, or -1 after its errors. */
struct stap_session;
int target_load(struct stap_session *s);

/* target_btf.c: the target's BTF copy, $SYSTEMTAP_DIR/targets/NAME.btf and
 * its stamp NAME.btf.sha256 ("sha256:HEX build-id=ID"). */
struct stap_session;
/* The copy's path plus suffix ("" or ".sha256"), or NULL. */
char *target_btf_path(const char *name, const char *suffix);
/* Write both atomically (0600, folder 0700).  0, or -1 after one line. */
int target_btf_store(const char *name, const char *build_id, const unsigned char *buf, size_t len);
void target_btf_remove(const char *name);
/* stap -T: use the copy for symbols and types when its stamp matches the
 * record (s->kernel.btf_file); none is fine; a stale one is -1 with one
 * line. */
int target_btf_select(struct stap_session *s);

#endif
