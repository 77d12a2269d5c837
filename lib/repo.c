/* Repositories, their indexes and the session that fetches and keeps them (see repo.h). */
#include "repo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "digest.h"
#include "fsutil.h"
#include "http.h"
#include "kmend_limits.h"
#include "stream.h"
#include "strv.h"

int kmend_repo_add_key(struct kmend_repo *repo, const char *name, const char *data, size_t len)
{
	struct kmend_repo_key *keys = realloc(repo->keys, (repo->nkeys + 1) * sizeof(*keys));
	struct kmend_repo_key *k;

	if (!keys)
		return -ENOMEM;
	repo->keys = keys;
	k = &keys[repo->nkeys];
	k->name = strdup(name);
	k->data = malloc(len + 1);
	if (!k->name || !k->data) {
		free(k->name);
		free(k->data);
		return -ENOMEM;
	}
	memcpy(k->data, data, len);
	k->data[len] = '\0';
	k->len = len;
	repo->nkeys++;
	return 0;
}

void kmend_repo_clear(struct kmend_repo *repo)
{
	if (!repo)
		return;
	free(repo->origin);
	free(repo->url);
	free(repo->suite);
	kmend_strv_free(repo->components);
	free(repo->arch);
	for (size_t i = 0; i < repo->nkeys; i++) {
		free(repo->keys[i].name);
		free(repo->keys[i].data);
	}
	free(repo->keys);
	kmend_strv_free(repo->package_keys);
	memset(repo, 0, sizeof(*repo));
}

int kmend_repo_list_add(struct kmend_repo_list *list, const struct kmend_repo *repo)
{
	struct kmend_repo copy = *repo;
	int failed = 0;

	if (list->count >= KMEND_REPO_MAX_REPOS)
		return -KMEND_E_TOO_LARGE;
	if (kmend_array_grow(&list->items, &list->capacity, list->count, sizeof(*list->items)))
		return -ENOMEM;
	copy.origin = kmend_strdup_or_null(repo->origin, &failed);
	copy.url = kmend_strdup_or_null(repo->url, &failed);
	copy.suite = kmend_strdup_or_null(repo->suite, &failed);
	copy.components = kmend_strv_dup(repo->components, &failed);
	copy.arch = kmend_strdup_or_null(repo->arch, &failed);
	copy.package_keys = kmend_strv_dup(repo->package_keys, &failed);
	copy.keys = NULL;
	copy.nkeys = 0;
	for (size_t i = 0; i < repo->nkeys && !failed; i++)
		failed = kmend_repo_add_key(&copy, repo->keys[i].name, repo->keys[i].data,
		                            repo->keys[i].len) < 0;
	if (failed) {
		kmend_repo_clear(&copy);
		return -ENOMEM;
	}
	list->items[list->count++] = copy;
	return 0;
}

void kmend_repo_list_free(struct kmend_repo_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		kmend_repo_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

int kmend_repo_index_add(struct kmend_repo_index *index, const struct kmend_repo_pkg *pkg,
                         const char *what, struct kmend_error *err)
{
	if (index->count >= KMEND_REPO_MAX_PACKAGES)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
		                       "lists more than %d packages", KMEND_REPO_MAX_PACKAGES);
	if (kmend_array_grow(&index->items, &index->capacity, index->count, sizeof(*pkg)))
		return -ENOMEM;
	index->items[index->count++] = *pkg;
	return 0;
}

int kmend_repo_index_own(struct kmend_repo_index *index, char *text)
{
	char **texts = realloc(index->texts, (index->ntexts + 2) * sizeof(*texts));

	if (!texts) {
		free(text);
		return -ENOMEM;
	}
	index->texts = texts;
	texts[index->ntexts++] = text;
	texts[index->ntexts] = NULL;
	return 0;
}

const char *kmend_repo_index_keep(struct kmend_repo_index *index, const char *s)
{
	char *copy = strdup(s);

	return copy && kmend_repo_index_own(index, copy) == 0 ? copy : NULL;
}

void kmend_repo_index_free(struct kmend_repo_index *index)
{
	if (!index)
		return;
	free(index->name);
	free(index->items);
	for (size_t i = 0; i < index->ntexts; i++)
		free(index->texts[i]);
	free(index->texts);
	kmend_warnings_free(&index->warnings);
	memset(index, 0, sizeof(*index));
}

static int by_name(const void *a, const void *b)
{
	const struct kmend_repo_pkg *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	/* Ties keep index order (indexes come in the order the image lists them). */
	if (c == 0)
		c = *x < *y ? -1 : *x > *y;
	return c;
}

static int provide_by_name(const void *a, const void *b)
{
	const struct kmend_repo_provide *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c == 0)
		c = x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
	return c;
}

struct provide_ctx {
	struct kmend_repo_pool *pool;
	size_t capacity;
	const struct kmend_repo_pkg *pkg;
};

static int add_provide(void *ctx, const char *name, size_t nlen, const char *ver, size_t vlen)
{
	struct provide_ctx *c = ctx;
	struct kmend_repo_pool *pool = c->pool;
	struct kmend_repo_provide *p;
	char *n, *v = NULL;

	if (kmend_array_grow(&pool->provides, &c->capacity, pool->nprovides, sizeof(*p)))
		return -ENOMEM;
	if (!(n = strndup(name, nlen)) || (ver && !(v = strndup(ver, vlen)))) {
		free(n);
		return -ENOMEM;
	}
	p = &pool->provides[pool->nprovides++];
	*p = (struct kmend_repo_provide){.name = n, .version = v, .pkg = c->pkg};
	return 0;
}

int kmend_repo_pool_build(struct kmend_repo_pool *pool,
                          const struct kmend_repo_index *const *indexes, size_t n,
                          kmend_relation_parser parse)
{
	struct provide_ctx ctx = {.pool = pool};
	size_t total = 0, k = 0;

	memset(pool, 0, sizeof(*pool));
	for (size_t i = 0; i < n; i++)
		total += indexes[i]->count;
	if (total && !(pool->by_name = malloc(total * sizeof(*pool->by_name))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < indexes[i]->count; j++) {
			const struct kmend_repo_pkg *p = &indexes[i]->items[j];
			pool->by_name[k++] = p;
			/* A provides field that does not parse provides nothing: the package is
			   still there by its own name. */
			if (parse && p->provides) {
				ctx.pkg = p;
				if (kmend_relation_each_provide(parse, p->provides, add_provide,
				                                &ctx) == -ENOMEM) {
					kmend_repo_pool_free(pool);
					return -ENOMEM;
				}
			}
		}
	pool->count = total;
	if (total)
		qsort(pool->by_name, total, sizeof(*pool->by_name), by_name);
	if (pool->nprovides)
		qsort(pool->provides, pool->nprovides, sizeof(*pool->provides), provide_by_name);
	return 0;
}

size_t kmend_repo_pool_find(const struct kmend_repo_pool *pool, const char *name,
                            const struct kmend_repo_pkg *const **first)
{
	size_t lo = 0, hi = pool->count, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(pool->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < pool->count && !strcmp(pool->by_name[end]->name, name); end++)
		;
	*first = pool->by_name + lo;
	return end - lo;
}

size_t kmend_repo_pool_providers(const struct kmend_repo_pool *pool, const char *name,
                                 const struct kmend_repo_provide **first)
{
	size_t lo = 0, hi = pool->nprovides, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(pool->provides[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < pool->nprovides && !strcmp(pool->provides[end].name, name); end++)
		;
	*first = pool->provides + lo;
	return end - lo;
}

void kmend_repo_pool_free(struct kmend_repo_pool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->nprovides; i++) {
		free((char *)pool->provides[i].name);
		free((char *)pool->provides[i].version);
	}
	free(pool->provides);
	free(pool->by_name);
	memset(pool, 0, sizeof(*pool));
}

/* A loaded index, or the error loading it gave. */
struct session_index {
	char *key;
	struct kmend_repo_index index;
	int result;
	struct kmend_error err;
};

/* A body fetched without a digest to check (a Release file), kept for the run. */
struct session_fetch {
	char *url, *body;
	size_t len;
	long status;
};

/* A pool over a list of indexes. */
struct session_pool {
	const struct kmend_repo_index **indexes;
	size_t n;
	struct kmend_repo_pool pool;
};

struct kmend_repo_session {
	const struct kmend_repo_options *opts;
	struct session_pool *pools;
	size_t npools, pool_capacity;
	struct session_index *indexes;
	size_t nindexes, capacity;
	struct session_fetch *fetches;
	size_t nfetches, fetch_capacity;
};

int kmend_repo_session_new(const struct kmend_repo_options *opts, struct kmend_repo_session **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return -ENOMEM;
	(*out)->opts = opts;
	return 0;
}

void kmend_repo_session_free(struct kmend_repo_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nindexes; i++) {
		free(s->indexes[i].key);
		kmend_repo_index_free(&s->indexes[i].index);
	}
	for (size_t i = 0; i < s->nfetches; i++) {
		free(s->fetches[i].url);
		free(s->fetches[i].body);
	}
	for (size_t i = 0; i < s->npools; i++) {
		free(s->pools[i].indexes);
		kmend_repo_pool_free(&s->pools[i].pool);
	}
	free(s->pools);
	free(s->indexes);
	free(s->fetches);
	free(s);
}

int kmend_repo_session_pool(struct kmend_repo_session *s,
                            const struct kmend_repo_index *const *indexes, size_t n,
                            kmend_relation_parser parse, const struct kmend_repo_pool **out)
{
	struct session_pool *p;
	int r;

	for (size_t i = 0; i < s->npools; i++)
		if (s->pools[i].n == n &&
		    (n == 0 || !memcmp(s->pools[i].indexes, indexes, n * sizeof(*indexes)))) {
			*out = &s->pools[i].pool;
			return 0;
		}
	if (kmend_array_grow(&s->pools, &s->pool_capacity, s->npools, sizeof(*s->pools)))
		return -ENOMEM;
	p = &s->pools[s->npools];
	memset(p, 0, sizeof(*p));
	if (n && !(p->indexes = malloc(n * sizeof(*indexes))))
		return -ENOMEM;
	if (n)
		memcpy(p->indexes, indexes, n * sizeof(*indexes));
	p->n = n;
	if ((r = kmend_repo_pool_build(&p->pool, indexes, n, parse)) < 0) {
		free(p->indexes);
		return r;
	}
	s->npools++;
	*out = &p->pool;
	return 0;
}

const struct kmend_repo_options *kmend_repo_session_options(const struct kmend_repo_session *s)
{
	return s->opts;
}

/* What makes two repositories the same index: where, which part, and how it is trusted. */
static char *index_key(const struct kmend_repo *repo, const char *part)
{
	char *key = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&key, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s\n%s\n%s\n%s\n%d", repo->url, repo->suite ? repo->suite : "",
	        part ? part : "", repo->arch ? repo->arch : "", (int)repo->trust);
	for (size_t i = 0; i < repo->nkeys; i++) {
		char d[KMEND_DIGEST_MAX];
		kmend_digest_of(repo->keys[i].data, repo->keys[i].len, d);
		fprintf(f, "\n%s", d);
	}
	if (fclose(f) != 0) {
		free(key);
		return NULL;
	}
	return key;
}

int kmend_repo_session_index(struct kmend_repo_session *s, const struct kmend_repo *repo,
                             const char *part, kmend_repo_loader load,
                             const struct kmend_repo_index **out, struct kmend_error *err)
{
	_cleanup_free_ char *key = index_key(repo, part);
	struct session_index *e;

	if (!key)
		return -ENOMEM;
	for (size_t i = 0; i < s->nindexes; i++) {
		e = &s->indexes[i];
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->result < 0 && err)
			*err = e->err;
		*out = &e->index;
		return e->result;
	}
	if (kmend_array_grow(&s->indexes, &s->capacity, s->nindexes, sizeof(*s->indexes)))
		return -ENOMEM;
	e = &s->indexes[s->nindexes];
	memset(e, 0, sizeof(*e));
	e->result = load(s, repo, part, &e->index, &e->err);
	if (e->result == -ENOMEM) {
		kmend_repo_index_free(&e->index);
		return -ENOMEM;
	}
	if (e->result < 0) {
		kmend_repo_index_free(&e->index);
		if (err)
			*err = e->err;
	}
	e->key = TAKE_PTR(key);
	s->nindexes++;
	*out = &e->index;
	return e->result;
}

int kmend_repo_load_part(struct kmend_repo_session *s, const struct kmend_repo *repo,
                         const char *part, kmend_repo_loader load,
                         const struct kmend_repo_index **indexes, size_t *n, size_t max,
                         struct kmend_warnings *warnings, struct kmend_error *err)
{
	const struct kmend_repo_index *idx;
	struct kmend_error e = {0};
	int r = kmend_repo_session_index(s, repo, part, load, &idx, &e);

	if (r == -KMEND_E_NOT_FOUND && repo->optional)
		return repo->suite ? kmend_warn(warnings, "suite-not-on-mirror",
		                                "%s: no suite %s there (%s)", repo->url,
		                                repo->suite, e.message)
		                   : kmend_warn(warnings, "suite-not-on-mirror",
		                                "%s: not there (%s)", repo->url, e.message);
	if (r < 0) {
		if (err)
			*err = e;
		return r;
	}
	if (*n >= max)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, repo->url, 0,
		                       "more than %zu indexes", max);
	indexes[(*n)++] = idx;
	return kmend_warnings_add_all(warnings, &idx->warnings);
}

static int cache_path(const struct kmend_repo_session *s, const char *sha256, char *out,
                      size_t size)
{
	if (!s->opts->cache_dir || !sha256 || strlen(sha256) != 64)
		return -ENOENT;
	if ((size_t)snprintf(out, size, "%s/repo/sha256/%s", s->opts->cache_dir, sha256) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The cached copy of a verified body, if it is there and still matches. */
static int fetch_cached(struct kmend_repo_session *s, const char *sha256, size_t max, char **body,
                        size_t *len)
{
	char path[4200], digest[KMEND_DIGEST_MAX];

	if (cache_path(s, sha256, path, sizeof(path)) < 0 ||
	    kmend_read_file(path, max, body, len, NULL) < 0)
		return -ENOENT;
	kmend_digest_of(*body, *len, digest);
	if (strcmp(kmend_digest_hex(digest), sha256) != 0) {
		/* A damaged cache file is dropped and fetched again. */
		free(*body);
		*body = NULL;
		unlink(path);
		return -ENOENT;
	}
	return 0;
}

static void cache_save(struct kmend_repo_session *s, const char *sha256, const char *body,
                       size_t len)
{
	char path[4200], *slash;

	if (cache_path(s, sha256, path, sizeof(path)) < 0)
		return;
	slash = strrchr(path, '/');
	*slash = '\0';
	if (kmend_mkdir_p(path, 0700) < 0)
		return;
	*slash = '/';
	/* A cache that cannot be written is not an error: the body is verified already. */
	kmend_write_file_atomic(path, body, len, 0600, NULL);
}

int kmend_repo_fetch(struct kmend_repo_session *s, const char *url, const char *sha256,
                     uint64_t size, const char *expected_from, size_t max, char **body, size_t *len,
                     long *status, struct kmend_error *err)
{
	struct kmend_http_request req = {
	    .url = url, .what = url, .insecure = s->opts->insecure_tls};
	struct kmend_http_response resp;
	char digest[KMEND_DIGEST_MAX];
	int r;

	*body = NULL;
	if (sha256 && fetch_cached(s, sha256, max, body, len) == 0) {
		*status = 200;
		return 0;
	}
	if (!sha256)
		for (size_t i = 0; i < s->nfetches; i++)
			if (!strcmp(s->fetches[i].url, url)) {
				if (!(*body = malloc(s->fetches[i].len + 1)))
					return -ENOMEM;
				memcpy(*body, s->fetches[i].body, s->fetches[i].len + 1);
				*len = s->fetches[i].len;
				*status = s->fetches[i].status;
				return 0;
			}
	if (!strncmp(url, "file:///", 8)) {
		/* A repository on this machine (a mirror copy, a frozen snapshot): read as
		   apt's file method reads it, a missing file answering as HTTP's 404. */
		resp.status = 200;
		if ((r = kmend_read_file(url + 7, max, body, len, err)) == -ENOENT) {
			resp.status = 404;
			*len = 0;
		} else if (r < 0)
			return r;
	} else if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, url, 0,
		                       "kmend fetches repositories over http and https, or "
		                       "file:///PATH on this machine");
	} else if ((r = kmend_http_get(&req, max, body, len, &resp, err)) < 0) {
		return r;
	}
	*status = resp.status;
	if (resp.status != 200)
		return 0;
	if (sha256) {
		kmend_digest_of(*body, *len, digest);
		if (strcmp(kmend_digest_hex(digest), sha256) != 0 ||
		    (size != UINT64_MAX && *len != size)) {
			free(*body);
			*body = NULL;
			kmend_error_set(
			    err, -KMEND_E_DIGEST, url, 0,
			    "has SHA-256 %s and %zu bytes, but %s says %s and %llu bytes",
			    kmend_digest_hex(digest), *len, expected_from, sha256,
			    (unsigned long long)size);
			kmend_error_hint(err,
			                 "the index was changed after it was signed, or the "
			                 "mirror is part-way through an update: try again later, "
			                 "or use another mirror");
			return -KMEND_E_DIGEST;
		}
		cache_save(s, sha256, *body, *len);
	} else if (*len <= KMEND_MANIFEST_MAX_SIZE &&
	           kmend_array_grow(&s->fetches, &s->fetch_capacity, s->nfetches,
	                            sizeof(*s->fetches)) == 0) {
		struct session_fetch *f = &s->fetches[s->nfetches];
		if ((f->url = strdup(url)) && (f->body = malloc(*len + 1))) {
			memcpy(f->body, *body, *len + 1);
			f->len = *len;
			f->status = resp.status;
			s->nfetches++;
		} else {
			free(f->url);
		}
	}
	return 0;
}

int kmend_repo_decompress(const char *data, size_t len, const char *what, size_t max, char **out,
                          size_t *outlen, struct kmend_error *err)
{
	struct kmend_istream *mem, *d;
	int r;

	if ((r = kmend_istream_open_memory(data, len, &mem)) < 0)
		return r;
	if ((r = kmend_istream_decompress(mem, what, &d, err)) < 0)
		return r;
	r = kmend_istream_slurp(d, max, what, out, outlen, err);
	kmend_istream_close(d);
	return r;
}
