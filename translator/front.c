/* Pass 1 as a whole: tokens, preprocessor, parser. */
#include <stdlib.h>
#include <string.h>

#include "translator/front.h"
#include "translator/front_int.h"
#include "translator/tapset.h"

/* Tokens, preprocessor and parser over buf, into p.  As in SystemTap, a user
 * script with nothing left after the preprocessor is an error, not a script
 * that does nothing. */
static int front_parse_into(struct stap_program *p, struct diag *d, const char *file,
			    const char *buf, size_t len, const struct stap_session *s, int guru,
			    int user)
{
	struct tokvec raw = {0}, toks = {0};
	struct pp_env env;
	char kv[64];
	int r;

	pp_env_from_session(&env, s, kv, sizeof(kv));
	r = lex_tokens(p, d, file, buf, len, &raw);
	if (r == 0)
		r = preprocess(p, d, &env, &raw, &toks);
	if (r == 0 && user && toks.n <= 1) {
		diag_error(d, NULL, "input file '%s' is empty", file);
		r = -1;
	}
	if (r == 0)
		r = parse_tokens(p, d, &toks, guru);
	tokvec_free(&raw);
	tokvec_free(&toks);
	return r < 0 || d->nerrors ? -1 : 0;
}

struct stap_program *front_parse_buffer(const char *name, const char *buf, size_t len,
					const struct stap_session *s, FILE *errors)
{
	struct stap_program *p = calloc(1, sizeof(*p));
	struct diag d = {.src = buf, .len = len, .out = errors};

	if (!p)
		return NULL;
	p->file = stap_strdup(p, name);
	d.no_warnings = s->suppress_warnings;
	if (front_parse_into(p, &d, p->file, buf, len, s, s->guru, 1) < 0) {
		stap_program_free(p);
		return NULL;
	}
	return p;
}

int front_parse_library(struct stap_program *p, const char *name, const char *buf, size_t len,
			const struct stap_session *s, FILE *errors)
{
	size_t cap = p->nsources;
	struct stap_source src = {stap_strdup(p, name), stap_strndup(p, buf, len), len,
				  p->nembedded};
	struct diag d = {.src = src.text, .len = len, .out = errors, .no_warnings = 1};
	int guru = p->guru;

	p->sources = stap_grow(p, p->sources, p->nsources, &cap, sizeof(*p->sources), 8);
	p->sources[p->nsources++] = src;
	/* Library files may hold embedded C; the script stays what it was. */
	int r = front_parse_into(p, &d, src.file, src.text, len, s, 1, 0);
	p->guru = guru;
	return r;
}

struct stap_program *front_parse(struct stap_session *s)
{
	struct stap_program *p =
	    front_parse_buffer(s->script_name, s->script_buf, s->script_len, s, stderr);
	if (p && tapset_resolve(s, p, stderr) < 0) {
		stap_program_free(p);
		p = NULL;
	}
	if (!p)
		fputs("Pass 1: parse failed.  [man error::pass1]\n", stderr);
	return p;
}
