/* stap -T NAME, pass 5 on a target reached over OpenSSH (remote.c). */
#ifndef TRANSLATOR_REMOTE_H
#define TRANSLATOR_REMOTE_H

#include <stddef.h>

#include "lib/strbuf.h"

struct stap_session;
struct kh_record;

/* Check the live machine against its record and make a fresh private
 * folder there (one command), then in a second: receive ko_path into it,
 * check its digest, run the record's loader with --tied, stream the output
 * back, remove the folder.  Returns the exit
 * status stap exits with (the remote run's, or 1 after one line). */
int remote_run(const struct stap_session *s, const char *ko_path);

/* The remote shell command of the run (tests): take size bytes from stdin
 * into dir/file, check their SHA-256 is hex, then the loader for r's mode
 * with every argument of s quoted; the folder is removed on every exit. */
void remote_command(const struct stap_session *s, const struct kh_record *r, const char *dir,
		    const char *file, size_t size, const char *hex, struct strbuf *out);

#endif
