# Unit tests: every tests/unit/*_test.c is its own program, linked with the
# runner (tests/unit/unit.c) and every project library.
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)

$(O)/tests/unit/%_test: $(O)/tests/unit/%_test.o $(O)/tests/unit/unit.o $(LIBS_ORDERED)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(O)/tests/unit/unit.o $(LIBS_ORDERED) $(SYSLIBS) $(SYSLIBS_STAP)

unit-tests: $(UNIT_BINS)
.PHONY: unit-tests

# libFuzzer targets: tests/fuzz/*_fuzz.c, each defining LLVMFuzzerTestOneInput,
# built with SAN=fuzz (clang) against every project library.
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(O)/%)

$(O)/tests/fuzz/%_fuzz: $(O)/tests/fuzz/%_fuzz.o $(LIBS_ORDERED)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(LIBS_ORDERED) $(SYSLIBS) $(SYSLIBS_STAP)

fuzz-targets: $(FUZZ_BINS)
.PHONY: fuzz-targets

# Test variant of staprun.auth for tests/cli/auth_fake.sh (release build
# only, never installed): the same program with its compiled-in paths under
# $(O)/tests/fake/root, run with tests/fake/fakemod.so preloaded in place of
# a kernel.  The installed program has no such switch: paths stay constants.
ifeq ($(SAN),0)
AUTH_FAKE_ROOT := $(abspath $(O))/tests/fake/root
AUTH_FAKE_DEFS := -DAUTH_POLICY_PATH='"$(AUTH_FAKE_ROOT)/etc/authorized_probes"' \
	-DAUTH_KEYS_DIR='"$(AUTH_FAKE_ROOT)/etc/keys"' \
	-DAUTH_RUN_DIR='"$(AUTH_FAKE_ROOT)/run/stapauth"' \
	-DAUTH_SYSMOD_DIR='"$(AUTH_FAKE_ROOT)/sys/module"'
$(O)/tests/fake/auth_main.o: staprun-auth/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(AUTH_FAKE_DEFS) -MMD -MP -c $< -o $@
$(O)/tests/fake/staprun.auth-fake: $(O)/tests/fake/auth_main.o $(AUTH_LIBS)
	$(CC) $(LDFLAGS_BASE) -Wl,--as-needed -Wl,--gc-sections -o $@ $^ $(SYSLIBS)
$(O)/tests/fake/fakemod.so: tests/fake/fakemod.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -shared -o $@ $< -ldl
$(O)/tests/fake/noargv: tests/fake/noargv.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<
programs: $(O)/tests/fake/staprun.auth-fake $(O)/tests/fake/fakemod.so $(O)/tests/fake/noargv
endif
