/* Relation parsers for the three families' syntaxes, and version constraint checks. */
#include "pkgmgr_relation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

static int add_group(struct kmend_relation *rel)
{
	if (kmend_array_grow(&rel->groups, &rel->groups_capacity, rel->ngroups,
	                     sizeof(*rel->groups)))
		return -ENOMEM;
	rel->groups[rel->ngroups++] = (struct kmend_rel_group){.first = rel->nalts};
	return 0;
}

static int add_alt(struct kmend_relation *rel, const struct kmend_rel_alt *alt)
{
	if (kmend_array_grow(&rel->alts, &rel->alts_capacity, rel->nalts, sizeof(*rel->alts)))
		return -ENOMEM;
	rel->alts[rel->nalts++] = *alt;
	rel->groups[rel->ngroups - 1].count++;
	return 0;
}

static int bad(struct kmend_error *err, const char *text, const char *p, const char *what)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, text, (long)(p - text) + 1,
	                       "relation field: %s", what);
}

/* Debian package names: lowercase letters, digits, '+', '-', '.' (upper case tolerated). */
static bool deb_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.' || c == '_';
}

static const char *deb_op(const char *p, enum kmend_rel_op *op)
{
	static const struct {
		const char *text;
		enum kmend_rel_op op;
	} ops[] = {
	    {"<<", KMEND_REL_LT}, {"<=", KMEND_REL_LE}, {">>", KMEND_REL_GT}, {">=", KMEND_REL_GE},
	    {"=", KMEND_REL_EQ},  {"<", KMEND_REL_LE},  {">", KMEND_REL_GE}, /* obsolete forms */
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(p, ops[i].text, n) == 0) {
			*op = ops[i].op;
			return p + n;
		}
	}
	return NULL;
}

/* One alternative at p; returns the position after it or NULL with err set. */
static const char *deb_alt(const char *text, const char *p, struct kmend_rel_alt *alt,
                           struct kmend_error *err, int *r)
{
	const char *start;

	memset(alt, 0, sizeof(*alt));
	p = skip_space(p);
	for (start = p; deb_name_char(*p); p++)
		;
	if (p == start) {
		*r = bad(err, text, p, "expected a package name");
		return NULL;
	}
	alt->name = (struct kmend_span){start, (size_t)(p - start)};
	if (*p == ':') {
		for (start = ++p; deb_name_char(*p); p++)
			;
		if (p == start) {
			*r = bad(err, text, p, "expected an architecture after ':'");
			return NULL;
		}
		alt->arch = (struct kmend_span){start, (size_t)(p - start)};
	}
	p = skip_space(p);
	if (*p == '(') {
		p = skip_space(p + 1);
		if (!(p = deb_op(start = p, &alt->op))) {
			*r = bad(err, text, start,
			         "expected one of << <= = >= >> in a version constraint");
			return NULL;
		}
		p = skip_space(p);
		for (start = p; *p && !is_space(*p) && *p != ')' && *p != '(' && *p != ','; p++)
			;
		if (p == start) {
			*r = bad(err, text, p, "expected a version");
			return NULL;
		}
		alt->version = (struct kmend_span){start, (size_t)(p - start)};
		p = skip_space(p);
		if (*p != ')') {
			*r = bad(err, text, p, "expected ')' after the version");
			return NULL;
		}
		p = skip_space(p + 1);
	}
	/* Architecture restrictions and build profiles (source fields): read past. */
	while (*p == '[' || *p == '<') {
		const char *close = strchr(p, *p == '[' ? ']' : '>');
		if (!close) {
			*r = bad(err, text, p, *p == '[' ? "unterminated '['" : "unterminated '<'");
			return NULL;
		}
		p = skip_space(close + 1);
	}
	return p;
}

int kmend_relation_parse_deb(const char *text, struct kmend_relation *out, struct kmend_error *err)
{
	const char *p = skip_space(text);
	int r = 0;

	kmend_relation_reset(out);
	while (*p) {
		if (*p == ',') {
			/* An empty group ("a, , b", a trailing comma): dpkg tolerates it. */
			p = skip_space(p + 1);
			continue;
		}
		if ((r = add_group(out)) < 0)
			return r;
		for (;;) {
			struct kmend_rel_alt alt;
			if (!(p = deb_alt(text, p, &alt, err, &r)))
				return r;
			if ((r = add_alt(out, &alt)) < 0)
				return r;
			if (*p != '|')
				break;
			p++;
		}
		if (*p && *p != ',')
			return bad(err, text, p, "expected ',' or '|' between relations");
	}
	return 0;
}

static const char *apk_op(const char *p, enum kmend_rel_op *op)
{
	static const struct {
		const char *text;
		enum kmend_rel_op op;
	} ops[] = {
	    {"<=", KMEND_REL_LE},   {">=", KMEND_REL_GE}, {"=~", KMEND_REL_FUZZY},
	    {"~", KMEND_REL_FUZZY}, {"<", KMEND_REL_LT},  {">", KMEND_REL_GT},
	    {"=", KMEND_REL_EQ},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(p, ops[i].text, n) == 0) {
			*op = ops[i].op;
			return p + n;
		}
	}
	return NULL;
}

int kmend_relation_parse_apk(const char *text, struct kmend_relation *out, struct kmend_error *err)
{
	const char *p = skip_space(text);
	int r;

	kmend_relation_reset(out);
	while (*p) {
		struct kmend_rel_alt alt = {0};
		const char *start;

		if (*p == '!') {
			alt.negated = true;
			p++;
		}
		for (start = p; *p && !is_space(*p) && !strchr("<>=~", *p); p++)
			;
		if (p == start)
			return bad(err, text, p, "expected a package name");
		alt.name = (struct kmend_span){start, (size_t)(p - start)};
		if (*p && !is_space(*p)) {
			const char *v = apk_op(p, &alt.op);
			if (!v)
				return bad(err, text, p, "expected one of < <= = >= > ~");
			for (start = p = v; *p && !is_space(*p); p++)
				;
			if (p == start ||
			    !((*start >= '0' && *start <= '9') || (*start >= 'a' && *start <= 'z')))
				return bad(err, text, start, "expected a version");
			alt.version = (struct kmend_span){start, (size_t)(p - start)};
		}
		if ((r = add_group(out)) < 0 || (r = add_alt(out, &alt)) < 0)
			return r;
		p = skip_space(p);
	}
	return 0;
}

int kmend_relation_parse_rpm(const char *text, struct kmend_relation *out, struct kmend_error *err)
{
	static const char *const flags[] = {"-", "LT", "LE", "EQ", "GE", "GT"};
	const char *p = text;
	int r;

	kmend_relation_reset(out);
	while (*p) {
		const char *eol = strchr(p, '\n'), *sp1, *sp2;
		struct kmend_rel_alt alt = {0};
		size_t i;

		if (!eol)
			eol = p + strlen(p);
		if (eol == p) {
			p++;
			continue;
		}
		sp1 = memchr(p, ' ', (size_t)(eol - p));
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
		if (!sp2 || sp2 + 1 == eol)
			return bad(err, text, p, "expected 'FLAGS EVR NAME'");
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if ((size_t)(sp1 - p) == strlen(flags[i]) &&
			    !strncmp(p, flags[i], strlen(flags[i])))
				break;
		if (i == sizeof(flags) / sizeof(flags[0]))
			return bad(err, text, p, "unknown rpm comparison flags");
		alt.op = (enum kmend_rel_op)i;
		if (alt.op != KMEND_REL_ANY) {
			if (sp2 - sp1 - 1 == 1 && sp1[1] == '-')
				return bad(err, text, sp1 + 1, "a comparison without a version");
			alt.version = (struct kmend_span){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
		}
		alt.name = (struct kmend_span){sp2 + 1, (size_t)(eol - sp2 - 1)};
		alt.rich = sp2[1] == '(';
		if ((r = add_group(out)) < 0 || (r = add_alt(out, &alt)) < 0)
			return r;
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

int kmend_relation_each_provide(
    int (*parse)(const char *, struct kmend_relation *, struct kmend_error *), const char *text,
    int (*add)(void *ctx, const char *name, size_t nlen, const char *ver, size_t vlen), void *ctx)
{
	struct kmend_relation rel = {0};
	int r = parse(text, &rel, NULL);

	for (size_t i = 0; r == 0 && i < rel.nalts; i++) {
		const struct kmend_rel_alt *a = &rel.alts[i];
		if (a->negated || a->rich)
			continue;
		r = add(ctx, a->name.ptr, a->name.len,
		        a->op == KMEND_REL_ANY ? NULL : a->version.ptr, a->version.len);
	}
	kmend_relation_free(&rel);
	return r;
}

/* rpm: a wanted EVR without a release compares the version alone ("glibc = 2.28"). */
static size_t rpm_compared_len(const char *version, struct kmend_span want)
{
	const char *dash;

	if (memchr(want.ptr, '-', want.len))
		return strlen(version);
	dash = strrchr(version, '-');
	return dash ? (size_t)(dash - version) : strlen(version);
}

bool kmend_rel_satisfied(const struct kmend_version_scheme *scheme, enum kmend_rel_op op,
                         const char *version, struct kmend_span want)
{
	size_t vlen = strlen(version);
	int c;

	if (op == KMEND_REL_ANY)
		return true;
	if (op == KMEND_REL_FUZZY)
		return vlen >= want.len && memcmp(version, want.ptr, want.len) == 0 &&
		       (vlen == want.len || strchr(".-_", version[want.len]));
	if (scheme == &kmend_version_rpm)
		vlen = rpm_compared_len(version, want);
	if (scheme->compare(version, vlen, want.ptr, want.len, &c, NULL) < 0)
		return false;
	switch (op) {
	case KMEND_REL_LT: return c < 0;
	case KMEND_REL_LE: return c <= 0;
	case KMEND_REL_EQ: return c == 0;
	case KMEND_REL_GE: return c >= 0;
	case KMEND_REL_GT: return c > 0;
	default: return false;
	}
}

void kmend_rel_alt_format(const struct kmend_rel_alt *alt, char *out, size_t size)
{
	static const char *const ops[] = {"", "<<", "<=", "=", ">=", ">>", "~"};

	if (alt->op == KMEND_REL_ANY)
		snprintf(out, size, "%s%.*s", alt->negated ? "!" : "", (int)alt->name.len,
		         alt->name.ptr);
	else
		snprintf(out, size, "%s%.*s (%s %.*s)", alt->negated ? "!" : "", (int)alt->name.len,
		         alt->name.ptr, ops[alt->op], (int)alt->version.len, alt->version.ptr);
}

void kmend_relation_reset(struct kmend_relation *rel)
{
	rel->nalts = 0;
	rel->ngroups = 0;
}

void kmend_relation_free(struct kmend_relation *rel)
{
	if (!rel)
		return;
	free(rel->alts);
	free(rel->groups);
	memset(rel, 0, sizeof(*rel));
}
