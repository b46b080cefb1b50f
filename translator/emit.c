/* Pass 3: placeholder until the real implementation lands. */
#include "translator/passes.h"

int emit_module(const struct stap_session *s, const struct stap_program *p,
		const char *modname, FILE *out)
{
	(void)s;
	(void)p;
	(void)modname;
	(void)out;
	fprintf(stderr, "stap: pass 3 is not implemented yet\n");
	return -1;
}
