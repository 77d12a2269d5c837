/* apk's database: lib/apk/db/installed ("P:name", "V:version", "A:arch", "o:origin"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"
#include "kvtext.h"
#include "pkgdb.h"
#include "version.h"

struct apk_record {
	struct kmend_span name, version, arch, origin;
	long first_line, problem_line;
	const char *problem;
};

static int apk_emit(const char *path, struct apk_record *rec, struct kmend_package_list *out)
{
	char why[160];

	if (!rec->problem)
		rec->problem = kmend_pkgdb_entry_problem(rec->name, rec->version, rec->origin.len,
		                                         &kmend_version_apk, "P: name",
		                                         "V: version", why, sizeof(why));
	if (rec->problem) {
		kmend_package_list_skip(out, path,
		                        rec->problem_line ? rec->problem_line : rec->first_line,
		                        rec->problem);
		return 0;
	}
	return kmend_package_list_add_spans(out, KMEND_PKG_APK, rec->name, rec->version, rec->arch,
	                                    rec->origin, (struct kmend_span){0});
}

static int apk_parse(const char *path, const char *data, size_t len, struct kmend_package_list *out,
                     struct kmend_error *err)
{
	struct kvtext_reader r;
	struct apk_record rec = {0};
	enum kvtext_item item;
	int ret;

	(void)err;
	kvtext_init(&r, data, len);
	while ((item = kvtext_next(&r)) != KVTEXT_END) {
		if (!rec.first_line)
			rec.first_line = r.line;
		if (item == KVTEXT_FIELD && r.key.len == 1) {
			switch (r.key.ptr[0]) {
			case 'P': rec.name = r.value; break;
			case 'V': rec.version = r.value; break;
			case 'A': rec.arch = r.value; break;
			case 'o': rec.origin = r.value; break;
			}
		} else if (item == KVTEXT_MALFORMED && !rec.problem) {
			rec.problem = "a line that is not 'X:value'";
			rec.problem_line = r.line;
		} else if (item == KVTEXT_END_RECORD) {
			if ((ret = apk_emit(path, &rec, out)) < 0)
				return ret;
			memset(&rec, 0, sizeof(rec));
		}
	}
	if (rec.problem)
		return apk_emit(path, &rec, out);
	return 0;
}

static const char *const apk_paths[] = {
    "lib/apk/db/installed",
    NULL,
};

const struct kmend_pkgdb kmend_pkgdb_apk = {
    .name = "apk",
    .type = KMEND_PKG_APK,
    .paths = apk_paths,
    .parse = apk_parse,
};
