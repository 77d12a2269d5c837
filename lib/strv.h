/* NULL-terminated vectors of owned strings (argv arrays, lists read from configuration). */
#ifndef KMEND_STRV_H
#define KMEND_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* Entries before the NULL; 0 for a NULL vector. */
size_t kmend_strv_len(char *const *v);

/* Append a copy of s[0, len) (*v may be NULL: a new vector). 0 or -ENOMEM (v unchanged). */
int kmend_strv_push(char ***v, const char *s, size_t len);

/* Append a copy of every entry of from (may be NULL). 0 or -ENOMEM. */
int kmend_strv_extend(char ***v, char *const *from);

/* Whether v holds s. */
bool kmend_strv_has(char *const *v, const char *s);

/* Append the words of s[0, len) split on any byte of seps, empty words skipped. */
int kmend_strv_split(char ***v, const char *s, size_t len, const char *seps);

/* A deep copy (NULL for NULL); sets *failed on allocation failure. */
char **kmend_strv_dup(char *const *v, int *failed);

/* Free every entry and the vector; NULL-safe. */
void kmend_strv_free(char **v);

#endif
