/* libFuzzer target: the script front end (lexer, preprocessor, @define
 * macros, parser, -p1 printer, and elaboration of what needs no files) over
 * untrusted script text.  No input may crash, leak or hang it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/front.h"
#include "translator/passes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a1[] = "42", a2[] = "str ing";
	static char *args[] = {a1, a2};
	struct stap_session s;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	memset(&s, 0, sizeof(s));
	s.args = args;
	s.nargs = 2;
	s.guru = size > 0 && data[0] & 1;
	s.script_buf = buf;
	s.script_len = size;
	s.script_name = "<fuzz>";
	struct stap_program *p = front_parse_buffer("<fuzz>", buf, size, &s, NULL);
	if (p) {
		free(front_p1_text(p));
		/* Elaborate unless it would read files named by the input. */
		if (!memmem(data, size, "process", 7) && !memmem(data, size, "module", 6) &&
		    front_elaborate_to(&s, p, NULL) == 0)
			free(program_canonical_text(p));
		stap_program_free(p);
	}
	free(buf);
	return 0;
}
