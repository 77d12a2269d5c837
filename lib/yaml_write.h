/* JSON values written as block-style YAML, for manifests kmend makes (a live object's first file).
 */
#ifndef KMEND_YAML_WRITE_H
#define KMEND_YAML_WRITE_H

#include <jansson.h>

#include "buf.h"

/*
 * Append v to out as one YAML document in block style (two-space indents, a sequence under
 * a key at the key's indent, as kubectl writes it), so that kmend fix splices into it as
 * into a file a user wrote. A string is written plain only when YAML reads it back as the
 * same string (no indicator, nothing like a number, not true/false/null/yes/no/on/off),
 * else double-quoted with JSON's escapes, which YAML shares (control characters escaped).
 * Reading the text back with kmend_yaml_to_json_typed gives v again.
 * Errors: -KMEND_E_TOO_LARGE (nesting deeper than KMEND_YAML_MAX_DEPTH, or out's cap),
 * -ENOMEM; out then holds a partial document.
 */
int kmend_yaml_write(const json_t *v, struct kmend_buf *out);

#endif
