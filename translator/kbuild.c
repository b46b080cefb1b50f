/* Pass 4: placeholder until the real implementation lands. */
#include "translator/passes.h"

int kbuild_module(const struct stap_session *s, const char *c_path, const char *modname,
		  const char *ko_out)
{
	(void)s;
	(void)c_path;
	(void)modname;
	(void)ko_out;
	fprintf(stderr, "stap: pass 4 is not implemented yet\n");
	return -1;
}
