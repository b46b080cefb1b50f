/* The front end's passes: parse (pass 1), elaborate (pass 2), print, list. */
#ifndef TRANSLATOR_FRONT_H
#define TRANSLATOR_FRONT_H

#include <stdio.h>

#include "translator/ast.h"
#include "translator/session.h"

/* Pass 1: parse s->script_buf.  NULL after printing the errors. */
struct stap_program *front_parse(struct stap_session *s);
/* Pass 1 on a buffer, for the fuzz target: quiet when errors is NULL.
 * Returns the program or NULL. */
struct stap_program *front_parse_buffer(const char *name, const char *buf, size_t len,
					const struct stap_session *s, FILE *errors);
/* Pass 1 of one tapset library file (tapset.c): parsed into p, embedded C
 * allowed, named name in messages.  0, or -1 after printing the errors. */
int front_parse_library(struct stap_program *p, const char *name, const char *buf, size_t len,
			const struct stap_session *s, FILE *errors);
/* Pass 2: resolve probe points, bind names, infer types.  0, or -1 after
 * printing the errors. */
int front_elaborate(struct stap_session *s, struct stap_program *p);
/* The same, with messages to errors (NULL: quiet, for the fuzz target). */
int front_elaborate_to(struct stap_session *s, struct stap_program *p, FILE *errors);
/* The -p1 text of a parsed program.  Caller frees. */
char *front_p1_text(const struct stap_program *p);
/* -l / -L: list the probe points matching s->list_pattern.  Exit status. */
int front_list(struct stap_session *s);

#endif
