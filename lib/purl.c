/* Package URLs for installed packages (see purl.h). */
#include "purl.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, used;
	bool full;
};

static void add_raw(struct out *o, const char *s, size_t n)
{
	if (o->full || o->used + n >= o->size) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
}

/* Percent-encode n bytes of s: the purl spec keeps only unreserved characters as they are. */
static void add_encoded(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '.' || c == '_' || c == '~' || c == '-') {
			add_raw(o, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			add_raw(o, e, 3);
		}
	}
}

static void add_str(struct out *o, const char *s)
{
	add_encoded(o, s, strlen(s));
}

int kmend_purl(const struct kmend_package *p, const struct kmend_os *os, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	const char *version = p->version ? p->version : "", *colon = strchr(version, ':');
	size_t epoch = 0;
	char sep = '?';

	/* An epoch is all digits before the first colon (deb and rpm alike). */
	if (colon && colon > version && strspn(version, "0123456789") == (size_t)(colon - version))
		epoch = (size_t)(colon - version);
	add_raw(&o, "pkg:", 4);
	add_str(&o, kmend_package_type_name(p->type));
	add_raw(&o, "/", 1);
	if (os && os->id[0]) {
		add_str(&o, os->id);
		add_raw(&o, "/", 1);
	}
	add_str(&o, p->name ? p->name : "");
	if (*version) {
		add_raw(&o, "@", 1);
		add_str(&o, epoch ? colon + 1 : version);
	}
	/* Qualifiers in the spec's order: sorted by key. */
	if (p->arch && *p->arch) {
		add_raw(&o, "?arch=", 6);
		add_str(&o, p->arch);
		sep = '&';
	}
	if (os && os->id[0]) {
		add_raw(&o, &sep, 1);
		add_raw(&o, "distro=", 7);
		add_str(&o, os->id);
		if (os->version_id[0]) {
			add_raw(&o, "-", 1);
			add_str(&o, os->version_id);
		}
		sep = '&';
	}
	if (epoch) {
		add_raw(&o, &sep, 1);
		add_raw(&o, "epoch=", 6);
		add_encoded(&o, version, epoch);
	}
	if (o.full || size == 0) {
		if (size)
			buf[0] = '\0';
		return -ENOSPC;
	}
	buf[o.used] = '\0';
	return 0;
}
