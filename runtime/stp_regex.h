/* Regular expressions compiled by the translator (translator/regex.h):
 * the tables it emits and the per-CPU state of the last =~ match. */
#ifndef STP_REGEX_H
#define STP_REGEX_H

/* Largest program and capture count of any regex of this module (the
 * translator defines both before including the runtime). */
#ifndef STP_RE_MAXPROG
#define STP_RE_MAXPROG 1
#endif
#ifndef STP_RE_MAXCAPS
#define STP_RE_MAXCAPS 2
#endif

enum { STP_RE_SET, STP_RE_SPLIT, STP_RE_JMP, STP_RE_SAVE, STP_RE_BOL, STP_RE_EOL, STP_RE_MATCH };
#define STP_RE_ACCEPT_NOW 1
#define STP_RE_ACCEPT_END 2

struct stp_re_inst {
	u8 op;
	u16 x, y;
};

struct stp_regex {
	const u8 *cls; /* byte -> class */
	u16 nclasses;
	const u16 *search; /* unanchored DFA: state * nclasses -> state */
	const u8 *search_flags;
	u16 search_start;
	const u16 *anch; /* anchored DFA */
	const u8 *anch_flags;
	u16 anch_start0, anch_startmid;
	const struct stp_re_inst *prog;
	u16 nprog;
	const u8 (*sets)[32];
	u8 ngroups;
};

struct stp_re_thread_list {
	u16 n;
	u16 pc[STP_RE_MAXPROG];
	s16 caps[STP_RE_MAXPROG][STP_RE_MAXCAPS];
};

/* An explicit stack instead of recursion: follow pc, or restore a slot. */
struct stp_re_frame {
	u16 pc;
	s16 slot, val;
};

struct stp_re_state {
	bool ok; /* the last =~ matched */
	u8 ngroups;
	s16 caps[STP_RE_MAXCAPS];
	char subject[MAXSTRINGLEN];
	/* scratch of the submatch pass */
	u32 gen;
	u32 mark[STP_RE_MAXPROG];
	s16 cur[STP_RE_MAXCAPS];
	struct stp_re_frame stack[2 * STP_RE_MAXPROG + 2];
	struct stp_re_thread_list lists[2];
};

#endif
