/* kmend db: import vulnerability feeds into the local store, and show what it holds. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "feed.h"
#include "feed_download.h"
#include "fsutil.h"
#include "walk.h"
#include "vulndb.h"

static void db_usage(void)
{
	printf("Usage: kmend db import [--db PATH] FILE|DIR...\n"
	       "       kmend db update [--db PATH] [URL...]\n"
	       "       kmend db status [--db PATH]\n"
	       "\n"
	       "Keep published vulnerability data in a local store (one SQLite file, default\n"
	       "$XDG_CACHE_HOME/kmend/vuln.db), offline.\n"
	       "\n"
	       "  import   add feed files (a directory: its *.json, *.yaml, *.zip and 'list'\n"
	       "           files, recursively). Formats: Debian security tracker JSON and\n"
	       "           DSA/DLA/CVE lists, OSV (records, directories, all.zip), Alpine secdb\n"
	       "           (JSON or YAML). Importing a file again\n"
	       "           replaces what it brought. Malformed entries are reported (file and\n"
	       "           position) and skipped; the rest is imported.\n"
	       "  update   download feeds over HTTP(S) and import them, each under its URL:\n"
	       "           the URLs given, else $KMEND_FEED_URLS (space-separated), else the\n"
	       "           lines of $XDG_CONFIG_HOME/kmend/feeds\n"
	       "  status   the sources in the store: format, records, when imported\n"
	       "\n"
	       "Options:\n"
	       "  --db PATH    the store (default: $XDG_CACHE_HOME/kmend/vuln.db)\n"
	       "  -h, --help   show this help\n");
}

struct import_run {
	struct kmend_vulndb *db;
	int failures;
};

static void import_one(struct import_run *run, const char *path)
{
	struct kmend_import_stats st;
	struct kmend_error err;
	const char *format = "";

	if (kmend_feed_import_file(run->db, path, &st, &format, &err) < 0) {
		cli_report("db import", &err);
		run->failures++;
		return;
	}
	printf("%s: %s, %zu advisories", path, format, st.added);
	if (st.not_affected)
		printf(", %zu not-affected entries", st.not_affected);
	printf("\n");
	if (st.skipped)
		fprintf(stderr, "kmend db import: warning: %zu entries skipped (first: %s)\n",
		        st.skipped, st.first_problem);
}

/* The files a directory import takes: feeds by their usual names. */
static bool is_feed_name(const char *name)
{
	static const char *const suffixes[] = {".json", ".yaml", ".yml", ".zip"};
	size_t len = strlen(name);

	if (!strcmp(name, "list")) /* the tracker's data/DSA/list, data/DLA/list, data/CVE/list */
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && !strcmp(name + len - n, suffixes[i]))
			return true;
	}
	return false;
}

static void import_walked(const char *file, void *run)
{
	import_one(run, file);
}

static int print_source(const struct kmend_vulndb_source *s, void *ctx)
{
	char when[64];
	time_t t = (time_t)s->imported_at;
	long age = (long)(time(NULL) - t);

	(void)ctx;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	printf("%-16s %9lld  %s (%ld days ago)  %s\n", s->format, (long long)s->records, when,
	       age / 86400, s->name);
	return 0;
}

/* The feed URLs: arguments, else $KMEND_FEED_URLS, else the lines of the feeds file. */
static int feed_urls(int argc, char **argv, char urls[][2048], int max, char *conf, size_t size)
{
	const char *env = getenv("KMEND_FEED_URLS"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char line[2048];
	int n = 0;
	FILE *f;

	for (int i = 0; i < argc && n < max; i++)
		snprintf(urls[n++], 2048, "%s", argv[i]);
	if (n)
		return n;
	if (env && *env) {
		char buf[8192], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", env);
		for (char *w = strtok_r(buf, " \n", &save); w && n < max;
		     w = strtok_r(NULL, " \n", &save))
			snprintf(urls[n++], 2048, "%s", w);
		return n;
	}
	snprintf(conf, size, "%s%s/kmend/feeds",
	         xdg && *xdg ? xdg
	         : home      ? home
	                     : "",
	         xdg && *xdg ? "" : "/.config");
	if (!(f = fopen(conf, "r")))
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && line[0] != '#')
			snprintf(urls[n++], 2048, "%s", line);
	}
	fclose(f);
	return n;
}

static int db_update(const char *path, int argc, char **argv)
{
	static char urls[64][2048];
	char conf[4096] = "", dir[4096], file[8192], cache[4096];
	struct kmend_vulndb *db;
	struct kmend_error err;
	int n = feed_urls(argc, argv, urls, 64, conf, sizeof(conf)), failures = 0;

	if (n == 0) {
		fprintf(
		    stderr,
		    "kmend db update: no feed URLs: give them as arguments, in $KMEND_FEED_URLS, "
		    "or one per line in %s (docs/scan.md lists what distributions publish)\n",
		    conf);
		return KMEND_EXIT_USAGE;
	}
	if (kmend_default_cache_dir(cache, sizeof(cache)) < 0)
		return cli_usage_error(
		    "db update",
		    "no cache directory for the downloads: set XDG_CACHE_HOME or HOME");
	snprintf(dir, sizeof(dir), "%s/feeds", cache);
	if (kmend_vulndb_open(path, true, &db, &err) < 0)
		return cli_report("db update", &err);
	for (int i = 0; i < n; i++) {
		struct kmend_import_stats st;
		const char *format = "";

		if (kmend_feed_download(urls[i], dir, file, sizeof(file), &err) < 0 ||
		    kmend_feed_import_as(db, file, urls[i], &st, &format, &err) < 0) {
			int code = cli_report("db update", &err);
			failures = code > failures ? code : failures;
			continue;
		}
		printf("%s: %s, %zu advisories\n", urls[i], format, st.added);
		if (st.skipped)
			fprintf(stderr,
			        "kmend db update: warning: %zu entries skipped (first: %s)\n",
			        st.skipped, st.first_problem);
	}
	kmend_vulndb_close(db);
	return failures;
}

static int db_run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char path[4096] = "";
	struct kmend_vulndb *db;
	struct kmend_error err;
	const char *verb;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(path, sizeof(path), "%s", optarg); break;
		case 'h': db_usage(); return KMEND_EXIT_OK;
		default: return cli_usage_error("db", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("db", "missing what to do: import or status");
	verb = argv[optind++];
	if (!path[0] && kmend_vulndb_default_path(path, sizeof(path)) < 0)
		return cli_usage_error("db", "no cache directory: set XDG_CACHE_HOME or use --db");
	if (!strcmp(verb, "import")) {
		struct import_run run = {0};
		if (optind >= argc)
			return cli_usage_error("db", "import needs feed files or directories");
		if (kmend_vulndb_open(path, true, &db, &err) < 0)
			return cli_report("db import", &err);
		run.db = db;
		for (int i = optind; i < argc; i++)
			cli_walk(argv[i], is_feed_name, import_walked, &run);
		kmend_vulndb_close(db);
		return run.failures ? KMEND_EXIT_USAGE : KMEND_EXIT_OK;
	}
	if (!strcmp(verb, "update"))
		return db_update(path, argc - optind, argv + optind);
	if (!strcmp(verb, "status")) {
		if (optind < argc)
			return cli_extra_arguments("db status", argv[optind]);
		if (kmend_vulndb_open(path, false, &db, &err) < 0)
			return cli_report("db status", &err);
		printf("Store: %s\n%-16s %9s  %-34s %s\n", path, "FORMAT", "RECORDS", "IMPORTED",
		       "SOURCE");
		c = kmend_vulndb_sources(db, print_source, NULL, &err);
		kmend_vulndb_close(db);
		return c < 0 ? cli_report("db status", &err) : KMEND_EXIT_OK;
	}
	return cli_usage_error("db", "unknown action '%s': use import, update or status", verb);
}

const struct cli_command cli_db = {
    .name = "db",
    .summary = "import vulnerability feeds into the local store; show what it holds",
    .run = db_run,
    .usage = db_usage,
};
