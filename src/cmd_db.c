/* kmend db: import vulnerability feeds into the local store, and show what it holds. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "feed.h"
#include "feed_catalog.h"
#include "feed_download.h"
#include "fsutil.h"
#include "walk.h"
#include "vulndb.h"

#define MAX_FEEDS 64

static void db_usage(void)
{
	printf("Usage: kmend db import [--db PATH] FILE|DIR...\n"
	       "       kmend db update [--db PATH] [--mirror URL] [URL...]\n"
	       "       kmend db status [--db PATH] [--format table|json]\n"
	       "\n"
	       "Keep published vulnerability data in a local store (one SQLite file, default\n"
	       "$XDG_CACHE_HOME/kmend/vuln.db), offline.\n"
	       "\n"
	       "  import   add feed files (a directory: its *.json, *.yaml, *.zip and 'list'\n"
	       "           files, recursively). Formats: Debian security tracker JSON and\n"
	       "           DSA/DLA/CVE lists, OSV (records, directories, all.zip), Alpine secdb\n"
	       "           (JSON or YAML). Importing a file again replaces what it brought.\n"
	       "           Malformed entries are reported (file and position) and skipped; a\n"
	       "           file that cannot be imported leaves the store as it was.\n"
	       "  update   download feeds over HTTP(S) and import them, each under its URL: the\n"
	       "           URLs given, else $KMEND_FEED_URLS (space-separated), else the lines\n"
	       "           of $XDG_CONFIG_HOME/kmend/feeds, else the publishers' feeds kmend\n"
	       "           knows (docs/scan.md). All are downloaded before the store changes;\n"
	       "           any failure leaves it as it was.\n"
	       "  status   the sources in the store: format, records, newest advisory date,\n"
	       "           when imported\n"
	       "\n"
	       "Options:\n"
	       "  --db PATH             the store (default: $XDG_CACHE_HOME/kmend/vuln.db)\n"
	       "  --mirror URL          fetch the default feeds from URL/HOST/PATH (also\n"
	       "                        $KMEND_FEED_MIRROR)\n"
	       "  --format table|json   db status output (default: table)\n"
	       "  -h, --help            show this help\n");
}

/* What happened to one feed: for the summary lines printed once the store has them. */
struct feed_result {
	char name[2048];
	const char *format;
	struct kmend_import_stats st;
};

static void print_result(const char *command, const struct feed_result *f)
{
	printf("%s: %s, %zu advisories", f->name, f->format, f->st.added);
	if (f->st.not_affected)
		printf(", %zu not-affected entries", f->st.not_affected);
	if (f->st.other_products)
		printf(", %zu entries for products no image runs (Ubuntu Pro, RHEL EUS...)",
		       f->st.other_products);
	printf("\n");
	if (!f->st.added && !f->st.not_affected && !f->st.other_products && !f->st.skipped &&
	    !f->st.dropped)
		fprintf(stderr, "kmend %s: warning: %s: no advisories kmend can use in it\n",
		        command, f->name);
	if (f->st.skipped)
		fprintf(stderr, "kmend %s: warning: %zu entries skipped (first: %s)\n", command,
		        f->st.skipped, f->st.first_problem);
	if (f->st.dropped)
		fprintf(stderr,
		        "kmend %s: warning: %zu advisories dropped, their fixed version cannot be "
		        "read (first: %s)\n",
		        command, f->st.dropped, f->st.first_dropped);
}

struct import_run {
	struct kmend_vulndb *db;
	struct feed_result *results;
	size_t count, cap;
	int failure; /* the first failure's exit code */
};

static void import_one(const char *path, void *p)
{
	struct import_run *run = p;
	struct kmend_error err;
	struct feed_result *f;

	if (run->failure)
		return; /* nothing more goes in: the whole import is rolled back */
	if (run->count == run->cap) {
		size_t cap = run->cap ? run->cap * 2 : 16;
		struct feed_result *bigger = realloc(run->results, cap * sizeof(*bigger));
		if (!bigger) {
			run->failure = KMEND_EXIT_FAILURE;
			return;
		}
		run->results = bigger;
		run->cap = cap;
	}
	f = &run->results[run->count];
	snprintf(f->name, sizeof(f->name), "%s", path);
	f->format = "";
	if (kmend_feed_import_file(run->db, path, &f->st, &f->format, &err) < 0) {
		run->failure = cli_report("db import", &err);
		return;
	}
	run->count++;
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

/* End an import or update: keep everything, or leave the store exactly as it was. */
static int finish(struct kmend_vulndb *db, const char *command, int failure)
{
	struct kmend_error err;
	int r;

	if (failure) {
		kmend_vulndb_finish(db, false, NULL);
		kmend_vulndb_discard(db);
		fprintf(stderr, "kmend %s: nothing was imported; the store is as it was\n",
		        command);
		return failure;
	}
	if ((r = kmend_vulndb_finish(db, true, &err)) < 0) {
		kmend_vulndb_discard(db);
		return cli_report(command, &err);
	}
	kmend_vulndb_close(db);
	return KMEND_EXIT_OK;
}

static int db_import(const char *path, int argc, char **argv)
{
	struct import_run run = {0};
	struct kmend_error err;
	int code;

	if (argc == 0)
		return cli_usage_error("db", "import needs feed files or directories");
	if (kmend_vulndb_open(path, true, &run.db, &err) < 0)
		return cli_report("db import", &err);
	if (kmend_vulndb_transaction(run.db, &err) < 0) {
		kmend_vulndb_discard(run.db);
		return cli_report("db import", &err);
	}
	for (int i = 0; i < argc && !run.failure; i++)
		cli_walk(argv[i], is_feed_name, import_one, &run);
	if ((code = finish(run.db, "db import", run.failure)) == KMEND_EXIT_OK)
		for (size_t i = 0; i < run.count; i++)
			print_result("db import", &run.results[i]);
	free(run.results);
	return code;
}

/* The feed URLs: arguments, else $KMEND_FEED_URLS, else the feeds file, else the catalog. */
static int feed_urls(int argc, char **argv, char urls[][2048], char names[][2048], int max,
                     const char *mirror, char *conf, size_t size)
{
	const char *env = getenv("KMEND_FEED_URLS"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char line[2048];
	int n = 0;
	FILE *f;

	for (int i = 0; i < argc && n < max; i++)
		snprintf(urls[n++], 2048, "%s", argv[i]);
	if (n)
		goto named;
	if (env && *env) {
		char buf[8192], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", env);
		for (char *w = strtok_r(buf, " \n", &save); w && n < max;
		     w = strtok_r(NULL, " \n", &save))
			snprintf(urls[n++], 2048, "%s", w);
		goto named;
	}
	snprintf(conf, size, "%s%s/kmend/feeds",
	         xdg && *xdg ? xdg
	         : home      ? home
	                     : "",
	         xdg && *xdg ? "" : "/.config");
	if ((f = fopen(conf, "r")) != NULL) {
		while (n < max && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] && line[0] != '#')
				snprintf(urls[n++], 2048, "%s", line);
		}
		fclose(f);
		if (n)
			goto named;
	}
	/* The publishers' feeds, each named by its own URL even when fetched from a mirror. */
	for (size_t i = 0; kmend_feed_catalog[i].url && n < max; i++, n++) {
		if (kmend_feed_catalog_url(&kmend_feed_catalog[i], mirror, urls[n], 2048) < 0)
			return -1;
		snprintf(names[n], 2048, "%s", kmend_feed_catalog[i].url);
	}
	return n;
named:
	for (int i = 0; i < n; i++)
		snprintf(names[i], 2048, "%s", urls[i]);
	return n;
}

static int db_update(const char *path, const char *mirror, int argc, char **argv)
{
	static char urls[MAX_FEEDS][2048], names[MAX_FEEDS][2048], files[MAX_FEEDS][8192];
	static struct feed_result results[MAX_FEEDS];
	char conf[4096] = "", dir[4096], cache[4096];
	struct kmend_vulndb *db;
	struct kmend_error err;
	int n, failure = 0;

	if (!mirror || !*mirror)
		mirror = getenv("KMEND_FEED_MIRROR");
	if ((n = feed_urls(argc, argv, urls, names, MAX_FEEDS, mirror, conf, sizeof(conf))) < 0)
		return cli_usage_error("db", "--mirror URL is too long");
	if (kmend_default_cache_dir(cache, sizeof(cache)) < 0)
		return cli_usage_error(
		    "db update",
		    "no cache directory for the downloads: set XDG_CACHE_HOME or HOME");
	snprintf(dir, sizeof(dir), "%s/feeds", cache);
	/* Everything first: a feed that cannot be fetched must not leave the store half new. */
	for (int i = 0; i < n && !failure; i++) {
		if (strcmp(urls[i], names[i]))
			fprintf(stderr, "kmend db update: %s from %s\n", names[i], urls[i]);
		if (kmend_feed_download(urls[i], dir, files[i], sizeof(files[i]), &err) < 0)
			failure = cli_report("db update", &err);
	}
	if (failure) {
		fprintf(stderr, "kmend db update: nothing was imported; the store is as it was\n");
		return failure;
	}
	if (kmend_vulndb_open(path, true, &db, &err) < 0)
		return cli_report("db update", &err);
	if (kmend_vulndb_transaction(db, &err) < 0) {
		kmend_vulndb_discard(db);
		return cli_report("db update", &err);
	}
	for (int i = 0; i < n && !failure; i++) {
		snprintf(results[i].name, sizeof(results[i].name), "%s", names[i]);
		results[i].format = "";
		if (kmend_feed_import_as(db, files[i], names[i], &results[i].st, &results[i].format,
		                         &err) < 0)
			failure = cli_report("db update", &err);
	}
	if ((failure = finish(db, "db update", failure)) == KMEND_EXIT_OK)
		for (int i = 0; i < n; i++)
			print_result("db update", &results[i]);
	return failure;
}

/* db status: one row per source; the age of the data is its newest advisory's date. */
struct status_out {
	json_t *sources; /* NULL: table */
	time_t now;
};

static int print_source(const struct kmend_vulndb_source *s, void *ctx)
{
	struct status_out *o = ctx;
	char when[64], newest[32];
	time_t t = (time_t)s->imported_at;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (o->sources) {
		json_t *row =
		    json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I}", "source", s->name, "format",
		              s->format, "records", (json_int_t)s->records, "imported_at", when,
		              "imported_days_ago", (json_int_t)((o->now - t) / 86400), "skipped",
		              (json_int_t)s->skipped, "dropped", (json_int_t)s->dropped);
		if (!row ||
		    json_object_set_new(row, "newest_advisory",
		                        s->newest[0] ? json_string(s->newest) : json_null()) < 0 ||
		    json_array_append_new(o->sources, row) < 0)
			return -ENOMEM;
		return 0;
	}
	snprintf(newest, sizeof(newest), "%s", s->newest[0] ? s->newest : "-");
	printf("%-16s %9lld  %-10s  %.10s (%ld days ago)  %s\n", s->format, (long long)s->records,
	       newest, when, (long)((o->now - t) / 86400), s->name);
	if (s->skipped || s->dropped)
		printf("%-16s %9s  %lld entries skipped, %lld advisories dropped (unreadable "
		       "version)\n",
		       "", "", (long long)s->skipped, (long long)s->dropped);
	return 0;
}

static int db_status(const char *path, const char *format, int argc, char **argv)
{
	struct status_out o = {.now = time(NULL)};
	struct kmend_vulndb *db;
	struct kmend_error err;
	int r;

	if (argc)
		return cli_extra_arguments("db status", argv[0]);
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("db", "unknown format '%s'; use table or json", format);
	if (kmend_vulndb_open(path, false, &db, &err) < 0)
		return cli_report("db status", &err);
	if (!strcmp(format, "json"))
		o.sources = json_array();
	else
		printf("Store: %s\n%-16s %9s  %-10s  %-27s %s\n", path, "FORMAT", "RECORDS",
		       "NEWEST", "IMPORTED", "SOURCE");
	r = kmend_vulndb_sources(db, print_source, &o, &err);
	kmend_vulndb_close(db);
	if (r < 0) {
		json_decref(o.sources);
		return cli_report("db status", &err);
	}
	if (o.sources) {
		/* The age of the data: the newest date any source gives. */
		const char *newest = NULL;
		size_t i;
		json_t *row, *doc;
		json_array_foreach (o.sources, i, row) {
			const char *d = json_string_value(json_object_get(row, "newest_advisory"));
			if (d && (!newest || strcmp(d, newest) > 0))
				newest = d;
		}
		doc = json_pack("{s:s, s:i, s:o, s:o}", "store", path, "schema",
		                KMEND_VULNDB_SCHEMA, "newest_advisory",
		                newest ? json_string(newest) : json_null(), "sources", o.sources);
		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
			json_decref(doc);
			return KMEND_EXIT_FAILURE;
		}
		putchar('\n');
		json_decref(doc);
	}
	return KMEND_EXIT_OK;
}

static int db_run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"mirror", required_argument, NULL, 'm'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *mirror = NULL, *format = "table";
	char path[4096] = "";
	const char *verb;
	int c;

	optind = 1;
	opterr = 0;
	/* Options anywhere: kmend db status --format json, kmend db import F --db X. */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(path, sizeof(path), "%s", optarg); break;
		case 'm': mirror = optarg; break;
		case 'f': format = optarg; break;
		case 'h': db_usage(); return KMEND_EXIT_OK;
		default: return cli_usage_error("db", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("db", "missing what to do: import, update or status");
	verb = argv[optind++];
	if (!path[0] && kmend_vulndb_default_path(path, sizeof(path)) < 0)
		return cli_usage_error("db", "no cache directory: set XDG_CACHE_HOME or use --db");
	if (!strcmp(verb, "import"))
		return db_import(path, argc - optind, argv + optind);
	if (!strcmp(verb, "update"))
		return db_update(path, mirror, argc - optind, argv + optind);
	if (!strcmp(verb, "status"))
		return db_status(path, format, argc - optind, argv + optind);
	return cli_usage_error("db", "unknown action '%s': use import, update or status", verb);
}

const struct cli_command cli_db = {
    .name = "db",
    .summary = "import vulnerability feeds into the local store; show what it holds",
    .run = db_run,
    .usage = db_usage,
};
