/* Every limit on outside input, named once. */
#ifndef KMEND_LIMITS_H
#define KMEND_LIMITS_H

/* Longest version string accepted; real ones are well under 100 bytes. */
#define KMEND_VERSION_MAX_LEN 1024

/* Longest line read by line-oriented inputs (vercmp --batch). */
#define KMEND_LINE_MAX (64 * 1024)

/* Most packages one image may hold; real ones have a few thousand. */
#define KMEND_MAX_PACKAGES 200000

/* Largest package database file read into memory (dpkg status, apk installed, rpm db). */
#define KMEND_PKGDB_MAX_SIZE (512L * 1024 * 1024)

/* Longest field value kept from a package database (a name, a version, an arch). */
#define KMEND_PKGDB_FIELD_MAX 4096

#endif
