/* "Key: value" record reader shared by the dpkg and apk database parsers. */
#include "kvtext.h"

#include <stdlib.h>
#include <string.h>

void kvtext_init(struct kvtext_reader *r, const char *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->p = data;
	r->end = data + len;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct kmend_span trim(const char *a, const char *b)
{
	while (a < b && is_blank(*a))
		a++;
	while (b > a && is_blank(b[-1]))
		b--;
	return (struct kmend_span){a, (size_t)(b - a)};
}

/* Past the continuation lines that follow eol (not blank-only ones: those end a record). */
static const char *continuation_end(struct kvtext_reader *r, const char *eol)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t')) {
		const char *next = memchr(r->p, '\n', (size_t)(r->end - r->p));

		if (!next)
			next = r->end;
		if (trim(r->p, next).len == 0)
			break;
		eol = next;
		r->p = next < r->end ? next + 1 : r->end;
		r->line++;
	}
	return eol;
}

enum kvtext_item kvtext_next(struct kvtext_reader *r)
{
	while (r->p < r->end) {
		const char *line = r->p, *eol = memchr(line, '\n', (size_t)(r->end - line));
		const char *colon;

		if (!eol)
			eol = r->end;
		r->p = eol < r->end ? eol + 1 : r->end;
		r->line++;
		if (trim(line, eol).len == 0) {
			if (r->in_record) {
				r->in_record = 0;
				return KVTEXT_END_RECORD;
			}
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue; /* continuation of a multi-line field */
		if (r->comments && line[0] == '#')
			continue;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			return KVTEXT_MALFORMED;
		r->key = trim(line, colon);
		if (r->multiline)
			eol = continuation_end(r, eol);
		r->value = trim(colon + 1, eol);
		r->in_record = 1;
		return KVTEXT_FIELD;
	}
	if (r->in_record) {
		r->in_record = 0;
		return KVTEXT_END_RECORD;
	}
	return KVTEXT_END;
}

int kmend_span_eq(struct kmend_span a, const char *s)
{
	return strlen(s) == a.len && memcmp(a.ptr, s, a.len) == 0;
}

char *kmend_span_dup(struct kmend_span a)
{
	char *s = malloc(a.len + 1);

	if (s) {
		memcpy(s, a.ptr, a.len);
		s[a.len] = '\0';
	}
	return s;
}
