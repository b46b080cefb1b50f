# staprun.auth: the setuid-root loader.  libstaprun-auth.a holds everything
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
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
SBIN_PROGRAMS += $(O)/bin/staprun.auth

INSTALL_TARGETS += install-auth
install-auth: $(O)/bin/staprun.auth
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(sysconfdir)/pam.d
	install -o root -g root -m 4755 $(O)/bin/staprun.auth $(DESTDIR)$(sbindir)/staprun.auth
	install -m 0644 staprun-auth/pam.d/staprun-auth $(DESTDIR)$(sysconfdir)/pam.d/staprun-auth
.PHONY: install-auth
endif
endif
