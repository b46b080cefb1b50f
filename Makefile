# stapauth: top-level build.  Each folder adds its own rules in build.mk.
# O=DIR puts every output under DIR (default build/); SAN=1 builds with
# AddressSanitizer and UndefinedBehaviorSanitizer (what `make check` tests).

O ?= build
SAN ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
sysconfdir ?= /etc
bindir = $(PREFIX)/bin
sbindir = $(PREFIX)/sbin
mandir = $(PREFIX)/share/man
datadir = $(PREFIX)/share/stapauth
# systemd's tmpfiles.d/sysusers.d and bash-completion folders (PREFIX/lib and
# PREFIX/share are both read: /usr/local too).
libdir_systemd = $(PREFIX)/lib
completionsdir = $(PREFIX)/share/bash-completion/completions
# SETUID=0 installs staprun.auth 0755 for a packager who sets the mode in a
# maintainer script (debian/stapauth-runtime.postinst, dpkg-statoverride).
SETUID ?= 1

CC ?= cc
NPROC := $(shell nproc 2>/dev/null || echo 2)
# One section per function and datum: a program linked with --gc-sections
# (the setuid staprun.auth) keeps only the lib/ code it calls.
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -I. \
	-ffunction-sections -fdata-sections \
	-DSTAPAUTH_VERSION='"0.1"' -DSYSCONFDIR='"$(sysconfdir)"' \
	-DDATADIR='"$(datadir)"'
ifeq ($(SAN),fuzz)
CFLAGS_BASE += -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
LDFLAGS_BASE := -fsanitize=fuzzer,address,undefined
else ifeq ($(SAN),1)
CFLAGS_BASE += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS_BASE := -fsanitize=address,undefined
else
CFLAGS_BASE += -O2
LDFLAGS_BASE :=
endif
# CPPFLAGS, CFLAGS and LDFLAGS from the caller (dpkg-buildflags' hardening) come last.
CFLAGS_ALL = $(CFLAGS_BASE) $(CPPFLAGS) $(CFLAGS)
LDFLAGS_BASE += $(LDFLAGS)
SYSLIBS := -lcrypto -lelf -ldw -lcap -lpam -laudit
# The translator alone also reads LZ4-compressed kernel images.
SYSLIBS_STAP := -llz4

# Programs each folder builds; tests/ and install use these lists.
PROGRAMS :=
SBIN_PROGRAMS :=
LIBS_ORDERED :=
# Folders add install-X targets here (setuid bits, PAM file, ...).
INSTALL_TARGETS :=

all: programs

# Plain includes: a missing folder fails the build.  Order matters: each
# folder puts its library before the ones it needs in LIBS_ORDERED.
include lib/build.mk
include keys/build.mk
include policy/build.mk
include staprun/build.mk
include staprun-auth/build.mk
include authorize/build.mk
include translator/build.mk
include fleet/build.mk
include tests/build.mk
include completion/build.mk
include selinux/build.mk

programs: $(PROGRAMS) $(SBIN_PROGRAMS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# ($(O)/vm holds the VM image, whose /etc/pam.d is no make dependency file)
-include $(shell find $(O) -path $(O)/vm -prune -o -type f -name '*.d' -print 2>/dev/null)

deps:
	@scripts/deps

# `make check`: every test; installs missing Debian packages first.
check: deps
	$(MAKE) -j$(NPROC) O=$(O) SAN=0 programs
	$(MAKE) -j$(NPROC) O=$(O)/san SAN=1 programs unit-tests
	O=$(O) tests/run

demo: deps
	$(MAKE) -j$(NPROC) O=$(O) SAN=0 programs
	O=$(O) scripts/demo

fuzz: deps
	O=$(O) FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/fuzz/run

# Debian packages (debian/) built from a clean copy of the tree with
# dpkg-buildpackage into $(O)/deb, then checked with lintian.
deb: deps
	O=$(O) scripts/deb

bench: deps
	$(MAKE) -j$(NPROC) O=$(O) SAN=0 programs
	O=$(O) bench/run

install: install-base $(INSTALL_TARGETS)

install-base: programs
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(sbindir) \
		$(DESTDIR)$(sysconfdir)/pam.d $(DESTDIR)$(sysconfdir)/systemtap/keys \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(datadir)
	for p in $(PROGRAMS); do install -m 0755 $$p $(DESTDIR)$(bindir)/; done
	for p in $(SBIN_PROGRAMS); do install -m 0755 $$p $(DESTDIR)$(sbindir)/; done
	for m in man/*.[158]; do [ -e "$$m" ] || continue; \
		install -m 0644 $$m $(DESTDIR)$(mandir)/man$${m##*.}/; done
	for m in man/*.3stap; do [ -e "$$m" ] || continue; \
		install -m 0644 $$m $(DESTDIR)$(mandir)/man3/; done
	cp -R runtime tapset $(DESTDIR)$(datadir)/

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus/')

clean:
	rm -rf $(O)

fuzz-build:
	$(MAKE) O=$(O)/fuzz SAN=fuzz CC=clang fuzz-targets

.PHONY: all programs deps check install-base fuzz-build demo fuzz bench install format clean deb
