/*
 * What one run learns about registries, shared by every image it reads: whether a host
 * answered over plain HTTP (so that no later request tries HTTPS first), whether it asked
 * for Basic credentials (sent at once afterwards), and Bearer tokens per host and
 * repository scope until they expire. Process-wide, guarded by one mutex: safe from any
 * thread. Tokens are secrets: wiped when dropped.
 */
#ifndef KMEND_REGISTRY_SESSION_H
#define KMEND_REGISTRY_SESSION_H

#include <stdbool.h>

/* What is known of host (the API's host[:port]). */
bool kmend_registry_session_plain_http(const char *host);
bool kmend_registry_session_wants_basic(const char *host);

/* Remember them; out of memory only means forgetting (the next image asks again). */
void kmend_registry_session_set_plain_http(const char *host);
void kmend_registry_session_set_wants_basic(const char *host);

/*
 * A copy (malloc'd; the caller wipes and frees it) of the Authorization value kept for
 * host and scope ("repository:NAME:pull"), or NULL when none or expired.
 */
char *kmend_registry_session_token(const char *host, const char *scope);

/* Keep authorization for host and scope for lifetime seconds (from now). */
void kmend_registry_session_put_token(const char *host, const char *scope,
                                      const char *authorization, long lifetime);

/* Forget the token for host and scope (the registry refused it). */
void kmend_registry_session_drop_token(const char *host, const char *scope);

#endif
