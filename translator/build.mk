# stap: every translator/*.c except main.c goes into libtranslator.a, so a new
# file in translator/ is built without touching this file.
TRANSLATOR_LIB_SRCS := $(filter-out translator/main.c,$(wildcard translator/*.c))
$(O)/translator/libtranslator.a: $(TRANSLATOR_LIB_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS_ORDERED := $(O)/translator/libtranslator.a $(LIBS_ORDERED)
# libelf and libdw are loaded on first use (translator/elflazy/elflazy.c):
# most runs, a cache hit first, never read an ELF file.  Of OpenSSL, stap
# calls SHA256_Init/Update/Final alone (cache keys, file digests): linked
# from libcrypto.a (libssl-dev) that is OpenSSL's SHA-256 code and its CPU
# dispatch, ~22 KB, instead of mapping and relocating the 4.7 MB libcrypto
# at every start, a third of a cache hit (issue 17).  An OpenSSL fix to
# SHA-256 then needs a rebuild.  Without libcrypto.a, or with
# STATIC_CRYPTO=0 (the Debian packages: Debian policy 4.13, no embedded
# copies of system libraries), -lcrypto.
STATIC_CRYPTO ?= 1
STAP_CRYPTO_STATIC := -Wl,-Bstatic -lcrypto -Wl,-Bdynamic
STAP_CRYPTO := $(if $(filter 1,$(STATIC_CRYPTO)),$(if $(filter /%,$(shell $(CC) -print-file-name=libcrypto.a)),$(STAP_CRYPTO_STATIC),-lcrypto),-lcrypto)
STAP_SYSLIBS := $(STAP_CRYPTO) $(filter-out -lcrypto -lelf -ldw,$(SYSLIBS))
$(O)/bin/stap: $(O)/translator/main.o $(O)/translator/elflazy/elflazy.o \
		$(O)/translator/libtranslator.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(STAP_SYSLIBS) $(SYSLIBS_STAP)
PROGRAMS += $(O)/bin/stap
# A build-tree stap finds runtime/ (and digests it into the
# cache key) in the source tree it was built from; installed, in DATADIR.
$(O)/translator/runtime_dir.o: CFLAGS += -DSTAPAUTH_SRCDIR='"$(CURDIR)"'
# stap-target (known_hosts recording) links the translator's target code.
$(O)/bin/stap-target: $(O)/translator/stap-target/main.o $(O)/translator/elflazy/elflazy.o \
		$(O)/translator/libtranslator.a $(O)/lib/libstap.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(STAP_SYSLIBS) $(SYSLIBS_STAP)
PROGRAMS += $(O)/bin/stap-target
