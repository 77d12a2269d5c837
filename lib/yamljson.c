/* libyaml's event stream folded into jansson values. */
#include "yamljson.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "kmend_limits.h"

struct builder {
	json_t *stack[KMEND_YAML_MAX_DEPTH + 1];
	json_t *keys[KMEND_YAML_MAX_DEPTH + 1]; /* a mapping's pending key (a string) */
	int depth;
	size_t nodes;
	json_t *docs;
	bool typed; /* plain true/false/null become JSON's (kmend_yaml_to_json_typed) */
};

/* A plain scalar that is a whole decimal integer stays a number. */
static json_t *scalar(const struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (b->typed && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
			return json_true();
		if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
			return json_false();
		if (n == 0 || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL") ||
		    !strcmp(v, "~"))
			return json_null();
	}

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n > 0 && n < 19) {
		size_t i = v[0] == '-' ? 1 : 0;
		while (i < n && v[i] >= '0' && v[i] <= '9')
			i++;
		if (i == n && (v[0] != '-' || n > 1) && !(v[0] == '0' && n > 1))
			return json_integer(strtoll(v, NULL, 10));
	}
	return json_stringn_nocheck(v, n);
}

/* Attach value to whatever is open: a sequence, a mapping (as key or value), or the stream. */
static int attach(struct builder *b, json_t *value)
{
	json_t *top;

	if (!value)
		return -ENOMEM;
	if (++b->nodes > KMEND_YAML_MAX_NODES) {
		json_decref(value);
		return -KMEND_E_TOO_LARGE;
	}
	if (b->depth == 0)
		return json_array_append_new(b->docs, value) ? -ENOMEM : 0;
	top = b->stack[b->depth - 1];
	if (json_is_array(top))
		return json_array_append_new(top, value) ? -ENOMEM : 0;
	if (!b->keys[b->depth - 1]) {
		/* Keys are strings in JSON: a number key is written back as text. */
		if (!json_is_string(value)) {
			char buf[32];
			if (!json_is_integer(value)) {
				json_decref(value);
				return -KMEND_E_BAD_INPUT;
			}
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(value));
			json_decref(value);
			value = json_string(buf);
		}
		b->keys[b->depth - 1] = value;
		return 0;
	}
	json_object_set_new(top, json_string_value(b->keys[b->depth - 1]), value);
	json_decref(b->keys[b->depth - 1]);
	b->keys[b->depth - 1] = NULL;
	return 0;
}

static int open_container(struct builder *b, json_t *c)
{
	int r;

	if (b->depth == KMEND_YAML_MAX_DEPTH) {
		json_decref(c);
		return -KMEND_E_TOO_LARGE;
	}
	json_incref(c);
	if ((r = attach(b, c)) < 0) {
		json_decref(c);
		return r;
	}
	b->stack[b->depth] = c;
	b->keys[b->depth] = NULL;
	b->depth++;
	return 0;
}

static void close_container(struct builder *b)
{
	b->depth--;
	json_decref(b->keys[b->depth]);
	json_decref(b->stack[b->depth]);
}

static int yaml_to_json(const char *data, size_t len, const char *name, bool typed, json_t **docs,
                        struct kmend_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct builder b = {.docs = json_array(), .typed = typed};
	int r = 0, done = 0;

	kmend_error_clear(err);
	if (!b.docs || !yaml_parser_initialize(&parser)) {
		json_decref(b.docs);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done && r == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			kmend_error_set(err, -KMEND_E_BAD_INPUT, name,
			                (long)parser.problem_mark.column + 1, "not valid YAML: %s",
			                parser.problem ? parser.problem : "parse error");
			kmend_error_at_line(err, (long)parser.problem_mark.line + 1);
			r = -KMEND_E_BAD_INPUT;
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT: r = attach(&b, scalar(&b, &ev)); break;
		case YAML_SEQUENCE_START_EVENT: r = open_container(&b, json_array()); break;
		case YAML_MAPPING_START_EVENT: r = open_container(&b, json_object()); break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: close_container(&b); break;
		case YAML_ALIAS_EVENT:
			kmend_error_set(err, -KMEND_E_UNSUPPORTED, name,
			                (long)ev.start_mark.column + 1,
			                "YAML aliases are not accepted");
			kmend_error_at_line(err, (long)ev.start_mark.line + 1);
			r = -KMEND_E_UNSUPPORTED;
			break;
		case YAML_STREAM_END_EVENT: done = 1; break;
		default: break;
		}
		if (r < 0 && err && !err->message[0]) {
			kmend_error_set(err, r, name, (long)ev.start_mark.column + 1, "%s",
			                r == -KMEND_E_TOO_LARGE
			                    ? "YAML too large or too deeply nested"
			                : r == -KMEND_E_BAD_INPUT
			                    ? "a mapping key that is neither text nor a number"
			                    : "out of memory");
			kmend_error_at_line(err, (long)ev.start_mark.line + 1);
		}
		yaml_event_delete(&ev);
	}
	while (b.depth > 0)
		close_container(&b);
	yaml_parser_delete(&parser);
	if (r < 0) {
		json_decref(b.docs);
		return r;
	}
	*docs = b.docs;
	return 0;
}

int kmend_yaml_to_json(const char *data, size_t len, const char *name, json_t **docs,
                       struct kmend_error *err)
{
	return yaml_to_json(data, len, name, false, docs, err);
}

int kmend_yaml_to_json_typed(const char *data, size_t len, const char *name, json_t **docs,
                             struct kmend_error *err)
{
	return yaml_to_json(data, len, name, true, docs, err);
}
