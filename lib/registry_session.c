/* The per-run memory of registries: schemes, Basic hosts, tokens; one mutex around it. */
#include "registry_session.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"

struct host_entry {
	char *host;
	bool plain_http, wants_basic;
};

struct token_entry {
	char *host, *scope, *authorization;
	struct timespec expires; /* CLOCK_MONOTONIC */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_entry *hosts;
static size_t nhosts, hosts_cap;
static struct token_entry *tokens;
static size_t ntokens, tokens_cap;

/* The entry for host, made when missing (NULL only out of memory). Called locked. */
static struct host_entry *host_entry(const char *host, bool make)
{
	for (size_t i = 0; i < nhosts; i++)
		if (strcmp(hosts[i].host, host) == 0)
			return &hosts[i];
	if (!make || kmend_array_grow(&hosts, &hosts_cap, nhosts, sizeof(*hosts)) < 0)
		return NULL;
	hosts[nhosts] = (struct host_entry){.host = strdup(host)};
	return hosts[nhosts].host ? &hosts[nhosts++] : NULL;
}

static bool host_flag(const char *host, size_t offset)
{
	struct host_entry *e;
	bool v;

	pthread_mutex_lock(&lock);
	e = host_entry(host, false);
	v = e && *(bool *)((char *)e + offset);
	pthread_mutex_unlock(&lock);
	return v;
}

static void set_host_flag(const char *host, size_t offset)
{
	struct host_entry *e;

	pthread_mutex_lock(&lock);
	if ((e = host_entry(host, true)))
		*(bool *)((char *)e + offset) = true;
	pthread_mutex_unlock(&lock);
}

bool kmend_registry_session_plain_http(const char *host)
{
	return host_flag(host, offsetof(struct host_entry, plain_http));
}

bool kmend_registry_session_wants_basic(const char *host)
{
	return host_flag(host, offsetof(struct host_entry, wants_basic));
}

void kmend_registry_session_set_plain_http(const char *host)
{
	set_host_flag(host, offsetof(struct host_entry, plain_http));
}

void kmend_registry_session_set_wants_basic(const char *host)
{
	set_host_flag(host, offsetof(struct host_entry, wants_basic));
}

static void token_free(struct token_entry *t)
{
	free(t->host);
	free(t->scope);
	if (t->authorization) {
		explicit_bzero(t->authorization, strlen(t->authorization));
		free(t->authorization);
	}
}

/* Remove entry i. Called locked. */
static void token_remove(size_t i)
{
	token_free(&tokens[i]);
	tokens[i] = tokens[--ntokens];
}

static struct token_entry *token_find(const char *host, const char *scope)
{
	for (size_t i = 0; i < ntokens; i++)
		if (strcmp(tokens[i].host, host) == 0 && strcmp(tokens[i].scope, scope) == 0)
			return &tokens[i];
	return NULL;
}

static bool expired(const struct timespec *at)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > at->tv_sec || (now.tv_sec == at->tv_sec && now.tv_nsec >= at->tv_nsec);
}

char *kmend_registry_session_token(const char *host, const char *scope)
{
	struct token_entry *t;
	char *copy = NULL;

	pthread_mutex_lock(&lock);
	if ((t = token_find(host, scope))) {
		if (expired(&t->expires))
			token_remove((size_t)(t - tokens));
		else
			copy = strdup(t->authorization);
	}
	pthread_mutex_unlock(&lock);
	return copy;
}

void kmend_registry_session_put_token(const char *host, const char *scope,
                                      const char *authorization, long lifetime)
{
	struct token_entry e = {0}, *old;

	if (lifetime <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &e.expires);
	e.expires.tv_sec += lifetime;
	e.host = strdup(host);
	e.scope = strdup(scope);
	e.authorization = strdup(authorization);
	pthread_mutex_lock(&lock);
	if ((old = token_find(host, scope)))
		token_remove((size_t)(old - tokens));
	if (e.host && e.scope && e.authorization &&
	    kmend_array_grow(&tokens, &tokens_cap, ntokens, sizeof(*tokens)) == 0) {
		tokens[ntokens++] = e;
		e = (struct token_entry){0};
	}
	pthread_mutex_unlock(&lock);
	token_free(&e);
}

void kmend_registry_session_drop_token(const char *host, const char *scope)
{
	struct token_entry *t;

	pthread_mutex_lock(&lock);
	if ((t = token_find(host, scope)))
		token_remove((size_t)(t - tokens));
	pthread_mutex_unlock(&lock);
}
