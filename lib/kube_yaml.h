/* Kubernetes manifests read with positions: a node tree over the original text (libyaml's marks).
 */
#ifndef KMEND_KUBE_YAML_H
#define KMEND_KUBE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

/*
 * One reader for every manifest kmend reads (scan) and rewrites (fix,
 * revert). It never re-serialises: each node knows where it is in the
 * caller's bytes, so that an edit can splice text in and leave every other
 * byte as it was. YAML streams (every document) and JSON both come here.
 */

enum kmend_kube_kind {
	KMEND_KUBE_SCALAR,
	KMEND_KUBE_SEQUENCE,
	KMEND_KUBE_MAPPING,
	KMEND_KUBE_ALIAS, /* *name: target is the anchored node */
};

enum kmend_kube_style {
	KMEND_KUBE_PLAIN,
	KMEND_KUBE_SINGLE_QUOTED,
	KMEND_KUBE_DOUBLE_QUOTED,
	KMEND_KUBE_LITERAL, /* | */
	KMEND_KUBE_FOLDED,  /* > */
	KMEND_KUBE_BLOCK,   /* a collection in block style (indentation, "- ") */
	KMEND_KUBE_FLOW,    /* a collection in flow style ([...], {...}), JSON's only style */
};

/*
 * Positions are byte offsets into the text given to kmend_kube_parse. A
 * collection's children are in document order; a mapping's are key, value,
 * key, value... Everything is owned by the stream.
 */
struct kmend_kube_node {
	enum kmend_kube_kind kind;
	enum kmend_kube_style style;
	size_t start;          /* the node's first byte, its anchor or tag included */
	size_t content;        /* the first byte after anchor and tag: a scalar's first byte
	                          (its quote), '[' or '{', a block collection's first '-' or key */
	size_t end;            /* one past the last byte: a block collection ends with its
	                          last entry (never with the comments or blank lines after it);
	                          a block scalar (| >) ends after its last line break */
	unsigned line, column; /* 1-based, of content; column in characters, as libyaml counts */
	const char *anchor;    /* &anchor's name, or NULL */
	bool tagged;           /* written with a !tag */
	const char *value;     /* scalars: the value, NUL-terminated (len bytes, may hold NULs) */
	size_t len;
	struct kmend_kube_node **children;    /* sequences: items; mappings: key, value, ... */
	size_t count;                         /* entries in children */
	const struct kmend_kube_node *target; /* aliases: the anchored node */
	struct kmend_kube_node *parent;       /* NULL for a document's root */
	unsigned depth;                       /* 0 for a document's root */
	unsigned merge_depth; /* mappings: how deep "<<" merges chain below it (0: none) */
	size_t expanded;      /* how many nodes it stands for when aliases are expanded */
	size_t uses;          /* how many places reach this node, counting every alias to it or to
	                         a node above it; 1 in a document without aliases */
};

struct kmend_kube_document {
	struct kmend_kube_node *root; /* an empty document has an empty plain scalar */
	size_t start, end;            /* the document's bytes, "---" and "..." included */
	long line;                    /* 1-based line where it starts */
};

struct kmend_kube_stream {
	const char *text; /* the caller's bytes: not copied, must outlive the stream */
	size_t len;
	char *name; /* the file, for errors */
	struct kmend_kube_document *docs;
	size_t count;
	bool json; /* the first document is JSON (a flow mapping, keys double-quoted): edits
	              stay JSON */
	const char *newline; /* "\r\n" when the text's first line ends so, else "\n" */
	size_t bom;          /* 3 when the text starts with a UTF-8 byte order mark */
	struct kmend_kube_arena *arena;
};

/*
 * Parse every document of text (YAML 1.1 as libyaml reads it; JSON is a
 * subset). Errors name the file, line and column: -KMEND_E_BAD_INPUT (not
 * YAML, invalid UTF-8, an undefined alias, a duplicate mapping key),
 * -KMEND_E_TOO_LARGE (nesting deeper than KMEND_YAML_MAX_DEPTH, more than
 * KMEND_KUBE_MAX_NODES nodes, a scalar over KMEND_KUBE_SCALAR_MAX bytes,
 * aliases that expand past KMEND_KUBE_ALIAS_EXPANSION_MAX nodes), -ENOMEM.
 * On success *out is a new stream (free with kmend_kube_stream_free).
 */
int kmend_kube_parse(const char *text, size_t len, const char *name, struct kmend_kube_stream **out,
                     struct kmend_error *err);

void kmend_kube_stream_free(struct kmend_kube_stream *s);

/* The node an alias stands for (n itself when not an alias); NULL-safe. */
const struct kmend_kube_node *kmend_kube_resolve(const struct kmend_kube_node *n);

/*
 * The value of key in mapping map (aliases resolved), or NULL when map is
 * not a mapping or lacks the key. Keys written in map win over keys it
 * merges in with "<<"; *key_node (when not NULL) is set to the key's node
 * and *merged to whether the pair came from a merged mapping.
 */
const struct kmend_kube_node *kmend_kube_get(const struct kmend_kube_node *map, const char *key,
                                             const struct kmend_kube_node **key_node, bool *merged);

/* A scalar value of map's key, or NULL when absent or not a scalar. */
const char *kmend_kube_get_str(const struct kmend_kube_node *map, const char *key);

/* True for an empty plain scalar, "null", "Null", "NULL" or "~": YAML's null. */
bool kmend_kube_is_null(const struct kmend_kube_node *n);

/*
 * The node as data, aliases expanded: every scalar as a JSON string of its
 * value (a null is ""), mappings as objects (keys that are not scalars are
 * skipped), "<<" kept as a key. For comparing documents as data. NULL on
 * ENOMEM.
 */
json_t *kmend_kube_to_json(const struct kmend_kube_node *n);

#endif
