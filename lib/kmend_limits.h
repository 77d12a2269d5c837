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

/* Most bytes one layer may decompress to: a bound for decompression bombs. */
#define KMEND_LAYER_MAX_UNCOMPRESSED (64ULL * 1024 * 1024 * 1024)

/* Largest manifest, index or image config read (a real one is a few KiB). */
#define KMEND_MANIFEST_MAX_SIZE (4 * 1024 * 1024)

/* Most layers one image may have (Docker's own limit is 127). */
#define KMEND_MAX_LAYERS 256

/* Longest path inside a layer, and most symlinks followed resolving one path. */
#define KMEND_PATH_MAX         4096
#define KMEND_SYMLINK_MAX_HOPS 40

/* Most members indexed in a docker-archive or oci-archive file. */
#define KMEND_TAR_MAX_MEMBERS 100000

/* How many times a registry request is tried again after 429, 5xx or a network failure. */
#define KMEND_HTTP_RETRIES 4

/* Largest feed file imported (Debian's whole tracker JSON is under 100 MB). */
#define KMEND_FEED_MAX_SIZE (1024LL * 1024 * 1024)

/* YAML: most nodes in one stream, deepest nesting (manifests and feeds are far below). */
#define KMEND_YAML_MAX_NODES 20000000
#define KMEND_YAML_MAX_DEPTH 128

/* Largest Kubernetes manifest file read. */
#define KMEND_MANIFEST_FILE_MAX_SIZE (64 * 1024 * 1024)

#endif
