/* Which operating system an image holds: os-release, with the fallbacks older images need. */
#ifndef KMEND_OSRELEASE_H
#define KMEND_OSRELEASE_H

#include <stddef.h>

#include "error.h"
#include "kvtext.h"

struct kmend_os {
	char id[64];         /* "debian", "alpine", "rhel", "ubuntu", ... */
	char version_id[64]; /* "12", "3.19.1", "8.4" */
	char codename[64];   /* "bookworm", may be empty */
	char id_like[128];   /* "debian", "rhel fedora", may be empty */
	char pretty_name[256];
};

/* The files OS detection reads, in the order of trust, relative to the image root. */
enum kmend_os_file {
	KMEND_OS_ETC_OS_RELEASE,
	KMEND_OS_USR_OS_RELEASE,
	KMEND_OS_DEBIAN_VERSION,
	KMEND_OS_ALPINE_RELEASE,
	KMEND_OS_REDHAT_RELEASE,
	KMEND_OS_FILE_COUNT,
};

extern const char *const kmend_os_paths[KMEND_OS_FILE_COUNT];

/* The slot of path in kmend_os_paths, or -1. */
int kmend_os_file_of(const char *path);

/*
 * Decide the OS from the files found (a span with ptr NULL: file absent).
 * os-release wins; /etc/debian_version, /etc/alpine-release and
 * /etc/redhat-release fill what it lacks or stand in for it. Returns 0, or
 * -KMEND_E_NOT_FOUND (os cleared) when no file names an OS.
 */
int kmend_os_detect(const struct kmend_span files[KMEND_OS_FILE_COUNT], struct kmend_os *os);

#endif
