# stap: every translator/*.c except main.c goes into libtranslator.a, so a new
# file in translator/ is built without touching this file.
TRANSLATOR_LIB_SRCS := $(filter-out translator/main.c,$(wildcard translator/*.c))
$(O)/translator/libtranslator.a: $(TRANSLATOR_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/translator/libtranslator.a $(LIBS_ORDERED)
$(O)/bin/stap: $(O)/translator/main.o $(O)/translator/libtranslator.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
PROGRAMS += $(O)/bin/stap
# A build-tree stap finds runtime/ (and digests it into the
# cache key) in the source tree it was built from; installed, in DATADIR.
$(O)/translator/runtime_dir.o: CFLAGS += -DSTAPAUTH_SRCDIR='"$(CURDIR)"' -DSTAPAUTH_PREFIX='"$(PREFIX)"'
# stap-target (known_hosts recording) links the translator's target code.
$(O)/bin/stap-target: $(O)/translator/stap-target/main.o $(O)/translator/libtranslator.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
PROGRAMS += $(O)/bin/stap-target
# stap -T FLEET's driver of ClusterShell (fleet.c finds it beside runtime/
# in the source tree, installed in DATADIR).
install-fleet-run:
	install -d $(DESTDIR)$(datadir)
	install -m 0755 translator/fleet-run $(DESTDIR)$(datadir)/fleet-run
INSTALL_TARGETS += install-fleet-run
.PHONY: install-fleet-run
