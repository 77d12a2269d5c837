/*
 * The Debian security tracker's text lists: data/DSA/list and data/DLA/list
 *   [29 Mar 2023] DSA-5380-1 xorg-server - security update
 *   	{CVE-2023-1393}
 *   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 * and data/CVE/list
 *   CVE-2021-36367 (PuTTY through 0.75 ...)
 *   	- putty 0.75-3 (low; bug #990901)
 *   	[bullseye] - putty <no-dsa> (Minor issue)
 * A "[release] - package version" line is a fix in that release; "<not-affected>" says the
 * release never was; "<unfixed>", "<no-dsa>", "<ignored>", "<postponed>" and
 * "<end-of-life>" leave it unfixed. In the CVE list, "- package version" is the fix in sid.
 * Releases the CVE list does not name are not inferred (the tracker's JSON has them).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "distro.h"
#include "feed.h"

static bool starts_advisory_list(const char *d, size_t n)
{
	return n > 2 && d[0] == '[' && isdigit((unsigned char)d[1]);
}

static bool starts_cve_list(const char *d, size_t n)
{
	return n > 4 && !strncmp(d, "CVE-", 4);
}

static bool list_detect(const char *data, size_t len)
{
	return starts_advisory_list(data, len) || starts_cve_list(data, len);
}

struct list_state {
	char id[64];
	int unassigned; /* CVE-2023-XXXX: nothing to name a finding by; its lines are passed over */
	char aliases[2048];
	char severity[32];
	char title[256];
	char published[11]; /* the advisory header's date, "" in the CVE list */
};

/* "[29 Mar 2023]" -> "2023-03-29"; "" when the header has no date kmend can read. */
static void header_date(const char *line, char out[11])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4] = "";
	int day, year;
	const char *m;

	out[0] = '\0';
	if (sscanf(line, "[%2d %3[A-Za-z] %4d]", &day, mon, &year) != 3 || strlen(mon) != 3 ||
	    !(m = strstr(months, mon)) || (m - months) % 3 || day < 1 || day > 31 || year < 1990)
		return;
	snprintf(out, 11, "%04d-%02d-%02d", year, (int)(m - months) / 3 + 1, day);
}

/* "[bookworm]" -> "debian:12"; NULL for releases kmend does not map. */
static const char *release_key(const char *codename, char *out, size_t size)
{
	const char *release = kmend_distro_release_of("debian", codename);

	if (!release)
		return NULL;
	snprintf(out, size, "debian:%s", release);
	return out;
}

/* "package version-or-<token> (notes)" after "[release] - " or "- ". */
static int fix_line(struct kmend_vulndb *db, const char *file, long lineno, const char *codename,
                    const char *rest, struct list_state *s, struct kmend_import_stats *st,
                    struct kmend_error *err)
{
	char pkg[256], ver[256], eco[64], where[64], link[256];
	const char *notes = strchr(rest, '('), *status = NULL;

	snprintf(where, sizeof(where), "line %ld", lineno);
	if (s->unassigned)
		return 0;
	if (!s->id[0]) {
		kmend_import_skip(st, file, where, "a fix line outside any advisory");
		return 0;
	}
	if (sscanf(rest, "%255s %255s", pkg, ver) != 2) {
		kmend_import_skip(st, file, where, "expected '- PACKAGE VERSION'");
		return 0;
	}
	if (!release_key(codename, eco, sizeof(eco)))
		return 0;
	if (!strcmp(ver, "<not-affected>")) {
		st->not_affected++;
		return 0;
	}
	/* <no-dsa>, <ignored>, <postponed>, <end-of-life>: the tracker's decision, kept as the
	   status; <unfixed>: none yet. */
	if (ver[0] == '<' && strcmp(ver, "<unfixed>")) {
		char word[32];
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(ver + 1, ">"), ver + 1);
		if (!(status = kmend_feed_status(word)) || !strcmp(status, "undetermined"))
			return 0; /* <removed>, <undetermined>, <itp>: nothing to match */
	}
	if (notes) {
		char word[32] = "";
		sscanf(notes + 1, "%31[a-z]", word);
		snprintf(s->severity, sizeof(s->severity), "%s", kmend_severity_normalize(word));
		if (ver[0] == '<' && !status && !strcmp(word, "unimportant"))
			status = "unimportant";
	}
	snprintf(link, sizeof(link), "https://security-tracker.debian.org/tracker/%s", s->id);
	return kmend_import_add(db, st, file, where,
	                        &(struct kmend_advisory){
	                            .ecosystem = eco,
	                            .package = pkg,
	                            .id = s->id,
	                            .aliases = s->aliases[0] ? s->aliases : NULL,
	                            .fixed = ver[0] == '<' ? NULL : ver,
	                            .severity = s->severity[0] ? s->severity : "unknown",
	                            .status = status,
	                            .title = s->title[0] ? s->title : NULL,
	                            .link = link,
	                            .published = s->published[0] ? s->published : NULL,
	                        },
	                        err);
}

static int list_import(struct kmend_vulndb *db, const char *file, const char *data, size_t len,
                       struct kmend_import_stats *st, struct kmend_error *err)
{
	const char *p = data, *end = data + len;
	struct list_state s = {0};
	long lineno = 0;
	int r = 0;

	while (p < end && r == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char line[4096], where[64], codename[64];
		const char *t;
		size_t n = (size_t)((eol ? eol : end) - p);

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
		         p);
		p = eol ? eol + 1 : end;
		snprintf(where, sizeof(where), "line %ld", lineno);
		if (line[0] == '[') { /* "[date] DSA-1-1 package - title" */
			memset(&s, 0, sizeof(s));
			if (!(t = strchr(line, ']')) || sscanf(t + 1, " %63s", s.id) != 1 ||
			    (strncmp(s.id, "DSA-", 4) && strncmp(s.id, "DLA-", 4))) {
				s.id[0] = '\0';
				kmend_import_skip(st, file, where, "a malformed advisory header");
			} else {
				/* "package - security update" after the id is its title. */
				header_date(line, s.published);
				kmend_feed_title(strstr(t, s.id) + strlen(s.id), s.title,
				                 sizeof(s.title));
			}
		} else if (!strncmp(line, "CVE-", 4)) {
			memset(&s, 0, sizeof(s));
			sscanf(line, "%63s", s.id);
			s.unassigned = strstr(s.id, "XXXX") != NULL;
			/* "CVE-2021-36367 (PuTTY through 0.75 ...)": the description is the title.
			 */
			if ((t = strchr(line, '(')) != NULL) {
				char text[256];
				snprintf(text, sizeof(text), "%.*s", (int)strcspn(t + 1, ")"),
				         t + 1);
				kmend_feed_title(text, s.title, sizeof(s.title));
			}
		} else {
			for (t = line; *t == ' ' || *t == '\t'; t++)
				;
			if (t == line || !*t)
				continue;
			if (*t == '{')
				snprintf(s.aliases, sizeof(s.aliases), "%.*s",
				         (int)strcspn(t + 1, "}"), t + 1);
			else if (!strncmp(t, "- ", 2))
				r = fix_line(db, file, lineno, "sid", t + 2, &s, st, err);
			else if (sscanf(t, "[%63[a-z-]] - ", codename) == 1 && strstr(t, "] - "))
				r = fix_line(db, file, lineno, codename, strstr(t, "] - ") + 4, &s,
				             st, err);
		}
	}
	return r;
}

const struct kmend_feed_format kmend_feed_debian_lists = {
    .name = "debian-lists",
    .detect_text = list_detect,
    .import_text = list_import,
};
