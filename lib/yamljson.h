/* YAML documents as jansson values (libyaml), for feeds published in YAML and for manifests. */
#ifndef KMEND_YAMLJSON_H
#define KMEND_YAMLJSON_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/*
 * Parse every document of a YAML stream (JSON is YAML too) into a new JSON
 * array of documents; scalars become strings, except that plain (unquoted)
 * integers stay integers; aliases are refused (they are how YAML bombs work).
 * Errors: -KMEND_E_BAD_INPUT naming where (line, column) and what libyaml
 * said; -KMEND_E_TOO_LARGE past KMEND_YAML_MAX_NODES nodes or nesting deeper
 * than KMEND_YAML_MAX_DEPTH.
 */
int kmend_yaml_to_json(const char *data, size_t len, const char *name, json_t **docs,
                       struct kmend_error *err);

/*
 * The same, with plain (unquoted) true, false, null, ~ and empty scalars made
 * JSON's true, false and null (YAML 1.2's core schema), for documents that
 * are handed on as JSON: a Kubernetes object re-read by another program
 * (podman) must keep `hostNetwork: true` a boolean.
 */
int kmend_yaml_to_json_typed(const char *data, size_t len, const char *name, json_t **docs,
                             struct kmend_error *err);

#endif
