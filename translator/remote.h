/* stap -T NAME, pass 5 on a target reached over OpenSSH (remote.c). */
#ifndef TRANSLATOR_REMOTE_H
#define TRANSLATOR_REMOTE_H

#include <stddef.h>

#include "lib/digest.h"
#include "lib/strbuf.h"

struct stap_session;
struct kh_record;

/* Check the live machine against its record (one command, which changes
 * nothing there), then in a second: make a fresh private folder, receive
 * ko_path into it, check its digest, run the record's loader with --tied,
 * stream the output back, remove the folder.  Returns the exit status stap
 * exits with (the remote run's, or 1 after one line). */
int remote_run(const struct stap_session *s, const char *ko_path);

/* The remote shell command of the run: make a fresh private folder, take
 * size bytes from stdin into folder/file, check their SHA-256 is hex, then
 * the loader for r's mode with every argument of s quoted; the folder is
 * removed on every exit of that shell (hang-up and a dead connection
 * included).  Its refusals name the target label (NULL: none, a fleet
 * prefixes each host's lines). */
void remote_command(const struct stap_session *s, const struct kh_record *r, const char *label,
		    const char *file, size_t size, const char *hex, struct strbuf *out);

/* "stap-target add NAME [user@]host[:port] MODE": refreshing r's record. */
void remote_refresh_hint(const char *name, const struct kh_record *r, struct strbuf *b);

/* The module's bytes, size and digest, read once. */
struct remote_module {
	unsigned char *buf;
	size_t len;
	char hex[DIGEST_HEXLEN + 1];
};
/* 0, or -1 after one line. */
int remote_module_read(const char *ko_path, struct remote_module *m);
/* Its file name there: the cache's stap_HEX.ko, or the -m name. */
const char *remote_file_name(const char *ko_path);

#endif
