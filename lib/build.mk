LIB_SRCS := $(wildcard lib/*.c)
$(O)/lib/libstap.a: $(LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/lib/libstap.a $(LIBS_ORDERED)
