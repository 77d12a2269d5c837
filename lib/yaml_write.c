/* JSON values written as block-style YAML. */
#include "yaml_write.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "kmend_limits.h"

/* Words YAML 1.1 (which many tools still follow) or 1.2 read as a boolean or null. */
static bool is_keyword(const char *s)
{
	static const char *const words[] = {"y",   "n",    "yes",   "no",   "on",
	                                    "off", "true", "false", "null", "~"};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return false;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A string YAML reads back as itself when written plain: letters, digits and punctuation
 * that is no indicator where it stands (':' inside a word, as in "registry:5000/app:1.4";
 * "-" leading an option such as "--port"), never starting like a number (".5", "-1",
 * "1e3", "0x1f" are numbers to some readers).
 */
static bool plain_ok(const char *s, size_t len)
{
	if (len == 0 || strlen(s) != len || is_keyword(s))
		return false;
	if ((*s >= '0' && *s <= '9') || *s == '.' || *s == '+' || *s == ':')
		return false;
	if (*s == '-' && !(len > 1 && (is_letter(s[1]) || (s[1] == '-' && is_letter(s[2])))))
		return false;
	if (s[len - 1] == ':')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(is_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
		      c == '-' || (i > 0 && (c == ':' || c == '@' || c == '+' || c == '='))))
			return false;
	}
	return true;
}

static int write_string(struct kmend_buf *out, const char *s, size_t len)
{
	json_t *j;
	char *q;
	int r;

	if (plain_ok(s, len))
		return kmend_buf_add(out, s, len);
	/* JSON's escapes (\" \\ \n \uXXXX) are YAML's double-quoted escapes too. */
	if (!(j = json_stringn(s, len)))
		return -ENOMEM;
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (!q)
		return -ENOMEM;
	r = kmend_buf_adds(out, q);
	free(q);
	return r;
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* A scalar, or an empty mapping or sequence, on the current line. */
static int write_inline(struct kmend_buf *out, const json_t *v)
{
	char *s;
	int r;

	if (json_is_object(v))
		return kmend_buf_adds(out, "{}");
	if (json_is_array(v))
		return kmend_buf_adds(out, "[]");
	if (json_is_string(v))
		return write_string(out, json_string_value(v), json_string_length(v));
	if (!(s = json_dumps(v, JSON_ENCODE_ANY)))
		return -ENOMEM;
	r = kmend_buf_adds(out, s);
	free(s);
	return r;
}

static bool is_empty(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

/*
 * v (a non-empty mapping or sequence) at indent. inline_first: the first line goes on the
 * current line, after a sequence's "- ".
 */
static int write_block(struct kmend_buf *out, const json_t *v, size_t indent, bool inline_first,
                       int depth)
{
	bool first = true;
	int r = 0;

	if (depth > KMEND_YAML_MAX_DEPTH)
		return -KMEND_E_TOO_LARGE;
	if (json_is_object(v)) {
		const char *key;
		json_t *child;

		json_object_foreach ((json_t *)v, key, child) {
			if ((!first || !inline_first) && (r = kmend_buf_addc(out, ' ', indent)) < 0)
				return r;
			first = false;
			if ((r = write_string(out, key, strlen(key))) < 0 ||
			    (r = kmend_buf_adds(out, ":")) < 0)
				return r;
			if (is_scalar(child) || is_empty(child)) {
				if ((r = kmend_buf_adds(out, " ")) < 0 ||
				    (r = write_inline(out, child)) < 0 ||
				    (r = kmend_buf_adds(out, "\n")) < 0)
					return r;
				continue;
			}
			/* A sequence under a key at the key's indent, as kubectl writes it. */
			if ((r = kmend_buf_adds(out, "\n")) < 0 ||
			    (r = write_block(out, child, json_is_array(child) ? indent : indent + 2,
			                     false, depth + 1)) < 0)
				return r;
		}
		return 0;
	}
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);

		if ((!first || !inline_first) && (r = kmend_buf_addc(out, ' ', indent)) < 0)
			return r;
		first = false;
		if ((r = kmend_buf_adds(out, "- ")) < 0)
			return r;
		if (is_scalar(item) || is_empty(item)) {
			if ((r = write_inline(out, item)) < 0 ||
			    (r = kmend_buf_adds(out, "\n")) < 0)
				return r;
			continue;
		}
		if ((r = write_block(out, item, indent + 2, true, depth + 1)) < 0)
			return r;
	}
	return 0;
}

int kmend_yaml_write(const json_t *v, struct kmend_buf *out)
{
	int r;

	if (is_scalar(v) || is_empty(v)) {
		if ((r = write_inline(out, v)) < 0)
			return r;
		return kmend_buf_adds(out, "\n");
	}
	return write_block(out, v, 0, false, 0);
}
