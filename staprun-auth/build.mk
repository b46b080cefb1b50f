# staprun.auth: the setuid-root loader (linked --as-needed: no library it
# does not call is mapped into a setuid process; --gc-sections: no function
# it does not call is in it).  libstaprun-auth.a holds
# everything but main() so unit tests link it; it needs libstaprun,
# libpolicy, libkeys.  Its test variant (staprun.auth-fake) is built by
# tests/build.mk.
AUTH_LIB_SRCS := $(filter-out staprun-auth/main.c,$(wildcard staprun-auth/*.c))
$(O)/staprun-auth/libstaprun-auth.a: $(AUTH_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/staprun-auth/libstaprun-auth.a $(LIBS_ORDERED)
AUTH_LIBS := $(O)/staprun-auth/libstaprun-auth.a $(O)/staprun/libstaprun.a \
	$(O)/policy/libpolicy.a $(O)/keys/libkeys.a $(O)/lib/libstap.a

$(O)/bin/staprun.auth: $(O)/staprun-auth/main.o $(AUTH_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -Wl,--as-needed -Wl,--gc-sections -o $@ $^ $(SYSLIBS)
SBIN_PROGRAMS += $(O)/bin/staprun.auth

INSTALL_TARGETS += install-auth
# The policy file is installed only when absent: a reinstall never replaces
# the admin's approvals.  /run/stapauth comes from tmpfiles.d, the stapusr
# group (for groups=stapusr policy lines) from sysusers.d.
install-auth: $(O)/bin/staprun.auth
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(sysconfdir)/pam.d \
		$(DESTDIR)$(sysconfdir)/systemtap/keys \
		$(DESTDIR)$(libdir_systemd)/tmpfiles.d $(DESTDIR)$(libdir_systemd)/sysusers.d
ifeq ($(SETUID),1)
	install -o root -g root -m 4755 $(O)/bin/staprun.auth $(DESTDIR)$(sbindir)/staprun.auth
else
	install -m 0755 $(O)/bin/staprun.auth $(DESTDIR)$(sbindir)/staprun.auth
endif
	install -m 0644 staprun-auth/pam.d/staprun-auth $(DESTDIR)$(sysconfdir)/pam.d/staprun-auth
	install -m 0644 staprun-auth/tmpfiles.d/stapauth.conf $(DESTDIR)$(libdir_systemd)/tmpfiles.d/stapauth.conf
	install -m 0644 staprun-auth/sysusers.d/stapauth.conf $(DESTDIR)$(libdir_systemd)/sysusers.d/stapauth.conf
	[ -e $(DESTDIR)$(sysconfdir)/systemtap/authorized_probes ] || \
		install -m 0644 staprun-auth/authorized_probes $(DESTDIR)$(sysconfdir)/systemtap/authorized_probes
	install -d $(DESTDIR)$(datadir)/audit
	install -m 0644 staprun-auth/stapauth.rules $(DESTDIR)$(datadir)/audit/stapauth.rules
.PHONY: install-auth
