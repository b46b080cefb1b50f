/* Temporary: replaced by the parser and elaborator in the next commits. */
#include <stdio.h>

#include "translator/front.h"
#include "translator/passes.h"

struct stap_program *front_parse(struct stap_session *s)
{
	(void)s;
	fputs("stap: pass 1 is not implemented yet\n", stderr);
	return NULL;
}

int front_elaborate(struct stap_session *s, struct stap_program *p)
{
	(void)s;
	(void)p;
	return -1;
}

char *front_p1_text(const struct stap_program *p)
{
	(void)p;
	return NULL;
}

char *program_canonical_text(const struct stap_program *p)
{
	(void)p;
	return NULL;
}

int front_list(struct stap_session *s)
{
	(void)s;
	fputs("stap: -l is not implemented yet\n", stderr);
	return 1;
}
