/* Filling a struct loader_err (internal to staprun/). */
#ifndef STAPRUN_ERR_H
#define STAPRUN_ERR_H

#include "staprun/loader.h"

/* Format one line into e (if not NULL) and return rc (a -errno). */
int loader_fail(struct loader_err *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Length of a vermagic string without the blank the kernel's ends with. */
size_t loader_vermagic_len(const char *v);

#endif
