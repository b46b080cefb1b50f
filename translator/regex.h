/* POSIX extended regular expressions for =~ and !~, compiled at translate
 * time (the kernel has no regex engine) into tables the runtime walks with
 * bounded loops, no recursion and no allocation (runtime/stp_regex.c):
 *
 *   program   Pike-VM instructions (byte-set, split, jump, save, ^, $, match)
 *   search    a DFA over byte classes that answers "is there a match" in
 *             one pass
 *   anchored  a DFA run from each start position for the leftmost-longest
 *             match (POSIX), only when matched()/ngroups() need its extent
 *
 * Submatches come from the program, run over that extent: the highest
 * priority (leftmost alternative, greedy repetition) parse of the POSIX
 * match, which agrees with POSIX except where a group can split the same
 * text several ways. */
#ifndef TRANSLATOR_REGEX_H
#define TRANSLATOR_REGEX_H

#include <stddef.h>
#include <stdint.h>

#define RE_MAX_GROUPS 9	   /* matched(1) .. matched(9) */
#define RE_MAX_PROG 512	   /* instructions, after {m,n} expansion */
#define RE_MAX_STATES 1024 /* DFA states of one automaton */
#define RE_MAX_SETS 255	   /* distinct byte sets */

enum re_op {
	RE_SET,	  /* consume a byte in sets[x] */
	RE_SPLIT, /* continue at x (preferred) and at y */
	RE_JMP,	  /* continue at x */
	RE_SAVE,  /* capture slot x = the position */
	RE_BOL,	  /* only at position 0 */
	RE_EOL,	  /* only at the end of the string */
	RE_MATCH,
};

struct re_inst {
	uint8_t op;
	uint16_t x, y;
};

struct re_dfa {
	size_t nstates;	   /* state 0 is the dead state */
	uint16_t *next;	   /* nstates * nclasses */
	uint8_t *flags;	   /* RE_ACCEPT_NOW | RE_ACCEPT_END */
	uint16_t start0;   /* at position 0 */
	uint16_t startmid; /* at a later position (anchored DFA only) */
};
#define RE_ACCEPT_NOW 1 /* a match ends here */
#define RE_ACCEPT_END 2 /* a match ends here if this is the end of the string */

struct re_prog {
	struct re_inst inst[RE_MAX_PROG];
	size_t n;
	uint8_t sets[RE_MAX_SETS][32]; /* byte bitmaps */
	size_t nsets;
	int ngroups;
	uint8_t cls[256]; /* byte -> equivalence class */
	size_t nclasses;
	struct re_dfa search, anchored;
};

/* Compile re (len bytes).  0, or -1 with why and *at, the byte offset in re
 * the complaint is about. */
int re_compile(const char *re, size_t len, struct re_prog *out, char *why, size_t whylen,
	       size_t *at);
void re_free(struct re_prog *p);
/* The translator's own matcher over the same tables (tests, constant
 * folding): 1 match, 0 none; caps[0..2*(ngroups+1)) the extents or -1. */
int re_exec(const struct re_prog *p, const char *s, size_t len, int *caps);

#endif
