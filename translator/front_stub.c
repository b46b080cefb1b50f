/* Temporary: replaced by the parser and elaborator in the next commits. */
#include <stdio.h>

#include "translator/front.h"
#include "translator/passes.h"


int front_elaborate(struct stap_session *s, struct stap_program *p)
{
	(void)s;
	(void)p;
	return -1;
}



int front_list(struct stap_session *s)
{
	(void)s;
	fputs("stap: -l is not implemented yet\n", stderr);
	return 1;
}
