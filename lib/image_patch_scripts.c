/*
 * Reviewing maintainer scripts for the patch: which only place files for this upgrade (what
 * the patch does without running them), and which do more (add users, restart services,
 * edit configuration), where only the rebuild, which runs them, is right. Conservative: a
 * line not known to be harmless is "does more".
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "image_patch_internal.h"
#include "version.h"

/* The line trimmed, into out; "" for blank lines and comments. */
static void clean_line(const char *s, size_t n, char *out, size_t size)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n && *s == '#')
		n = 0;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static bool starts(const char *s, const char *word)
{
	size_t n = strlen(word);

	return !strncmp(s, word, n) && (s[n] == '\0' || isspace((unsigned char)s[n]));
}

/* Shell structure around the real work: tests of the script's arguments, and no-ops. */
static bool structure(const char *l)
{
	static const char *const exact[] = {"fi",   "else",   "then",   "esac", ";;", "*)", ":",
	                                    "true", "exit 0", "exit 1", "exit", "}",  NULL};
	size_t n = strlen(l);

	for (size_t i = 0; exact[i]; i++)
		if (!strcmp(l, exact[i]))
			return true;
	if (starts(l, "set") && strspn(l + 3, " -eux") == n - 3)
		return true;
	/* if [ "$1" = "configure" ]; then / case "$1" in: only the arguments are looked at. */
	if ((starts(l, "if") || starts(l, "elif")) && strstr(l, "\"$1\"") &&
	    (n >= 4 && !strcmp(l + n - 4, "then")) && !strchr(l, '`') && !strstr(l, "$("))
		return true;
	if (!strcmp(l, "case \"$1\" in") || !strcmp(l, "case $1 in"))
		return true;
	/* A case pattern: words of letters and '-', joined by '|', closed by ')' (';;' after). */
	if (n > 1 && (l[n - 1] == ')' || (n > 3 && !strcmp(l + n - 3, ");;")))) {
		size_t k = strspn(l, "abcdefghijklmnopqrstuvwxyz-|*\"'");
		if (k && (l[k] == ')'))
			return true;
	}
	/* Messages for arguments a script does not know change nothing. */
	if (starts(l, "echo") && strstr(l, ">&2") && !strchr(l, '`') && !strstr(l, "$("))
		return true;
	return false;
}

/* ldconfig: what a trigger does anyway, and what a layer's files need no help with. */
static bool ldconfig(const char *l)
{
	return !strcmp(l, "ldconfig") || !strcmp(l, "/sbin/ldconfig") ||
	       !strcmp(l, "/usr/sbin/ldconfig") || !strcmp(l, "ldconfig || true");
}

/* The words of a command line, simple quotes and backslashes undone (into buf). */
static int split_words(const char *l, char *buf, size_t size, const char **words, int max)
{
	int n = 0;
	size_t o = 0;

	while (*l && n < max) {
		char quote = 0;
		while (isspace((unsigned char)*l))
			l++;
		if (!*l)
			break;
		words[n++] = buf + o;
		for (; *l && (quote || !isspace((unsigned char)*l)); l++) {
			if (!quote && (*l == '"' || *l == '\'')) {
				quote = *l;
				continue;
			}
			if (quote && *l == quote) {
				quote = 0;
				continue;
			}
			if (*l == '\\' && quote != '\'' && l[1])
				l++;
			if (o + 1 < size)
				buf[o++] = *l;
		}
		if (o + 1 < size)
			buf[o++] = '\0';
	}
	return n;
}

/*
 * dpkg-maintscript-helper CMD ... PRIOR-VERSION [PACKAGE] -- "$@": it acts only on upgrades
 * from a version before PRIOR-VERSION. True when this upgrade is not one of those.
 */
static bool helper_noop(const char *l, const char *old_version,
                        const struct kmend_version_scheme *scheme)
{
	static const struct {
		const char *cmd;
		int prior; /* index of PRIOR-VERSION in the words */
	} cmds[] = {
	    {"rm_conffile", 3}, {"mv_conffile", 4}, {"symlink_to_dir", 4}, {"dir_to_symlink", 4}};
	const char *w[16];
	char buf[1024];
	int n = split_words(l, buf, sizeof(buf), w, 16), cmp;

	if (n < 2 || strcmp(w[0], "dpkg-maintscript-helper"))
		return false;
	if (!strcmp(w[1], "supports"))
		return true;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(w[1], cmds[i].cmd))
			continue;
		if (cmds[i].prior >= n || !strcmp(w[cmds[i].prior], "--") || !w[cmds[i].prior][0])
			return false; /* no prior version: it acts on every upgrade */
		if (!old_version ||
		    scheme->compare(old_version, strlen(old_version), w[cmds[i].prior],
		                    strlen(w[cmds[i].prior]), &cmp, NULL) < 0)
			return false;
		return cmp >= 0;
	}
	return false;
}

const char *patch_script_review(const char *script, size_t len, const char *old_version,
                                const struct kmend_version_scheme *scheme, char *why, size_t size)
{
	const char *p = script, *end = script + len;
	long line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char l[1024];

		line++;
		clean_line(p, n, l, sizeof(l));
		p += n + (nl != NULL);
		if (!l[0] || structure(l) || ldconfig(l) || helper_noop(l, old_version, scheme))
			continue;
		char q[120];
		kmend_error_quote(q, sizeof(q), l, strlen(l));
		snprintf(why, size, "line %ld runs %s", line, q);
		return why;
	}
	return NULL;
}
