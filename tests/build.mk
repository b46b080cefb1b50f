# Unit tests: every tests/unit/*_test.c is its own program, linked with the
# runner (tests/unit/unit.c) and every project library.
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)

$(O)/tests/unit/%_test: $(O)/tests/unit/%_test.o $(O)/tests/unit/unit.o $(LIBS_ORDERED)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(O)/tests/unit/unit.o $(LIBS_ORDERED) $(SYSLIBS)

unit-tests: $(UNIT_BINS)
.PHONY: unit-tests

# libFuzzer targets: tests/fuzz/*_fuzz.c, each defining LLVMFuzzerTestOneInput,
# built with SAN=fuzz (clang) against every project library.
FUZZ_SRCS := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(O)/%)

$(O)/tests/fuzz/%_fuzz: $(O)/tests/fuzz/%_fuzz.o $(LIBS_ORDERED)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(LIBS_ORDERED) $(SYSLIBS)

fuzz-targets: $(FUZZ_BINS)
.PHONY: fuzz-targets
