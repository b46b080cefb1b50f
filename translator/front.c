/* Pass 1 as a whole: tokens, preprocessor, parser. */
#include <stdlib.h>
#include <string.h>

#include "translator/front.h"
#include "translator/front_int.h"

struct stap_program *front_parse_buffer(const char *name, const char *buf, size_t len,
					const struct stap_session *s, FILE *errors)
{
	struct stap_program *p = calloc(1, sizeof(*p));
	struct diag d = {.src = buf, .len = len, .out = errors};
	struct tokvec raw = {0}, toks = {0};
	struct pp_env env;
	char kv[64];
	int r;

	if (!p)
		return NULL;
	p->file = stap_strdup(p, name);
	d.no_warnings = s->suppress_warnings;
	pp_env_from_session(&env, s, kv, sizeof(kv));
	r = lex_tokens(p, &d, p->file, buf, len, &raw);
	if (r == 0)
		r = preprocess(p, &d, &env, &raw, &toks);
	/* As SystemTap: nothing left after the preprocessor is an error, not a
	 * script that does nothing. */
	if (r == 0 && toks.n <= 1) {
		diag_error(&d, NULL, "input file '%s' is empty", name);
		r = -1;
	}
	if (r == 0)
		r = parse_tokens(p, &d, &toks, s->guru);
	tokvec_free(&raw);
	tokvec_free(&toks);
	if (r < 0 || d.nerrors) {
		stap_program_free(p);
		return NULL;
	}
	return p;
}

struct stap_program *front_parse(struct stap_session *s)
{
	struct stap_program *p =
	    front_parse_buffer(s->script_name, s->script_buf, s->script_len, s, stderr);
	if (!p)
		fputs("Pass 1: parse failed.  [man error::pass1]\n", stderr);
	return p;
}
