/* The ignore file: loading and matching accepted risks. */
#include "ignore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array.h"
#include "cleanup.h"
#include "stream.h"
#include "yamljson.h"

static int bad_rule(struct kmend_error *err, const char *path, size_t i, const char *why)
{
	kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "ignore entry %zu: %s", i + 1, why);
	kmend_error_hint(err, "entries are {id, package (optional), expires: YYYY-MM-DD "
	                      "(optional), reason}");
	return -KMEND_E_BAD_INPUT;
}

/* "YYYY-MM-DD" as the first second after that day, UTC; -1 when malformed. */
static time_t end_of_day(const char *s)
{
	struct tm tm = {0};
	int y, m, d;
	char tail;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	return timegm(&tm);
}

int kmend_ignore_load(const char *path, struct kmend_ignore *out, struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct kmend_istream *s;
	json_t *docs, *list, *e;
	size_t len, i;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = kmend_istream_open_file(path, 0, UINT64_MAX, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, 16 << 20, path, &data, &len, err);
	kmend_istream_close(s);
	if (r < 0 || (r = kmend_yaml_to_json(data, len, path, &docs, err)) < 0)
		return r;
	list = json_object_get(json_array_get(docs, 0), "ignore");
	if (!json_is_array(list))
		list = json_array_get(docs, 0);
	if (!json_is_array(list)) {
		json_decref(docs);
		return bad_rule(err, path, 0, "expected a list under 'ignore'");
	}
	json_array_foreach (list, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *pkg = json_string_value(json_object_get(e, "package"));
		const char *exp = json_string_value(json_object_get(e, "expires"));
		const char *reason = json_string_value(json_object_get(e, "reason"));
		struct kmend_ignore_rule *rule;

		if (!id || !*id)
			r = bad_rule(err, path, i, "no id");
		else if (!reason || !*reason)
			r = bad_rule(err, path, i, "no reason: say why the risk is accepted");
		else if (exp && end_of_day(exp) < 0)
			r = bad_rule(err, path, i, "expires is not a date YYYY-MM-DD");
		else if (kmend_array_grow(&out->rules, &out->capacity, out->count,
		                          sizeof(*out->rules)) < 0)
			r = -ENOMEM;
		if (r < 0)
			break;
		rule = &out->rules[out->count++];
		memset(rule, 0, sizeof(*rule));
		rule->id = strdup(id);
		rule->package = pkg ? strdup(pkg) : NULL;
		rule->expires = exp ? end_of_day(exp) : 0;
		rule->expires_text = exp ? strdup(exp) : NULL;
		rule->reason = strdup(reason);
	}
	json_decref(docs);
	if (r < 0)
		kmend_ignore_free(out);
	return r;
}

static bool names_id(const char *rule_id, const char *id, const char *aliases)
{
	size_t n = strlen(rule_id);

	if (!strcmp(rule_id, id))
		return true;
	for (const char *p = aliases; p && (p = strstr(p, rule_id)); p += n)
		if ((p == aliases || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

struct kmend_ignore_rule *kmend_ignore_find(struct kmend_ignore *ig, const char *id,
                                            const char *aliases, const char *package, time_t now)
{
	for (size_t i = 0; ig && i < ig->count; i++) {
		struct kmend_ignore_rule *r = &ig->rules[i];
		if (names_id(r->id, id, aliases) && (!r->package || !strcmp(r->package, package)) &&
		    (!r->expires || now < r->expires))
			return r;
	}
	return NULL;
}

void kmend_ignore_free(struct kmend_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->count; i++) {
		free(ig->rules[i].id);
		free(ig->rules[i].package);
		free(ig->rules[i].expires_text);
		free(ig->rules[i].reason);
	}
	free(ig->rules);
	memset(ig, 0, sizeof(*ig));
}
