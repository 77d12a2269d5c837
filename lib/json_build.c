/* Checked JSON building with untrusted text (see json_build.h). */
#include "json_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

static json_t *checked(struct kmend_jb *b, json_t *v)
{
	if (!v)
		b->failed = true;
	return v;
}

json_t *kmend_jb_text(struct kmend_jb *b, const char *s)
{
	json_t *v;
	char *fixed;
	bool escaped;

	if (!s)
		return checked(b, json_null());
	if ((v = json_string(s)))
		return v;
	/* json_string refuses text that is not UTF-8 (and fails when out of memory). */
	if (!(fixed = kmend_text_to_utf8(s, &escaped)))
		return checked(b, NULL);
	if (escaped && b->escaped++ == 0)
		snprintf(b->first_escaped, sizeof(b->first_escaped), "%s", fixed);
	v = checked(b, json_string(fixed));
	free(fixed);
	return v;
}

json_t *kmend_jb_text_or_null(struct kmend_jb *b, const char *s)
{
	return kmend_jb_text(b, s && *s ? s : NULL);
}

json_t *kmend_jb_object(struct kmend_jb *b)
{
	return checked(b, json_object());
}

json_t *kmend_jb_array(struct kmend_jb *b)
{
	return checked(b, json_array());
}

json_t *kmend_jb_integer(struct kmend_jb *b, long long v)
{
	return checked(b, json_integer(v));
}

void kmend_jb_set(struct kmend_jb *b, json_t *obj, const char *key, json_t *value)
{
	if (!obj || !value) {
		b->failed = true;
		json_decref(value);
		return;
	}
	/* json_object_set_new releases value itself when it fails. */
	if (json_object_set_new(obj, key, value) != 0)
		b->failed = true;
}

void kmend_jb_append(struct kmend_jb *b, json_t *arr, json_t *value)
{
	if (!arr || !value) {
		b->failed = true;
		json_decref(value);
		return;
	}
	if (json_array_append_new(arr, value) != 0)
		b->failed = true;
}

void kmend_jb_set_text(struct kmend_jb *b, json_t *obj, const char *key, const char *s)
{
	kmend_jb_set(b, obj, key, kmend_jb_text(b, s));
}

int kmend_json_write(FILE *f, const json_t *value, int depth)
{
	const size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
	size_t size = json_dumpb(value, NULL, 0, flags), start = 0;
	char *text;

	if (size == 0 || !(text = malloc(size)))
		return -ENOMEM;
	if (json_dumpb(value, text, size, flags) != size) {
		free(text);
		return -ENOMEM;
	}
	/* JSON strings never hold a raw newline, so every newline is the indenter's. */
	for (size_t i = 0; i < size; i++) {
		if (text[i] != '\n')
			continue;
		if (fwrite(text + start, 1, i + 1 - start, f) != i + 1 - start ||
		    fprintf(f, "%*s", 2 * depth, "") < 0) {
			free(text);
			return -EIO;
		}
		start = i + 1;
	}
	if (fwrite(text + start, 1, size - start, f) != size - start) {
		free(text);
		return -EIO;
	}
	free(text);
	return 0;
}
