# staprun.auth: the setuid-root loader (linked --as-needed: no library it
# does not call is mapped into a setuid process).  libstaprun-auth.a holds everything
# but main() so unit tests link it; it needs libstaprun, libpolicy, libkeys.
AUTH_LIB_SRCS := $(filter-out staprun-auth/main.c,$(wildcard staprun-auth/*.c))
$(O)/staprun-auth/libstaprun-auth.a: $(AUTH_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/staprun-auth/libstaprun-auth.a $(LIBS_ORDERED)

# The program needs the loader and policy libraries: until their folders
# build, only the library above is built (never a broken tree).
ifneq ($(wildcard staprun/build.mk),)
ifneq ($(wildcard policy/build.mk),)
$(O)/bin/staprun.auth: $(O)/staprun-auth/main.o $(O)/staprun-auth/libstaprun-auth.a \
		$(O)/staprun/libstaprun.a $(O)/policy/libpolicy.a $(O)/keys/libkeys.a \
		$(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -Wl,--as-needed -o $@ $^ $(SYSLIBS)
SBIN_PROGRAMS += $(O)/bin/staprun.auth

INSTALL_TARGETS += install-auth
install-auth: $(O)/bin/staprun.auth
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(sysconfdir)/pam.d
	install -o root -g root -m 4755 $(O)/bin/staprun.auth $(DESTDIR)$(sbindir)/staprun.auth
	install -m 0644 staprun-auth/pam.d/staprun-auth $(DESTDIR)$(sysconfdir)/pam.d/staprun-auth
.PHONY: install-auth
endif
endif

# Test variant for tests/cli/auth_fake.sh (release build only, never
# installed): the same program with its compiled-in paths under
# $(O)/tests/fake/root, run with tests/fake/fakemod.so preloaded in place of
# a kernel.  The installed program has no such switch: paths stay constants.
ifeq ($(SAN),0)
ifneq ($(wildcard staprun/build.mk),)
AUTH_FAKE_ROOT := $(abspath $(O))/tests/fake/root
AUTH_FAKE_DEFS := -DAUTH_POLICY_PATH='"$(AUTH_FAKE_ROOT)/etc/authorized_probes"' \
	-DAUTH_KEYS_DIR='"$(AUTH_FAKE_ROOT)/etc/keys"' \
	-DAUTH_RUN_DIR='"$(AUTH_FAKE_ROOT)/run/stapauth"' \
	-DAUTH_SYSMOD_DIR='"$(AUTH_FAKE_ROOT)/sys/module"'
$(O)/tests/fake/auth_main.o: staprun-auth/main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(AUTH_FAKE_DEFS) -MMD -MP -c $< -o $@
$(O)/tests/fake/staprun.auth-fake: $(O)/tests/fake/auth_main.o \
		$(O)/staprun-auth/libstaprun-auth.a $(O)/staprun/libstaprun.a \
		$(O)/policy/libpolicy.a $(O)/keys/libkeys.a $(O)/lib/libstap.a
	$(CC) $(LDFLAGS_BASE) -Wl,--as-needed -o $@ $^ $(SYSLIBS)
$(O)/tests/fake/fakemod.so: tests/fake/fakemod.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -shared -o $@ $< -ldl
$(O)/tests/fake/noargv: tests/fake/noargv.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<
programs: $(O)/tests/fake/staprun.auth-fake $(O)/tests/fake/fakemod.so $(O)/tests/fake/noargv
endif
endif
