# policy/: the authorized_probes parser, decision and permission check
# (libpolicy, linked by staprun.auth and by authorize/'s stap-authorize).
POLICY_LIB_SRCS := $(wildcard policy/*.c)
$(O)/policy/libpolicy.a: $(POLICY_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/policy/libpolicy.a $(LIBS_ORDERED)
