# staprun: libstaprun.a (the loader staprun.auth reuses) and the program.
STAPRUN_LIB_SRCS := $(filter-out staprun/main.c,$(wildcard staprun/*.c))
$(O)/staprun/libstaprun.a: $(STAPRUN_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@); rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/staprun/libstaprun.a $(LIBS_ORDERED)
$(O)/bin/staprun: $(O)/staprun/main.o $(O)/staprun/libstaprun.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@); $(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSLIBS)
PROGRAMS += $(O)/bin/staprun
