LIB_SRCS := $(wildcard lib/*.c)
$(O)/lib/libstap.a: $(LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/lib/libstap.a $(LIBS_ORDERED)
# A build-tree program finds its data (the fleet driver) in the source tree
# it was built from; installed, in DATADIR.
$(O)/lib/installed.o: CFLAGS += -DSTAPAUTH_SRCDIR='"$(CURDIR)"' -DSTAPAUTH_PREFIX='"$(PREFIX)"'
