/*
 * Heavy libraries (libcurl, librpm, libarchive) are loaded with dlopen when first needed:
 * linked in, they cost every kmend process ~60 ms of start-up (their dependencies' loading
 * and constructors) even when a command never touches a registry, an rpm database or a
 * layer. Each is described by an X-macro list of the functions kmend calls; the calls go
 * through a struct of pointers with the library's own prototypes.
 */
#ifndef KMEND_DYNLIB_H
#define KMEND_DYNLIB_H

#include "error.h"

/* No type-checking macros: they would rewrite calls through the pointer struct. */
#define CURL_DISABLE_TYPECHECK
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>

/* The functions kmend calls, one X(name) each (clang-format cannot keep these lists still). */
// clang-format off
#define KMEND_DYN_CURL(X) \
	X(curl_version_info) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_setopt) \
	X(curl_easy_perform) \
	X(curl_easy_getinfo) \
	X(curl_easy_cleanup) \
	X(curl_easy_strerror) \
	X(curl_easy_escape) \
	X(curl_easy_pause) \
	X(curl_free) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	X(curl_multi_init) \
	X(curl_multi_add_handle) \
	X(curl_multi_remove_handle) \
	X(curl_multi_perform) \
	X(curl_multi_info_read) \
	X(curl_multi_poll) \
	X(curl_multi_cleanup) \
	X(curl_multi_strerror) \
	X(curl_share_init) \
	X(curl_share_setopt) \
	X(curl_share_cleanup) \
	X(curl_share_strerror)

#define KMEND_DYN_RPM(X) \
	X(rpmReadConfigFiles) \
	X(rpmlogSetCallback) \
	X(rpmPushMacro) \
	X(rpmPopMacro) \
	X(rpmtsCreate) \
	X(rpmtsFree) \
	X(rpmtsSetRootDir) \
	X(rpmtsSetVSFlags) \
	X(rpmtsOpenDB) \
	X(rpmtsInitIterator) \
	X(rpmdbNextIterator) \
	X(rpmdbFreeIterator) \
	X(headerGetString) \
	X(headerGetNumber) \
	X(headerIsEntry) \
	X(headerImport) \
	X(headerFree)

#define KMEND_DYN_ARCHIVE(X) \
	X(archive_read_new) \
	X(archive_read_support_format_tar) \
	X(archive_read_support_format_gnutar) \
	X(archive_read_support_format_zip) \
	X(archive_read_open_filename) \
	X(archive_read_open) \
	X(archive_read_next_header) \
	X(archive_read_data) \
	X(archive_read_free) \
	X(archive_error_string) \
	X(archive_set_error) \
	X(archive_entry_pathname) \
	X(archive_entry_hardlink) \
	X(archive_entry_symlink) \
	X(archive_entry_filetype) \
	X(archive_entry_size) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_format_cpio) \
	X(archive_read_open_memory) \
	X(archive_entry_perm) \
	X(archive_entry_uid) \
	X(archive_entry_gid) \
	X(archive_entry_uname) \
	X(archive_entry_gname) \
	X(archive_entry_mtime) \
	X(archive_entry_nlink) \
	X(archive_entry_new) \
	X(archive_entry_free) \
	X(archive_entry_clear) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_uid) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_uname) \
	X(archive_entry_set_gname) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_size) \
	X(archive_entry_set_symlink) \
	X(archive_entry_set_hardlink) \
	X(archive_write_new) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_open) \
	X(archive_write_header) \
	X(archive_write_data) \
	X(archive_write_finish_entry) \
	X(archive_write_close) \
	X(archive_write_free)

// clang-format on

#define KMEND_DYN_FIELD(f) __typeof__(f) *f;

struct kmend_dyn_curl {
	KMEND_DYN_CURL(KMEND_DYN_FIELD)
};
struct kmend_dyn_rpm {
	KMEND_DYN_RPM(KMEND_DYN_FIELD)
};
struct kmend_dyn_archive {
	KMEND_DYN_ARCHIVE(KMEND_DYN_FIELD)
};

/* The function tables; valid once the matching load function returned 0. */
extern struct kmend_dyn_curl kmend_curl;
extern struct kmend_dyn_rpm kmend_rpm;
extern struct kmend_dyn_archive kmend_archive;

/*
 * The oldest libcurl kmend works with: CURLOPT_PROTOCOLS_STR (7.85.0); the PEM blobs (7.71.0,
 * CAINFO_BLOB 7.77.0) and curl_multi_poll (7.66.0) come before.
 */
#define KMEND_CURL_MIN_VERSION      0x075500
#define KMEND_CURL_MIN_VERSION_TEXT "7.85.0"

/*
 * Load the library (once; later calls return at once; safe from several threads).
 * libcurl's version is checked before anything else is looked up. Errors:
 * -KMEND_E_UNSUPPORTED naming the library, the missing symbol, dlerror() or (libcurl) the
 * version found and the one needed, and the Debian package that provides it.
 */
int kmend_curl_load(struct kmend_error *err);
int kmend_rpm_load(struct kmend_error *err);
int kmend_archive_load(struct kmend_error *err);

#endif
