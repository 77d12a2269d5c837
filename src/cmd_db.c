/* kmend db: import vulnerability feeds into the local store, and show what it holds. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "feed.h"
#include "vulndb.h"

static void db_usage(void)
{
	printf("Usage: kmend db import [--db PATH] FILE|DIR...\n"
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
static int is_feed_name(const char *name, size_t len)
{
	static const char *const suffixes[] = {".json", ".yaml", ".yml", ".zip"};

	if (!strcmp(name, "list")) /* the tracker's data/DSA/list, data/DLA/list, data/CVE/list */
		return 1;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && !strcmp(name + len - n, suffixes[i]))
			return 1;
	}
	return 0;
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* A directory: its *.json files, in name order, recursively. */
static void import_path(struct import_run *run, const char *path, int depth)
{
	struct dirent **names;
	struct stat sb;
	int n;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 16) {
		if ((n = scandir(path, &names, NULL, name_order)) < 0)
			return;
		for (int i = 0; i < n; i++) {
			char child[8192];
			const char *name = names[i]->d_name;
			size_t len = strlen(name);
			struct stat cs;

			snprintf(child, sizeof(child), "%s/%s", path, name);
			if (name[0] != '.' && stat(child, &cs) == 0 &&
			    (S_ISDIR(cs.st_mode) || is_feed_name(name, len)))
				import_path(run, child, depth + 1);
			free(names[i]);
		}
		free(names);
		return;
	}
	import_one(run, path);
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
			import_path(&run, argv[i], 0);
		kmend_vulndb_close(db);
		return run.failures ? KMEND_EXIT_USAGE : KMEND_EXIT_OK;
	}
	if (!strcmp(verb, "status")) {
		if (kmend_vulndb_open(path, false, &db, &err) < 0)
			return cli_report("db status", &err);
		printf("Store: %s\n%-16s %9s  %-34s %s\n", path, "FORMAT", "RECORDS", "IMPORTED",
		       "SOURCE");
		c = kmend_vulndb_sources(db, print_source, NULL, &err);
		kmend_vulndb_close(db);
		return c < 0 ? cli_report("db status", &err) : KMEND_EXIT_OK;
	}
	return cli_usage_error("db", "unknown action '%s': use import or status", verb);
}

const struct cli_command cli_db = {
    .name = "db",
    .summary = "import vulnerability feeds into the local store; show what it holds",
    .run = db_run,
    .usage = db_usage,
};
