/* Package URLs (github.com/package-url/purl-spec) for installed OS packages. */
#ifndef KMEND_PURL_H
#define KMEND_PURL_H

#include <stddef.h>

#include "osrelease.h"
#include "package.h"

/*
 * The purl of p on os (NULL: unknown OS, no namespace or distro), into buf:
 * "pkg:deb/debian/perl-base@5.36.0-7%2Bdeb12u3?arch=amd64&distro=debian-12". The
 * namespace is the os-release ID; an epoch ("1:...") becomes the epoch qualifier; every
 * byte outside [A-Za-z0-9._~-] is percent-encoded. Returns 0, or -ENOSPC when buf is too
 * small (buf then holds "").
 */
int kmend_purl(const struct kmend_package *p, const struct kmend_os *os, char *buf, size_t size);

#endif
