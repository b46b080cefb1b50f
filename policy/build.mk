# policy/: the authorized_probes parser, decision and permission check
# (libpolicy, linked by staprun.auth), and stap-authorize, the admin tool.
POLICY_LIB_SRCS := $(wildcard policy/*.c)
$(O)/policy/libpolicy.a: $(POLICY_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/policy/libpolicy.a $(LIBS_ORDERED)

AUTHORIZE_SRCS := $(wildcard policy/authorize/*.c)
$(O)/bin/stap-authorize: $(AUTHORIZE_SRCS:%.c=$(O)/%.o) \
		$(O)/staprun-auth/libstaprun-auth.a $(O)/policy/libpolicy.a \
		$(O)/keys/libkeys.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
# bless --script runs the installed stap when no stap sits beside it
$(O)/policy/authorize/script.o: CFLAGS += -DSTAPAUTH_BINDIR='"$(bindir)"'
ifneq ($(AUTHORIZE_SRCS),)
SBIN_PROGRAMS += $(O)/bin/stap-authorize
endif
