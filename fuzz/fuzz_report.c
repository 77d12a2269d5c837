/*
 * libFuzzer target: the report writers fed hostile strings. The input, split at newlines, gives
 * every text field of a result (package names, versions, titles, warnings, workload names):
 * each format must write a document that parses (JSON, SARIF, CycloneDX) or holds no control
 * byte (the table), and nothing may be dropped for not being UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "safetext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 24

static void check_table(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		/* Only the writer's own newlines and colour codes (off here) may be controls. */
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
	}
}

static void write_all(const struct kmend_report_result *res, const char *ignore_status)
{
	static const char *const formats[] = {"table", "json", "sarif", "cyclonedx"};
	struct kmend_report_filter filter = {.severities = 0x0f, .ignore_statuses = ignore_status};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct kmend_report_options o = {.format = formats[i],
		                                 .filter = &filter,
		                                 .tool_version = "fuzz",
		                                 .out_name = "memory"};
		struct kmend_report *r;
		struct kmend_error err;
		char *text = NULL;
		size_t len = 0;

		o.out = open_memstream(&text, &len);
		if (!o.out)
			return;
		if (kmend_report_open(&o, &r, &err) == 0) {
			/* Twice: the second result exercises the separators and the dedup sets. */
			if (kmend_report_add(r, res, &err) < 0 ||
			    kmend_report_add(r, res, &err) < 0 || kmend_report_close(r, &err) < 0)
				abort();
			kmend_report_free(r);
		}
		fclose(o.out);
		if (i == 0) {
			check_table(text, len);
		} else {
			json_error_t jerr;
			json_t *doc = json_loadb(text, len, 0, &jerr);
			if (!doc)
				abort();
			json_decref(doc);
		}
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *f[NFIELDS], *p;
	struct kmend_container_ref c;
	struct kmend_finding x[2];
	struct kmend_package pkg[2];
	struct kmend_package_list list = {.items = pkg, .count = 2};
	struct kmend_warnings warnings = {0};
	struct kmend_os os = {0};
	struct kmend_report_result res;
	struct kmend_error error;
	bool escaped;
	char *u;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	for (int i = 0; i < NFIELDS; i++) {
		f[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
		else
			p = copy + size; /* the rest are "" */
	}
	/* The escapes keep their promises on any bytes. */
	if ((u = kmend_text_to_utf8(f[0], &escaped))) {
		if (!kmend_utf8_valid(u))
			abort();
		free(u);
	}
	snprintf(os.id, sizeof(os.id), "%s", f[1]);
	snprintf(os.version_id, sizeof(os.version_id), "%s", f[2]);
	snprintf(os.pretty_name, sizeof(os.pretty_name), "%s", f[3]);
	c = (struct kmend_container_ref){.file = f[4],
	                                 .kind = f[4],
	                                 .namespace = f[5],
	                                 .name = f[6],
	                                 .container = f[7],
	                                 .image = f[8],
	                                 .role = "container"};
	/* Sorted by name, as inventories are. */
	pkg[0] = (struct kmend_package){.type = KMEND_PKG_DEB,
	                                .name = f[9],
	                                .version = f[10],
	                                .arch = f[11],
	                                .source = f[12],
	                                .source_version = f[10]};
	pkg[1] = pkg[0];
	pkg[1].type = KMEND_PKG_RPM;
	for (int i = 0; i < 2; i++)
		x[i] = (struct kmend_finding){.id = f[13 + i],
		                              .aliases = f[15],
		                              .package = f[9],
		                              .source = f[12],
		                              .installed = f[10],
		                              .source_version = f[16],
		                              .status = i ? f[17] : NULL,
		                              .fixed = i ? NULL : f[18],
		                              .severity = f[19 + i],
		                              .data_source = f[21],
		                              .fixed_in = f[18],
		                              .title = f[22],
		                              .link = f[23]};
	kmend_warn(&warnings, "fuzz", "%s", f[0]);
	res = (struct kmend_report_result){.target = f[4],
	                                   .container = size % 2 ? &c : NULL,
	                                   .image = f[8],
	                                   .digest = f[2],
	                                   .os = &os,
	                                   .ecosystem = f[1],
	                                   .ecosystem_note = f[3],
	                                   .packages = &list,
	                                   .findings = x,
	                                   .nfindings = 2,
	                                   .warnings = &warnings};
	write_all(&res, f[17]);
	/* The same container, its image unreadable: the error quotes hostile text. */
	kmend_error_set(&error, -KMEND_E_BAD_INPUT, f[8], 3, "bad manifest: %s", f[0]);
	res.error = &error;
	write_all(&res, NULL);
	kmend_warnings_free(&warnings);
	free(copy);
	return 0;
}
