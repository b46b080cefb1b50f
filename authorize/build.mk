# authorize/: stap-authorize, the administrator's tool (run by root, never
# setuid).  libauthorize.a holds everything but main() so unit tests link it;
# it needs libstaprun-auth (the record of live loads), libpolicy, libkeys.
AUTHORIZE_LIB_SRCS := $(filter-out authorize/main.c,$(wildcard authorize/*.c))
$(O)/authorize/libauthorize.a: $(AUTHORIZE_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/authorize/libauthorize.a $(LIBS_ORDERED)

$(O)/bin/stap-authorize: $(O)/authorize/main.o $(O)/authorize/libauthorize.a \
		$(O)/staprun-auth/libstaprun-auth.a $(O)/policy/libpolicy.a \
		$(O)/keys/libkeys.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
# bless --script runs the installed stap when no stap sits beside it
$(O)/authorize/script.o: CFLAGS += -DSTAPAUTH_BINDIR='"$(bindir)"'
SBIN_PROGRAMS += $(O)/bin/stap-authorize
