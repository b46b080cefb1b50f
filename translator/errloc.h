/* Which nodes of the program carry their source location into the module.
 *
 * A runtime error that belongs to one expression (division by zero, a full
 * array, a bad memory read, error()...) names its place: "near operator '/'
 * at f.stp:3:9".  Only those locations reach the module, so only those are
 * part of the canonical -p2 text the cache key hashes (issue 7: equal keys
 * only for scripts that behave the same on every run).  Resource limits that
 * can hit any statement (MAXACTION, MAXNESTING) name the probe point or the
 * function instead, which the canonical text already holds.
 *
 * Pass 3 (emit*.c) takes every location it embeds from these functions, and
 * print.c prints exactly these, so the two cannot drift apart. */
#ifndef TRANSLATOR_ERRLOC_H
#define TRANSLATOR_ERRLOC_H

#include "translator/ast.h"

/* The location the code for expression x embeds in its error message, or
 * NULL if x cannot fail with a located error. */
const struct stap_loc *errloc_expr(const struct stap_expr *x);

/* The same for a statement (not counting its expressions). */
const struct stap_loc *errloc_stmt(const struct stap_stmt *st);

#endif
