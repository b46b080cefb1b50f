/* Removing a folder tree (temporary build folders). */
#ifndef LIB_RMTREE_H
#define LIB_RMTREE_H

/* Remove dir and everything below it, never following a symbolic link.
 * 0, or -errno of the first failure (the walk goes on past it). */
int rmtree(const char *dir);

#endif
