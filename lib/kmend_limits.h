/* Every limit on outside input, named once. */
#ifndef KMEND_LIMITS_H
#define KMEND_LIMITS_H

/* Longest version string accepted; real ones are well under 100 bytes. */
#define KMEND_VERSION_MAX_LEN 1024

/* Longest line read by line-oriented inputs (vercmp --batch). */
#define KMEND_LINE_MAX (64 * 1024)

/* Most packages one image may hold; real ones have a few thousand. */
#define KMEND_MAX_PACKAGES 200000

/*
 * Memory on hostile layers: peak memory stays under 256 MB on any input. What the layer walker
 * keeps (the wanted files' content, their names and links) is capped per file, per layer and
 * per image; the image's cap counts the merged view and the layer being read together, so
 * that kept bytes never pass it. Real package databases are far smaller: a Debian dpkg status
 * runs to a few MB, a large rpm database to a few tens of MB. Past a cap, the image is refused
 * with an error naming the file or layer and the limit.
 */
/* Largest package database file read into memory (dpkg status, apk installed, rpm db). */
#define KMEND_PKGDB_MAX_SIZE (64L * 1024 * 1024)
/* Most bytes one layer's wanted files, names and links may keep. */
#define KMEND_LAYER_KEPT_MAX (96L * 1024 * 1024)
/* Most bytes the merged view of an image and the layer being read may keep together. */
#define KMEND_IMAGE_KEPT_MAX (128L * 1024 * 1024)
/* Most entries (files, links, whiteouts) one layer or the merged view may keep. */
#define KMEND_KEPT_MAX_ENTRIES 100000
/*
 * Most extra reads of the layers made to follow links to paths the first read did not keep
 * (var/lib/dpkg -> /srv/dpkg, then /srv -> /mnt/srv...): one per link in such a chain.
 */
#define KMEND_LINK_PASSES_MAX 4

/* Longest field value kept from a package database (a name, a version, an arch). */
#define KMEND_PKGDB_FIELD_MAX 4096

/* Most bytes one layer may decompress to: a bound for decompression bombs. */
#define KMEND_LAYER_MAX_UNCOMPRESSED (64ULL * 1024 * 1024 * 1024)

/* Largest manifest, index or image config read (a real one is a few KiB). */
#define KMEND_MANIFEST_MAX_SIZE (4 * 1024 * 1024)

/* Most layers one image may have (Docker's own limit is 127). */
#define KMEND_MAX_LAYERS 256

/* Most history entries, exposed ports and labels read from one image config. */
#define KMEND_MAX_HISTORY 1024
#define KMEND_MAX_LABELS  4096

/* Most tags read from one repository, and most pages of its tag list followed. */
#define KMEND_MAX_TAGS      100000
#define KMEND_MAX_TAG_PAGES 1000

/* Longest path inside a layer, and most symlinks followed resolving one path. */
#define KMEND_PATH_MAX         4096
#define KMEND_SYMLINK_MAX_HOPS 40

/* Most members indexed in a docker-archive or oci-archive file. */
#define KMEND_TAR_MAX_MEMBERS 100000

/* How many times a registry request is tried again after 429, 5xx or a network failure. */
#define KMEND_HTTP_RETRIES 4

/*
 * HTTP: seconds to connect; seconds a server may stay silent (headers or body) before kmend
 * gives up ($KMEND_HTTP_TIMEOUT overrides it, up to KMEND_HTTP_STALL_TIMEOUT_MAX); the
 * response headers kmend keeps (a longer one fails the request instead of being cut); the
 * longest line of a line-by-line stream (a Kubernetes watch event holds one object, and
 * etcd stores objects up to 1.5 MB).
 */
#define KMEND_HTTP_CONNECT_TIMEOUT   30
#define KMEND_HTTP_STALL_TIMEOUT     30
#define KMEND_HTTP_STALL_TIMEOUT_MAX 86400
#define KMEND_HTTP_VALUE_MAX         256
#define KMEND_HTTP_URL_MAX           8192
#define KMEND_HTTP_CHALLENGE_MAX     4096
#define KMEND_HTTP_LINE_MAX          (16 * 1024 * 1024)

/* A registry token server's answer, and the longest user name, password or token kept
 * (cloud registries' tokens run to a few KiB). */
#define KMEND_TOKEN_RESPONSE_MAX (1024 * 1024)
#define KMEND_CREDENTIAL_MAX     (64 * 1024)

/* Largest feed file imported (Debian's whole tracker JSON is under 100 MB). */
#define KMEND_FEED_MAX_SIZE (1024LL * 1024 * 1024)

/* YAML: most nodes in one stream, deepest nesting (manifests and feeds are far below). */
#define KMEND_YAML_MAX_NODES 20000000
#define KMEND_YAML_MAX_DEPTH 128

/* Most entries in an image config's Entrypoint, Cmd or Env (Linux's own ARG_MAX is 2 MiB of
   strings; real configs hold a few). */
#define KMEND_MAX_ARGS 65536

/* Largest Kubernetes manifest file read. */
#define KMEND_MANIFEST_FILE_MAX_SIZE (64 * 1024 * 1024)

/*
 * Kubernetes manifests (lib/kube_yaml): most nodes in one file; the longest
 * scalar (the API server takes 1.5 MB objects; a ConfigMap holds at most
 * 1 MiB); and how many nodes aliases may add when expanded, which refuses
 * "billion laughs" documents whose few bytes stand for billions of nodes.
 */
#define KMEND_KUBE_MAX_NODES           2000000
#define KMEND_KUBE_SCALAR_MAX          (4 * 1024 * 1024)
#define KMEND_KUBE_ALIAS_EXPANSION_MAX 1000000

/* Most memory liblzma may use to decode one xz stream (xz -9 needs 65 MiB; a crafted header
   can ask for gigabytes). */
#define KMEND_XZ_MAX_MEMORY (256ULL * 1024 * 1024)

/* Repository indexes (lib/repo*): largest file fetched (a Release, an APKINDEX.tar.gz,
   a Packages.xz or primary.xml.gz as sent), largest index once decompressed (Debian's main
   Packages is about 45 MiB), most packages one index may list, most repositories an image
   may configure, longest line of a repository configuration. */
#define KMEND_REPO_FETCH_MAX       (256L * 1024 * 1024)
#define KMEND_REPO_INDEX_MAX       (1024L * 1024 * 1024)
#define KMEND_REPO_MAX_PACKAGES    1000000
#define KMEND_REPO_MAX_REPOS       256
#define KMEND_REPO_CONFIG_MAX_SIZE (1024L * 1024)

/* Unified diffs (lib/udiff): the most edits Myers' algorithm searches for between two lines
   that both texts hold once (patience anchors) before it calls the stretch replaced whole;
   its memory grows with the square of this. */
#define KMEND_UDIFF_MAX_EDITS 2000

/* A downloaded package file (a .deb, .apk or .rpm) the install step may be given. */
#define KMEND_PACKAGE_FILE_MAX (4LL * 1024 * 1024 * 1024)

/* Kubernetes: largest kubeconfig file, token, certificate or key file read. */
#define KMEND_KUBECONFIG_MAX_SIZE  (16 * 1024 * 1024)
#define KMEND_KUBE_SECRET_FILE_MAX (1024 * 1024)

/* Kubernetes API: largest answer read (a list page), objects per list page, most objects
 * in one list, failed watch reconnections in a row before giving up. */
#define KMEND_KUBE_RESPONSE_MAX   (64 * 1024 * 1024)
#define KMEND_KUBE_LIST_PAGE      500
#define KMEND_KUBE_LIST_MAX_ITEMS 1000000
#define KMEND_KUBE_WATCH_RETRIES  5

/* Kubernetes deploys: largest apply mark (the first file's object; annotations hold 256 KiB
 * in all), most pods of one workload whose Events are read on each look. */
#define KMEND_KUBE_MARK_MAX     (192 * 1024)
#define KMEND_DEPLOY_EVENT_PODS 10

/* An exec credential plugin: most output kept (an ExecCredential is a few KiB), longest run. */
#define KMEND_KUBE_EXEC_OUTPUT_MAX (1024 * 1024)
#define KMEND_KUBE_EXEC_TIMEOUT_MS (60 * 1000)

/* Deploy: lines of a failing container's or hook's output quoted; most args of one hook. */
#define KMEND_DEPLOY_LOG_LINES     20
#define KMEND_DEPLOY_HOOK_MAX_ARGS 256

/* podman kube play: longest run (it pulls images); largest apply journal read back. */
#define KMEND_PODMAN_PLAY_TIMEOUT_MS (10 * 60 * 1000)
#define KMEND_APPLY_JOURNAL_MAX      (2 * KMEND_MANIFEST_FILE_MAX_SIZE + 1024 * 1024)

/* Registry push: blobs larger than this go up in PATCH chunks of this size. */
#define KMEND_PUSH_CHUNK_SIZE (64ULL * 1024 * 1024)

/* Members of a package file's control part kmend keeps (control, md5sums, scripts...). */
#define KMEND_PKGFILE_MAX_MEMBERS 64

#endif
