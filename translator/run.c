/* Pass 5: placeholder until the real implementation lands. */
#include "translator/passes.h"

int run_module(const struct stap_session *s, const char *ko_path)
{
	(void)s;
	(void)ko_path;
	fprintf(stderr, "stap: pass 5 is not implemented yet\n");
	return -1;
}
