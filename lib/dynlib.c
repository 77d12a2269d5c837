/* dlopen of libcurl, librpm and libarchive, on first use. */
#include "dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

struct kmend_dyn_curl kmend_curl;
struct kmend_dyn_rpm kmend_rpm;
struct kmend_dyn_archive kmend_archive;

/* Open the first soname that loads; 0 when all fail, with err naming the package. */
static void *open_any(const char *const *sonames, const char *package, struct kmend_error *err)
{
	for (const char *const *s = sonames; *s; s++) {
		void *h = dlopen(*s, RTLD_NOW | RTLD_LOCAL);
		if (h)
			return h;
	}
	kmend_error_set(err, -KMEND_E_UNSUPPORTED, sonames[0], 0, "cannot load: %s", dlerror());
	kmend_error_hint(err, "install the Debian package %s", package);
	return NULL;
}

static int missing(const char *lib, const char *symbol, struct kmend_error *err)
{
	return kmend_error_set(err, -KMEND_E_UNSUPPORTED, lib, 0,
	                       "has no symbol %s: too old a version", symbol);
}

/*
 * An old libcurl is named as old, not as "missing curl_multi_poll": its version is asked
 * first (curl_version_info exists in every libcurl.so.4).
 */
static int check_curl(void *h, const char *soname, struct kmend_error *err)
{
	curl_version_info_data *(*info)(CURLversion);
	const curl_version_info_data *v;

	if (!(*(void **)(&info) = dlsym(h, "curl_version_info")))
		return missing(soname, "curl_version_info", err);
	v = info(CURLVERSION_NOW);
	if (!v || v->version_num < KMEND_CURL_MIN_VERSION) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, soname, 0,
		                "libcurl %s is older than %s, the oldest kmend works with",
		                v && v->version ? v->version : "(unknown)",
		                KMEND_CURL_MIN_VERSION_TEXT);
		kmend_error_hint(err, "install libcurl4 %s or later (Debian 12 has 7.88.1)",
		                 KMEND_CURL_MIN_VERSION_TEXT);
		return -KMEND_E_UNSUPPORTED;
	}
	return 0;
}

/* POSIX's way to store dlsym's result in a function pointer: through a void * view. */
#define KMEND_DYN_RESOLVE(f)                                                                       \
	if (!(*(void **)(&table->f) = dlsym(h, #f)))                                               \
		return missing(sonames[0], #f, err);

#define KMEND_DYN_LOADER(name, table_var, type, list, check, package, ...)                         \
	static int name##_locked(struct kmend_error *err)                                          \
	{                                                                                          \
		static const char *const sonames[] = {__VA_ARGS__, NULL};                          \
		static int loaded;                                                                 \
		int (*check_fn)(void *, const char *, struct kmend_error *) = check;               \
		struct type *table = &table_var;                                                   \
		void *h;                                                                           \
		if (loaded)                                                                        \
			return 0;                                                                  \
		if (!(h = open_any(sonames, package, err)))                                        \
			return -KMEND_E_UNSUPPORTED;                                               \
		if (check_fn && check_fn(h, sonames[0], err) < 0)                                  \
			return -KMEND_E_UNSUPPORTED;                                               \
		list(KMEND_DYN_RESOLVE) loaded = 1;                                                \
		return 0;                                                                          \
	}                                                                                          \
	int name(struct kmend_error *err)                                                          \
	{                                                                                          \
		static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;                           \
		int r;                                                                             \
		pthread_mutex_lock(&lock);                                                         \
		r = name##_locked(err);                                                            \
		pthread_mutex_unlock(&lock);                                                       \
		return r;                                                                          \
	}

KMEND_DYN_LOADER(kmend_curl_load, kmend_curl, kmend_dyn_curl, KMEND_DYN_CURL, check_curl,
                 "libcurl4", "libcurl.so.4", "libcurl-gnutls.so.4")
KMEND_DYN_LOADER(kmend_rpm_load, kmend_rpm, kmend_dyn_rpm, KMEND_DYN_RPM, NULL, "librpm9",
                 "librpm.so.9", "librpm.so.10")
KMEND_DYN_LOADER(kmend_archive_load, kmend_archive, kmend_dyn_archive, KMEND_DYN_ARCHIVE, NULL,
                 "libarchive13", "libarchive.so.13")
