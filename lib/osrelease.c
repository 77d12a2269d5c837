/* OS detection from os-release(5) and the distributions' own release files. */
#include "osrelease.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const kmend_os_paths[KMEND_OS_FILE_COUNT] = {
    [KMEND_OS_ETC_OS_RELEASE] = "etc/os-release",
    [KMEND_OS_USR_OS_RELEASE] = "usr/lib/os-release",
    [KMEND_OS_DEBIAN_VERSION] = "etc/debian_version",
    [KMEND_OS_ALPINE_RELEASE] = "etc/alpine-release",
    [KMEND_OS_REDHAT_RELEASE] = "etc/redhat-release",
};

int kmend_os_file_of(const char *path)
{
	for (int i = 0; i < KMEND_OS_FILE_COUNT; i++)
		if (strcmp(path, kmend_os_paths[i]) == 0)
			return i;
	return -1;
}

/* Copy an os-release value, removing shell quoting ("..." with \ escapes, or '...'). */
static void unquote(char *dst, size_t size, struct kmend_span v)
{
	size_t n = 0;
	char quote = 0;

	for (size_t i = 0; i < v.len && n + 1 < size; i++) {
		char c = v.ptr[i];

		if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (quote == '"' && c == '\\' && i + 1 < v.len)
			c = v.ptr[++i];
		if ((unsigned char)c < 0x20)
			continue;
		dst[n++] = c;
	}
	dst[n] = '\0';
}

static void parse_os_release(struct kmend_span file, struct kmend_os *os)
{
	const char *p = file.ptr, *end = file.ptr + file.len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *eq;
		struct kmend_span key, value;

		if (!eol)
			eol = end;
		eq = memchr(p, '=', (size_t)(eol - p));
		if (eq && *p != '#') {
			key = (struct kmend_span){p, (size_t)(eq - p)};
			value = (struct kmend_span){eq + 1, (size_t)(eol - eq - 1)};
			while (value.len && isspace((unsigned char)value.ptr[value.len - 1]))
				value.len--;
			if (kmend_span_eq(key, "ID"))
				unquote(os->id, sizeof(os->id), value);
			else if (kmend_span_eq(key, "VERSION_ID"))
				unquote(os->version_id, sizeof(os->version_id), value);
			else if (kmend_span_eq(key, "VERSION_CODENAME"))
				unquote(os->codename, sizeof(os->codename), value);
			else if (kmend_span_eq(key, "ID_LIKE"))
				unquote(os->id_like, sizeof(os->id_like), value);
			else if (kmend_span_eq(key, "PRETTY_NAME"))
				unquote(os->pretty_name, sizeof(os->pretty_name), value);
		}
		p = eol + 1;
	}
}

/* The first line of a file, trimmed, into dst. */
static void first_line(char *dst, size_t size, struct kmend_span file)
{
	size_t n = 0;

	while (n < file.len && file.ptr[n] != '\n')
		n++;
	while (n > 0 && isspace((unsigned char)file.ptr[n - 1]))
		n--;
	snprintf(dst, size, "%.*s", (int)n, file.ptr);
}

/* "12.5" -> "12" (Debian's VERSION_ID is the major release); "bookworm/sid" -> codename. */
static void from_debian_version(struct kmend_span file, struct kmend_os *os)
{
	char line[64];

	first_line(line, sizeof(line), file);
	if (!os->id[0])
		snprintf(os->id, sizeof(os->id), "debian");
	if (isdigit((unsigned char)line[0])) {
		if (!os->version_id[0])
			snprintf(os->version_id, sizeof(os->version_id), "%.*s",
			         (int)strcspn(line, "."), line);
	} else if (!os->codename[0]) {
		snprintf(os->codename, sizeof(os->codename), "%.*s", (int)strcspn(line, "/"), line);
	}
}

/* "CentOS Linux release 7.9.2009 (Core)", "Red Hat Enterprise Linux release 8.4 (Ootpa)". */
static void from_redhat_release(struct kmend_span file, struct kmend_os *os)
{
	char line[256], *rel;

	first_line(line, sizeof(line), file);
	if (!os->pretty_name[0])
		snprintf(os->pretty_name, sizeof(os->pretty_name), "%s", line);
	if (!os->id[0]) {
		const char *id = strstr(line, "CentOS")      ? "centos"
		                 : strstr(line, "Rocky")     ? "rocky"
		                 : strstr(line, "AlmaLinux") ? "almalinux"
		                 : strstr(line, "Fedora")    ? "fedora"
		                 : strstr(line, "Oracle")    ? "ol"
		                                             : "rhel";
		snprintf(os->id, sizeof(os->id), "%s", id);
	}
	rel = strstr(line, "release ");
	if (rel && !os->version_id[0])
		snprintf(os->version_id, sizeof(os->version_id), "%.*s", (int)strcspn(rel + 8, " "),
		         rel + 8);
}

int kmend_os_detect(const struct kmend_span files[KMEND_OS_FILE_COUNT], struct kmend_os *os)
{
	memset(os, 0, sizeof(*os));
	if (files[KMEND_OS_ETC_OS_RELEASE].ptr)
		parse_os_release(files[KMEND_OS_ETC_OS_RELEASE], os);
	else if (files[KMEND_OS_USR_OS_RELEASE].ptr)
		parse_os_release(files[KMEND_OS_USR_OS_RELEASE], os);
	if (files[KMEND_OS_DEBIAN_VERSION].ptr && (!os->id[0] || !strcmp(os->id, "debian")))
		from_debian_version(files[KMEND_OS_DEBIAN_VERSION], os);
	if (files[KMEND_OS_ALPINE_RELEASE].ptr && !os->id[0]) {
		snprintf(os->id, sizeof(os->id), "alpine");
		first_line(os->version_id, sizeof(os->version_id), files[KMEND_OS_ALPINE_RELEASE]);
	}
	if (files[KMEND_OS_REDHAT_RELEASE].ptr && (!os->id[0] || !os->version_id[0]))
		from_redhat_release(files[KMEND_OS_REDHAT_RELEASE], os);
	if (!os->id[0]) {
		memset(os, 0, sizeof(*os));
		return -KMEND_E_NOT_FOUND;
	}
	return 0;
}
