/* The runtime regex matcher (runtime/stp_regex.c) in user space, fed with
 * the translator's tables (translator/regex.h) as a module would hold them.
 * Used by tests/unit/regex_test.c and tests/fuzz/regex_fuzz.c. */
#ifndef KSTUB_REGEX_H
#define KSTUB_REGEX_H

#define STP_NEED_REGEX 1
#define STP_RE_MAXPROG 512
#define STP_RE_MAXCAPS 20
#include "tests/unit/kstub.h"
#include "translator/regex.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "runtime/stp_regex.c"
#pragma GCC diagnostic pop

static inline void kstub_regex_load(const struct re_prog *p, struct stp_re_inst *insts,
				    struct stp_regex *rt)
{
	for (size_t i = 0; i < p->n; i++)
		insts[i] = (struct stp_re_inst){p->inst[i].op, p->inst[i].x, p->inst[i].y};
	*rt = (struct stp_regex){
	    .cls = p->cls,
	    .nclasses = (u16)p->nclasses,
	    .search = p->search.next,
	    .search_flags = p->search.flags,
	    .search_start = p->search.start0,
	    .anch = p->anchored.next,
	    .anch_flags = p->anchored.flags,
	    .anch_start0 = p->anchored.start0,
	    .anch_startmid = p->anchored.startmid,
	    .prog = insts,
	    .nprog = (u16)p->n,
	    .sets = (const u8(*)[32])p->sets,
	    .ngroups = (u8)p->ngroups,
	};
}

#endif
