/* stap: options, pass 1 (parse), pass 2 (elaborate, normalize), then either
 * the canonical program (-p1/-p2) or passes 3-5 through the cache driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "translator/fleet.h"
#include "translator/front.h"
#include "translator/passclock.h"
#include "translator/passes.h"
#include "translator/session.h"

static void pass2_report(const struct stap_program *p, const struct pass_clock *c)
{
	size_t nembeds = p->nembedded;
	for (size_t i = 0; i < p->nfuncs; i++)
		nembeds += p->funcs[i]->embedded != NULL;
	fprintf(stderr,
		"Pass 2: analyzed script: %zu probe%s, %zu function%s, %zu embed%s, "
		"%zu global%s ",
		p->nprobes, p->nprobes == 1 ? "" : "s", p->nfuncs, p->nfuncs == 1 ? "" : "s",
		nembeds, nembeds == 1 ? "" : "s", p->nglobals, p->nglobals == 1 ? "" : "s");
	passclock_report(c, stderr);
}

static int print_owned(char *text)
{
	if (!text)
		return 1;
	fputs(text, stdout);
	free(text);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int stap_translate(struct stap_session *s)
{
	struct pass_clock c;
	struct stap_program *p;
	int rc;

	if (session_read_script(s) < 0)
		return 1;
	if (session_find_kernel(s) < 0 && s->last_pass > 1)
		return 1;
	if (session_find_runtime(s) < 0)
		return 1;
	passclock_start(&c);
	p = front_parse(s);
	if (!p)
		return 1;
	if (s->verbose) {
		fprintf(stderr, "Pass 1: parsed user script and %zu library script%s ", p->nsources,
			p->nsources == 1 ? "" : "s");
		passclock_report(&c, stderr);
	}
	if (s->last_pass == 1) {
		rc = print_owned(front_p1_text(p));
		stap_program_free(p);
		return rc;
	}
	passclock_start(&c);
	if (front_elaborate(s, p) < 0 || normalize_program(s, p) < 0) {
		stap_program_free(p);
		fputs("Pass 2: analysis failed.  [man error::pass2]\n", stderr);
		return 1;
	}
	if (s->verbose)
		pass2_report(p, &c);
	if (s->last_pass == 2) {
		rc = print_owned(program_canonical_text(p));
		/* cache engineer: -p2 -v shows the cache key and its fields */
		if (rc == 0 && s->verbose && driver_print_key(s, p, stderr) < 0)
			rc = 1;
	} else
		rc = driver_run(s, p);
	stap_program_free(p);
	return rc;
}

int main(int argc, char **argv)
{
	struct stap_session s;
	int rc = session_parse_args(&s, argc, argv);

	if (rc != 0) {
		session_free(&s);
		return rc > 0 ? 0 : 1;
	}
	if (s.list_mode) {
		rc = session_find_kernel(&s) < 0 || session_find_runtime(&s) < 0 ? 1
										 : front_list(&s);
	} else if (fleet_wanted(&s) && !s.fleet_build) {
		rc = fleet_main(&s, argc, argv); /* -T a,b / web[01-40] / @group */
	} else if (s.clean_cache && !s.script_text && !s.script_file) {
		rc = driver_clean_cache(&s); /* cache engineer: --clean-cache alone */
	} else {
		rc = stap_translate(&s);
	}
	session_free(&s);
	return rc;
}
