/* The tapset library (issue 12): script files defining probe aliases and
 * functions, resolved lazily.
 *
 * Pass 1 parses the user's script, then asks the index which library files
 * define what it calls and probes but does not define itself, parses those
 * into the same program, and repeats for what they need, until nothing new
 * is needed.  The index comes from a quick scan of every file's top level
 * (tapset_index.c): "function NAME" and "probe NAME[, NAME] =" / "+=".
 * A script that uses only builtins and the core probe families never reads
 * the library at all.
 *
 * Where: every -I DIR in order, then $SYSTEMTAP_TAPSET, else the tapset/
 * folder beside the runtime/ the build uses (the source tree of a build-tree
 * stap, DATADIR once installed), else beside a moved bin/stap, else
 * DATADIR/tapset.  The first file defining a name wins.  Library files may
 * hold embedded C without -g, like SystemTap's own tapsets.  Their nodes'
 * locations name them as "tapset/FILE.stp" (the default library) or
 * "DIR/FILE.stp" (-I), never the install path, so a module's bytes do not
 * depend on where stapauth is installed. */
#ifndef TRANSLATOR_TAPSET_H
#define TRANSLATOR_TAPSET_H

#include <stddef.h>
#include <stdio.h>

#include "translator/ast.h"
#include "translator/session.h"

struct tapset_file {
	char *path;    /* to open */
	char *display; /* for messages and locations */
	char *text;    /* read once by the scan, parsed from memory */
	size_t len;
};

struct tapset_name {
	char *name; /* function name, or alias name as written without blanks */
	size_t file;
};

struct tapset_index {
	struct tapset_file *files;
	size_t nfiles, files_cap;
	struct tapset_name *funcs; /* sorted by name once tapset_index_sort ran */
	size_t nfuncs, funcs_cap;
	struct tapset_name *aliases;
	size_t naliases, aliases_cap;
};

/* Record what text (file number `file`) defines at its top level.  Never
 * fails on bad input: a file the scan misreads fails in the parser later.
 * 0, or -1 out of memory. */
int tapset_index_scan(struct tapset_index *ix, size_t file, const char *text, size_t len);
/* Add the *.stp files under dir (sorted, subfolders too) and scan them.
 * display names them in messages ("tapset").  0, or -1 with why. */
int tapset_index_add_dir(struct tapset_index *ix, const char *dir, const char *display, char *why,
			 size_t whylen);
/* The same for the macro files (*.stpm) under dir. */
int tapset_index_add_macro_dir(struct tapset_index *ix, const char *dir, const char *display,
			       char *why, size_t whylen);
void tapset_index_sort(struct tapset_index *ix);
/* The file defining function name, or -1. */
long tapset_index_func(const struct tapset_index *ix, const char *name);
/* Does alias name (as in the index) match the probe point spec? */
int tapset_alias_matches(const char *name, const struct stap_pp_spec *sp);
void tapset_index_free(struct tapset_index *ix);
/* Does the name of a parsed alias (no wildcards) fit a spec as written?
 * Component names by wildcard, arguments by presence only. */
int tapset_alias_name_fits(const struct stap_pp_spec *name, const struct stap_pp_spec *sp);

/* The library folder (see above), found beside runtime_dir (the runtime/
 * the build uses); static storage. */
const char *tapset_default_dir(const char *runtime_dir);

/* The library's macro files (*.stpm: @define only), from the same folders
 * in the same order, into ix (its files; the first definition of a macro
 * wins).  0, or -1 after printing why to errors. */
int tapset_macro_files(const struct stap_session *s, struct tapset_index *ix, FILE *errors);

/* Pass 1, after the script: parse the library files p needs into p.  The
 * number of library files parsed, or -1 after printing errors to errors. */
int tapset_resolve(const struct stap_session *s, struct stap_program *p, FILE *errors);

#endif
