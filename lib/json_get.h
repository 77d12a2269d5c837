/* Reading fields of JSON objects from outside (API objects, podman's inspect, journals). */
#ifndef KMEND_JSON_GET_H
#define KMEND_JSON_GET_H

#include <jansson.h>

/* o[key] when it is a string, else NULL (o may be NULL or not an object). */
static inline const char *kmend_json_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

#endif
