# keys/: trusted-certificate store and signature verification (linked by the
# setuid staprun.auth), key generation and signing (stap-authorize only; a
# static archive gives each program just the objects it uses).
KEYS_SRCS := $(wildcard keys/*.c)
$(O)/keys/libkeys.a: $(KEYS_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/keys/libkeys.a $(LIBS_ORDERED)
