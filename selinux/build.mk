# The SELinux policy module (needs selinux-policy-dev): `make selinux`
# builds $(O)/selinux/staprun_auth.pp; `make install-selinux` installs it
# where `semodule -i` takes it from.  Not part of `make install`: most
# hosts have no SELinux policy development files.
SELINUX_DEVMK ?= /usr/share/selinux/devel/Makefile
selinuxdir = $(PREFIX)/share/selinux/packages
SELINUX_SRCS := selinux/staprun_auth.te selinux/staprun_auth.if selinux/staprun_auth.fc

$(O)/selinux/staprun_auth.pp: $(SELINUX_SRCS)
	@mkdir -p $(dir $@)
	cp $(SELINUX_SRCS) $(dir $@)
	$(MAKE) -s -C $(dir $@) -f $(SELINUX_DEVMK) staprun_auth.pp

selinux: $(O)/selinux/staprun_auth.pp

install-selinux: $(O)/selinux/staprun_auth.pp
	install -d $(DESTDIR)$(selinuxdir)
	install -m 0644 $< $(DESTDIR)$(selinuxdir)/staprun_auth.pp
.PHONY: selinux install-selinux
