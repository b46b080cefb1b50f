/* A small unit-test runner.  Each test file is one program; every TEST runs
 * in order and prints PASS:, FAIL: or SKIP: lines that tests/run counts. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *what);
void unit_skip(const char *why);
/* Directory for scratch files of the running test (created, emptied). */
const char *unit_tmpdir(void);
/* unit_tmpdir()/name, in one of 8 rotating buffers (so a few may be live
 * at once). */
const char *unit_path(const char *name);
/* Run fn in a child process (for tests that change credentials, limits or
 * fds); its return value is the child's exit code: by convention the number
 * of the first failed check, 0 when all passed.  -1 if the child died. */
int unit_in_child(int (*fn)(void));

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void unit_reg_##name(void)                             \
	{                                                                                          \
		unit_register(#name, name);                                                        \
	}                                                                                          \
	static void name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			unit_fail(__FILE__, __LINE__, #cond);                                      \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *unit_a_ = (a), *unit_b_ = (b);                                         \
		if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                       \
			char unit_m_[512];                                                         \
			snprintf(unit_m_, sizeof unit_m_, "%s == %s (\"%s\" vs \"%s\")", #a, #b,   \
				 unit_a_ ? unit_a_ : "(null)", unit_b_ ? unit_b_ : "(null)");      \
			unit_fail(__FILE__, __LINE__, unit_m_);                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define SKIP(why)                                                                                  \
	do {                                                                                       \
		unit_skip(why);                                                                    \
		return;                                                                            \
	} while (0)

#endif
