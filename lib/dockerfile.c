/* Writing Dockerfiles for harden: upgrades with the family's tool, and diffs to the user's. */
#include "dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

bool kmend_dockerfile_safe_word(const char *s, const char *extra)
{
	if (!s || !*s || *s == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!isalnum(*p) && !strchr("._+-", *p) && !(extra && strchr(extra, *p)))
			return false;
	return true;
}

/* A URL written inside single quotes: no quote, backslash, space or control character. */
static bool safe_url(const char *s)
{
	if (!s || !*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("'\"\\`$", *p))
			return false;
	return true;
}

static int unsafe(struct kmend_error *err, const char *what, const char *value)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, value ? value : "", 0,
	                       "%s cannot be written safely into a Dockerfile", what);
}

static void b64(FILE *f, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		fputc(t[v >> 18 & 63], f);
		fputc(t[v >> 12 & 63], f);
		fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? t[v & 63] : '=', f);
	}
}

static bool armored(const struct kmend_dockerfile_mirror *m)
{
	return m->key_len > 10 && !memcmp(m->key, "-----BEGIN", 10);
}

/* The packages, one per continuation line, as the tool pins them (sep between name, version). */
static void package_lines(FILE *f, const struct kmend_dockerfile_upgrade *u, const char *sep)
{
	for (size_t i = 0; i < u->npackages; i++) {
		fprintf(f, " \\\n      %s", u->packages[i].name);
		if (u->packages[i].version && sep)
			fprintf(f, "%s%s", sep, u->packages[i].version);
	}
}

static void apt_run(FILE *f, const struct kmend_dockerfile_upgrade *u)
{
	const struct kmend_dockerfile_mirror *m = u->mirror;
	const char *key =
	    m && m->key ? (armored(m) ? "/tmp/kmend-mirror.asc" : "/tmp/kmend-mirror.gpg") : NULL;
	const char *apt = "apt-get";

	fputs("RUN set -e; \\\n", f);
	if (m) {
		apt = "apt-get -o Dir::Etc::SourceList=/tmp/kmend-mirror.list -o "
		      "Dir::Etc::SourceParts=-";
		if (key) {
			fputs("    printf '%s' '", f);
			b64(f, (const unsigned char *)m->key, m->key_len);
			fprintf(f, "' | base64 -d >%s; \\\n", key);
		}
		fprintf(f, "    echo 'deb [%s%s] %s %s main' >/tmp/kmend-mirror.list; \\\n",
		        key ? "signed-by=" : "trusted=yes", key ? key : "", m->url, m->suite);
	}
	fprintf(f, "    %s update; \\\n", apt);
	fprintf(f, "    DEBIAN_FRONTEND=noninteractive %s install -y --no-install-recommends%s",
	        apt, u->install ? "" : " --only-upgrade");
	package_lines(f, u, "=");
	fputs("; \\\n    apt-get clean; \\\n    rm -rf /var/lib/apt/lists/*", f);
	if (m)
		fprintf(f, " /tmp/kmend-mirror.list%s%s", key ? " " : "", key ? key : "");
}

static void apk_run(FILE *f, const struct kmend_dockerfile_upgrade *u)
{
	const struct kmend_dockerfile_mirror *m = u->mirror;

	fputs("RUN set -e; \\\n", f);
	if (m && m->key) {
		fputs("    printf '%s' '", f);
		b64(f, (const unsigned char *)m->key, m->key_len);
		fputs("' | base64 -d >/etc/apk/keys/kmend-mirror.rsa.pub; \\\n", f);
	}
	fprintf(f, "    apk add --no-cache%s", u->install ? "" : " --upgrade");
	if (m)
		fprintf(f, " --repository '%s'%s", m->url, m->key ? "" : " --allow-untrusted");
	package_lines(f, u, "=");
	if (m && m->key)
		fputs("; \\\n    rm -f /etc/apk/keys/kmend-mirror.rsa.pub", f);
}

static void dnf_run(FILE *f, const struct kmend_dockerfile_upgrade *u, const char *tool)
{
	const struct kmend_dockerfile_mirror *m = u->mirror;
	bool micro = !strcmp(tool, "microdnf");

	fputs("RUN set -e; \\\n", f);
	if (m && m->key) {
		fputs("    printf '%s' '", f);
		b64(f, (const unsigned char *)m->key, m->key_len);
		fputs("' | base64 -d >/tmp/kmend-mirror.key; \\\n", f);
	}
	fprintf(f, "    %s %s -y", tool, u->install ? "install" : "upgrade");
	if (m)
		fprintf(f, " --repofrompath='kmend-mirror,%s' --setopt=kmend-mirror.gpgcheck=%d%s",
		        m->url, m->key ? 1 : 0,
		        m->key ? " --setopt=kmend-mirror.gpgkey=file:///tmp/kmend-mirror.key" : "");
	/* microdnf takes no version: it upgrades to the newest the repositories have. */
	package_lines(f, u, micro ? NULL : "-");
	fprintf(f, "; \\\n    %s clean all; \\\n    rm -rf /var/cache/%s%s", tool,
	        micro ? "yum" : tool, m && m->key ? " /tmp/kmend-mirror.key" : "");
}

static int check_upgrade(const struct kmend_dockerfile_upgrade *u, struct kmend_error *err)
{
	const struct kmend_dockerfile_mirror *m = u->mirror;

	for (size_t i = 0; i < u->npackages; i++) {
		if (!kmend_dockerfile_safe_word(u->packages[i].name, NULL))
			return unsafe(err, "the package name", u->packages[i].name);
		if (u->packages[i].version &&
		    !kmend_dockerfile_safe_word(u->packages[i].version, ":~^"))
			return unsafe(err, "the version", u->packages[i].version);
	}
	if (m && !safe_url(m->url))
		return unsafe(err, "the mirror's URL", m->url);
	if (m && !strcmp(u->package_manager, "apt") && !kmend_dockerfile_safe_word(m->suite, "/"))
		return unsafe(err, "the mirror's suite", m->suite);
	if (m && !m->key && !m->allow_unsigned)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, m->url, 0,
		                       "the mirror has no key to check its packages with");
	return 0;
}

int kmend_dockerfile_upgrade_run(const struct kmend_dockerfile_upgrade *u, char **out,
                                 struct kmend_error *err)
{
	const char *pm = u->package_manager ? u->package_manager : "";
	size_t size;
	FILE *f;
	int r;

	*out = NULL;
	if (strcmp(pm, "apt") && strcmp(pm, "apk") && strcmp(pm, "dnf") && strcmp(pm, "microdnf") &&
	    strcmp(pm, "yum"))
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, pm, 0,
		                       "kmend cannot write upgrades for this package manager");
	if ((r = check_upgrade(u, err)) < 0)
		return r;
	if (!(f = open_memstream(out, &size)))
		return -ENOMEM;
	if (!strcmp(pm, "apt"))
		apt_run(f, u);
	else if (!strcmp(pm, "apk"))
		apk_run(f, u);
	else
		dnf_run(f, u, pm);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static bool is_root(const char *user)
{
	return !user || !*user || !strcmp(user, "root") || !strcmp(user, "0") ||
	       !strncmp(user, "0:", 2) || !strncmp(user, "root:", 5);
}

int kmend_dockerfile_upgrade(const struct kmend_dockerfile_upgrade *u, char **out,
                             struct kmend_error *err)
{
	_cleanup_free_ char *run = NULL;
	size_t size;
	FILE *f;
	int r;

	*out = NULL;
	if (!safe_url(u->from))
		return unsafe(err, "the image reference", u->from);
	if (!is_root(u->user) && !kmend_dockerfile_safe_word(u->user, ":"))
		return unsafe(err, "the image's user", u->user);
	if ((r = kmend_dockerfile_upgrade_run(u, &run, err)) < 0)
		return r;
	if (!(f = open_memstream(out, &size)))
		return -ENOMEM;
	fprintf(f,
	        "# Written by kmend harden: the image (pinned by digest when it comes from a\n"
	        "# registry) with its vulnerable packages upgraded to the versions that fix them.\n"
	        "FROM %s\n",
	        u->from);
	if (!is_root(u->user))
		fputs("USER root\n", f);
	fprintf(f, "%s\n", run);
	if (!is_root(u->user))
		fprintf(f, "USER %s\n", u->user);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* No control character: the value stays on its line. */
static bool printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return true;
}

/* s as a JSON string (Dockerfile's exec form and quoted values take the same escapes). */
static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void exec_form(FILE *f, const char *instruction, char *const *argv)
{
	fprintf(f, "%s [", instruction);
	for (size_t i = 0; argv[i]; i++) {
		fputs(i ? ", " : "", f);
		quoted(f, argv[i]);
	}
	fputs("]\n", f);
}

static int check_strv(char *const *v, const char *what, struct kmend_error *err)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!printable(v[i]))
			return unsafe(err, what, v[i]);
	return 0;
}

static int check_move(const struct kmend_dockerfile_move *m, struct kmend_error *err)
{
	const struct kmend_dockerfile_config *c = m->config;
	int r;

	if (!safe_url(m->old_image))
		return unsafe(err, "the image reference", m->old_image);
	if (!safe_url(m->new_base))
		return unsafe(err, "the new base's reference", m->new_base);
	for (size_t i = 0; i < m->npackages; i++)
		if (!kmend_dockerfile_safe_word(m->packages[i].name, NULL))
			return unsafe(err, "the package name", m->packages[i].name);
	if ((r = check_strv(m->copy, "the path", err)) < 0)
		return r;
	if (!c)
		return 0;
	if (c->user && *c->user && !kmend_dockerfile_safe_word(c->user, ":"))
		return unsafe(err, "the image's user", c->user);
	if (!printable(c->working_dir))
		return unsafe(err, "the working directory", c->working_dir);
	if ((r = check_strv(c->entrypoint, "the entrypoint", err)) < 0 ||
	    (r = check_strv(c->cmd, "the command", err)) < 0 ||
	    (r = check_strv(c->env, "the environment", err)) < 0 ||
	    (r = check_strv(c->labels, "the label", err)) < 0)
		return r;
	for (size_t i = 0; c->exposed_ports && c->exposed_ports[i]; i++)
		if (!kmend_dockerfile_safe_word(c->exposed_ports[i], "/"))
			return unsafe(err, "the exposed port", c->exposed_ports[i]);
	return 0;
}

int kmend_dockerfile_move(const struct kmend_dockerfile_move *m, char **out,
                          struct kmend_error *err)
{
	const struct kmend_dockerfile_config *c = m->config;
	size_t size;
	FILE *f;
	int r;

	*out = NULL;
	if ((r = check_move(m, err)) < 0)
		return r;
	if (!(f = open_memstream(out, &size)))
		return -ENOMEM;
	fprintf(f,
	        "# Written by kmend harden: the application's own files (those of its layers that\n"
	        "# no package owns) moved onto another base, with the image's configuration.\n"
	        "FROM %s AS application\n\nFROM %s\n",
	        m->old_image, m->new_base);
	if (m->npackages && m->package_manager) {
		struct kmend_dockerfile_upgrade u = {.package_manager = m->package_manager,
		                                     .packages = m->packages,
		                                     .npackages = m->npackages,
		                                     .install = true};
		char *run = NULL;
		/* Installed by name, from the new base's own repositories. */
		if ((r = kmend_dockerfile_upgrade_run(&u, &run, err)) < 0) {
			fclose(f);
			free(*out);
			*out = NULL;
			return r;
		}
		fprintf(f, "%s\n", run);
		free(run);
	}
	for (size_t i = 0; m->copy && m->copy[i]; i++) {
		fputs("COPY --from=application [", f);
		quoted(f, m->copy[i]);
		fputs(", ", f);
		quoted(f, m->copy[i]);
		fputs("]\n", f);
	}
	for (size_t i = 0; c && c->env && c->env[i]; i++) {
		const char *eq = strchr(c->env[i], '=');
		if (!eq || eq == c->env[i])
			continue;
		fprintf(f, "ENV %.*s=", (int)(eq - c->env[i]), c->env[i]);
		quoted(f, eq + 1);
		fputc('\n', f);
	}
	if (c && c->working_dir && *c->working_dir) {
		fputs("WORKDIR ", f);
		quoted(f, c->working_dir);
		fputc('\n', f);
	}
	if (c && c->user && *c->user)
		fprintf(f, "USER %s\n", c->user);
	for (size_t i = 0; c && c->exposed_ports && c->exposed_ports[i]; i++)
		fprintf(f, "EXPOSE %s\n", c->exposed_ports[i]);
	for (size_t i = 0; c && c->labels && c->labels[i] && c->labels[i + 1]; i += 2) {
		fputs("LABEL ", f);
		quoted(f, c->labels[i]);
		fputc('=', f);
		quoted(f, c->labels[i + 1]);
		fputc('\n', f);
	}
	if (c && c->entrypoint)
		exec_form(f, "ENTRYPOINT", c->entrypoint);
	if (c && c->cmd)
		exec_form(f, "CMD", c->cmd);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The Dockerfile's lines, as views into its text. */
struct lines {
	const char **at;
	size_t *len;
	size_t n;
};

static int split_lines(const char *text, size_t len, struct lines *l)
{
	size_t cap = 1;

	for (size_t i = 0; i < len; i++)
		cap += text[i] == '\n';
	if (!(l->at = calloc(cap, sizeof(*l->at))) || !(l->len = calloc(cap, sizeof(*l->len))))
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		l->at[l->n] = text + i;
		l->len[l->n++] = n;
		i += n + 1;
	}
	return 0;
}

/* Is line an instruction word (any case) after leading blanks? */
static bool is_instruction(const char *line, size_t len, const char *word)
{
	size_t i = 0, w = strlen(word);

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return len - i > w && !strncasecmp(line + i, word, w) &&
	       (line[i + w] == ' ' || line[i + w] == '\t');
}

static bool continues(const char *line, size_t len)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	return len && line[len - 1] == '\\';
}

/* "FROM [--platform=X] IMAGE [AS name]" with IMAGE replaced by image. */
static int new_from_line(const char *line, size_t len, const char *image, char **out)
{
	const char *p = line, *end = line + len, *word;
	size_t size;
	FILE *f = open_memstream(out, &size);

	if (!f)
		return -ENOMEM;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	fwrite(line, 1, (size_t)(p - line) + 4, f); /* the indent and FROM as written */
	p += 4;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		word = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (word == p)
			break;
		if (word[0] == '-' && word[1] == '-') {
			fprintf(f, " %.*s", (int)(p - word), word);
			continue;
		}
		fprintf(f, " %s%.*s", image, (int)(end - p), p);
		break;
	}
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

int kmend_dockerfile_patch(const char *name, const char *text, size_t len,
                           const struct kmend_dockerfile_edit *edit, char **diff, char **patched,
                           struct kmend_error *err)
{
	_cleanup_free_ char *from = NULL;
	struct lines l = {0};
	long last = -1;
	size_t after, first, stop, size;
	FILE *f;
	int r = 0;

	*diff = NULL;
	if (patched)
		*patched = NULL;
	if ((r = split_lines(text, len, &l)) < 0)
		goto done;
	for (size_t i = 0; i < l.n; i++)
		if (is_instruction(l.at[i], l.len[i], "FROM"))
			last = (long)i;
	if (last < 0) {
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "no FROM instruction");
		goto done;
	}
	if (continues(l.at[last], l.len[last])) {
		r = kmend_error_set(err, -KMEND_E_UNSUPPORTED, name, 0,
		                    "the last FROM continues on the next line");
		kmend_error_at_line(err, last + 1);
		goto done;
	}
	if (edit->new_from &&
	    (r = new_from_line(l.at[last], l.len[last], edit->new_from, &from)) < 0)
		goto done;
	/* One hunk: three lines of context around the FROM line (and the insertion after it). */
	after = (size_t)last + 1;
	first = (size_t)last >= 3 ? (size_t)last - 3 : 0;
	stop = after + 3 < l.n ? after + 3 : l.n;
	if (!(f = open_memstream(diff, &size))) {
		r = -ENOMEM;
		goto done;
	}
	{
		size_t old_n = stop - first, new_n = old_n, run_lines = 0;
		if (edit->run) {
			run_lines = 1;
			for (const char *p = edit->run; *p; p++)
				run_lines += *p == '\n';
			new_n += run_lines;
		}
		fprintf(f, "--- a/%s\n+++ b/%s\n@@ -%zu,%zu +%zu,%zu @@\n", name, name, first + 1,
		        old_n, first + 1, new_n);
	}
	for (size_t i = first; i < stop; i++) {
		if (i == (size_t)last && from) {
			fprintf(f, "-%.*s\n+%s\n", (int)l.len[i], l.at[i], from);
		} else {
			fprintf(f, " %.*s\n", (int)l.len[i], l.at[i]);
		}
		if (i == (size_t)last && edit->run) {
			fputc('+', f);
			for (const char *p = edit->run; *p; p++) {
				fputc(*p, f);
				if (*p == '\n')
					fputc('+', f);
			}
			fputc('\n', f);
		}
	}
	/* A last line without its newline, left as it was (never the edited one). */
	if (len && text[len - 1] != '\n' && stop == l.n && (size_t)last + 1 != l.n)
		fputs("\\ No newline at end of file\n", f);
	if (fclose(f) != 0)
		r = -ENOMEM;
	if (r == 0 && patched) {
		const char *line_end = l.at[last] + l.len[last];
		size_t tail = len - (size_t)(line_end - text);
		if (!(f = open_memstream(patched, &size))) {
			r = -ENOMEM;
			goto done;
		}
		if (from) {
			fwrite(text, 1, (size_t)(l.at[last] - text), f);
			fputs(from, f);
		} else {
			fwrite(text, 1, (size_t)(line_end - text), f);
		}
		if (edit->run)
			fprintf(f, "\n%s", edit->run);
		fwrite(line_end, 1, tail, f);
		if (fclose(f) != 0)
			r = -ENOMEM;
	}
done:
	free(l.at);
	free(l.len);
	if (r < 0) {
		free(*diff);
		*diff = NULL;
		if (patched) {
			free(*patched);
			*patched = NULL;
		}
	}
	return r;
}
