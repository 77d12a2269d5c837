/* dpkg's database: var/lib/dpkg/status, and distroless images' var/lib/dpkg/status.d/<pkg>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"
#include "kvtext.h"
#include "pkgdb.h"
#include "version.h"

struct dpkg_stanza {
	struct kmend_span package, status, version, arch, source;
	long first_line;
	const char *problem; /* why the stanza cannot be used, NULL when fine */
	long problem_line;
};

/*
 * Whether a Status ("want flag state") leaves the package's files on disk.
 * Distroless images have no Status at all: everything listed is installed.
 */
static int dpkg_status_installed(struct kmend_span status)
{
	static const char *const on_disk[] = {
	    "installed",        "unpacked",         "half-configured",
	    "triggers-awaited", "triggers-pending", "half-installed",
	};
	const char *last;

	if (!status.ptr)
		return 1;
	last = status.ptr + status.len;
	while (last > status.ptr && last[-1] != ' ')
		last--;
	for (size_t i = 0; i < sizeof(on_disk) / sizeof(on_disk[0]); i++)
		if (kmend_span_eq(
		        (struct kmend_span){last, (size_t)(status.ptr + status.len - last)},
		        on_disk[i]))
			return 1;
	return 0;
}

/* "Source: name" or "Source: name (version)". */
static void dpkg_split_source(struct kmend_span source, struct kmend_span *name,
                              struct kmend_span *version)
{
	const char *open = memchr(source.ptr, '(', source.len);
	const char *end = source.ptr + source.len;

	*name = source;
	*version = (struct kmend_span){NULL, 0};
	if (!open || end[-1] != ')')
		return;
	name->len = (size_t)(open - source.ptr);
	while (name->len > 0 && name->ptr[name->len - 1] == ' ')
		name->len--;
	*version = (struct kmend_span){open + 1, (size_t)(end - 1 - (open + 1))};
}

static int dpkg_emit(const char *path, struct dpkg_stanza *st, struct kmend_package_list *out)
{
	struct kmend_span src_name = {0}, src_version = {0};
	char why[160];

	if (!st->problem)
		st->problem = kmend_pkgdb_entry_problem(st->package, st->version, st->source.len,
		                                        &kmend_version_deb, "Package name",
		                                        "Version", why, sizeof(why));
	if (st->problem) {
		kmend_package_list_skip(
		    out, path, st->problem_line ? st->problem_line : st->first_line, st->problem);
		return 0;
	}
	if (!dpkg_status_installed(st->status))
		return 0;
	if (st->source.len)
		dpkg_split_source(st->source, &src_name, &src_version);
	return kmend_package_list_add_spans(out, KMEND_PKG_DEB, st->package, st->version, st->arch,
	                                    src_name, src_version);
}

static int dpkg_parse(const char *path, const char *data, size_t len,
                      struct kmend_package_list *out, struct kmend_error *err)
{
	struct kvtext_reader r;
	struct dpkg_stanza st = {0};
	enum kvtext_item item;
	size_t n = strlen(path);
	int ret;

	(void)err;
	/* status.d holds <pkg>.md5sums beside each <pkg>: not a database. */
	if (n > 8 && strcmp(path + n - 8, ".md5sums") == 0)
		return 0;
	kvtext_init(&r, data, len);
	while ((item = kvtext_next(&r)) != KVTEXT_END) {
		if (!st.first_line)
			st.first_line = r.line;
		switch (item) {
		case KVTEXT_FIELD:
			if (kmend_span_eq(r.key, "Package"))
				st.package = r.value;
			else if (kmend_span_eq(r.key, "Status"))
				st.status = r.value;
			else if (kmend_span_eq(r.key, "Version"))
				st.version = r.value;
			else if (kmend_span_eq(r.key, "Architecture"))
				st.arch = r.value;
			else if (kmend_span_eq(r.key, "Source"))
				st.source = r.value;
			break;
		case KVTEXT_MALFORMED:
			if (!st.problem) {
				st.problem = "a line that is neither 'Field: value' nor a "
				             "continuation";
				st.problem_line = r.line;
			}
			break;
		case KVTEXT_END_RECORD:
			if ((ret = dpkg_emit(path, &st, out)) < 0)
				return ret;
			memset(&st, 0, sizeof(st));
			break;
		case KVTEXT_END: break;
		}
	}
	/* A malformed line with no field after it leaves a record kvtext never closed. */
	if (st.problem)
		return dpkg_emit(path, &st, out);
	return 0;
}

static const char *const dpkg_paths[] = {
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/",
    NULL,
};

const struct kmend_pkgdb kmend_pkgdb_dpkg = {
    .name = "dpkg",
    .type = KMEND_PKG_DEB,
    .paths = dpkg_paths,
    .parse = dpkg_parse,
};
