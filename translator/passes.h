/* The translator's passes and who provides them.  struct stap_session (the
 * options) and struct stap_program (the elaborated program) are defined by the
 * front end in translator/session.h and translator/ast.h. */
#ifndef TRANSLATOR_PASSES_H
#define TRANSLATOR_PASSES_H

#include <stdio.h>

struct stap_session;
struct stap_program;

/* Pass 2, last step (normalize*.c): rewrite the elaborated program into
 * its normal form; only rewrites that keep behaviour identical on every run.
 * 0, or -1 after printing an error. */
int normalize_program(struct stap_session *s, struct stap_program *p);

/* The canonical pass-2 text (front end): deterministic, what -p2 prints and
 * what the cache key hashes.  Caller frees. */
char *program_canonical_text(const struct stap_program *p);

/* Passes 3-5 around the cache (driver.c): key, lookup, emit, build, store,
 * run, as far as s asks.  Returns the process exit status. */
int driver_run(struct stap_session *s, struct stap_program *p);
/* Print the key's fields, the key and the module name (stap -p2 -v). 0/-1. */
int driver_print_key(struct stap_session *s, struct stap_program *p, FILE *out);
/* --clean-cache: leftovers and LRU cleaning to the limit.  Exit status. */
int driver_clean_cache(struct stap_session *s);

/* Pass 3 (emit*.c): the module's C source for p, module name modname, to out.
 * 0, or -1 after printing an error. */
int emit_module(const struct stap_session *s, const struct stap_program *p, const char *modname,
		FILE *out);

/* Pass 4 (kbuild.c): build c_path into a module named modname with kbuild for
 * the session's target, in a temporary folder always removed; the .ko is
 * written to ko_out (the caller makes it atomic).  0, or -1 after an error. */
int kbuild_module(const struct stap_session *s, const char *c_path, const char *modname,
		  const char *ko_out);

/* Pass 5 (run.c): run the module with staprun (root) or staprun.auth; returns
 * the exit status stap should exit with. */
int run_module(const struct stap_session *s, const char *ko_path);

#endif
