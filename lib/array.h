/* Growable arrays: the element pointer and its capacity live in the caller's
 * struct; this only grows them. */
#ifndef LIB_ARRAY_H
#define LIB_ARRAY_H

#include <stddef.h>

/* Make room for element n in the array *arrp (a pointer to the caller's
 * element pointer) of *cap elements of size bytes each: when n == *cap the
 * capacity doubles (first: initial capacity).  0, or -ENOMEM (also when the
 * size would overflow), leaving the array and *cap unchanged. */
int array_grow(void *arrp, size_t *cap, size_t n, size_t size, size_t first);

#endif
