/* The manifest reader: libyaml's events built into a node tree that keeps byte positions. */
#include "kube_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "kmend_limits.h"

/* Nodes, children arrays and strings live in blocks freed together with the stream. */
struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) char data[];
};

struct kmend_kube_arena {
	struct arena_block *head;
};

enum { ARENA_BLOCK = 64 * 1024 - sizeof(struct arena_block) };

static void *arena_alloc(struct kmend_kube_arena *a, size_t size)
{
	struct arena_block *b = a->head;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (size > ARENA_BLOCK / 4) {
		/* A big one (a long scalar) gets its own block, behind the current one. */
		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->used = b->size = size;
		b->next = a->head ? a->head->next : NULL;
		if (a->head)
			a->head->next = b;
		else
			a->head = b;
		return b->data;
	}
	if (!b || b->size - b->used < size) {
		if (!(b = malloc(sizeof(*b) + ARENA_BLOCK)))
			return NULL;
		b->used = 0;
		b->size = ARENA_BLOCK;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += size;
	return p;
}

static void arena_free(struct kmend_kube_arena *a)
{
	struct arena_block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

static char *arena_strndup(struct kmend_kube_arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * libyaml counts positions in characters (and not the byte order mark);
 * splicing needs bytes. Marks arrive nearly in order, so a cursor that walks
 * forward or back from the last answer costs little; all-ASCII text needs
 * no walk at all.
 */
struct posmap {
	const unsigned char *text;
	size_t len, bom;
	bool ascii;
	size_t chars, bytes; /* the cursor: character index and its byte offset */
};

static size_t utf8_width(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static size_t byte_of(struct posmap *m, size_t index)
{
	if (m->ascii)
		return m->bom + index < m->len ? m->bom + index : m->len;
	while (m->chars < index && m->bytes < m->len) {
		m->bytes += utf8_width(m->text[m->bytes]);
		m->chars++;
	}
	while (m->chars > index && m->bytes > m->bom) {
		do
			m->bytes--;
		while (m->bytes > m->bom && (m->text[m->bytes] & 0xc0) == 0x80);
		m->chars--;
	}
	return m->bytes < m->len ? m->bytes : m->len;
}

/* Anchors of the current document, by name: the latest definition wins. */
struct anchor_table {
	struct {
		const char *name;
		struct kmend_kube_node *node;
	} * slots;
	size_t cap, used;
};

static size_t anchor_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int anchor_put(struct anchor_table *t, const char *name, struct kmend_kube_node *node)
{
	size_t i;

	if (t->used * 2 >= t->cap) {
		struct anchor_table bigger = {.cap = t->cap ? t->cap * 2 : 64};
		if (!(bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots))))
			return -ENOMEM;
		for (size_t k = 0; k < t->cap; k++)
			if (t->slots[k].name)
				anchor_put(&bigger, t->slots[k].name, t->slots[k].node);
		free(t->slots);
		*t = bigger;
	}
	for (i = anchor_hash(name) & (t->cap - 1); t->slots[i].name; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i].name, name) == 0)
			break;
	if (!t->slots[i].name)
		t->used++;
	t->slots[i].name = name;
	t->slots[i].node = node;
	return 0;
}

static struct kmend_kube_node *anchor_get(const struct anchor_table *t, const char *name)
{
	if (!t->cap)
		return NULL;
	for (size_t i = anchor_hash(name) & (t->cap - 1); t->slots[i].name;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i].name, name) == 0)
			return t->slots[i].node;
	return NULL;
}

static void anchor_reset(struct anchor_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

struct open_collection {
	struct kmend_kube_node *node;
	size_t first; /* where its children start in builder.pending */
};

struct builder {
	struct kmend_kube_stream *s;
	struct posmap pos;
	struct open_collection stack[KMEND_YAML_MAX_DEPTH];
	size_t depth;
	struct kmend_kube_node **pending; /* children of the open collections, in order */
	size_t npending, pending_cap;
	size_t nodes, expansion, doc_aliases, docs_cap;
	struct anchor_table anchors;
	struct kmend_kube_document *doc;
	struct kmend_error *err;
};

static int fail(struct builder *b, int code, unsigned line, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct builder *b, int code, unsigned line, unsigned column, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kmend_error_set(b->err, code, b->s->name, column, "%s", msg);
	kmend_error_at_line(b->err, line);
	return code;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip blanks, line breaks and comments from pos; the position of the next token. */
static size_t skip_space(const char *t, size_t len, size_t pos)
{
	while (pos < len) {
		if (is_blank(t[pos]))
			pos++;
		else if (t[pos] == '#')
			while (pos < len && t[pos] != '\n' && t[pos] != '\r')
				pos++;
		else
			break;
	}
	return pos;
}

/* Skip a node's anchor and tag (and the space around them) to where its content starts. */
static size_t skip_properties(const char *t, size_t len, size_t pos)
{
	for (;;) {
		pos = skip_space(t, len, pos);
		if (pos < len && (t[pos] == '&' || t[pos] == '!')) {
			while (pos < len && !is_blank(t[pos]))
				pos++;
			continue;
		}
		return pos;
	}
}

static size_t node_line(const yaml_mark_t *m)
{
	return m->line + 1;
}

static struct kmend_kube_node *new_node(struct builder *b, enum kmend_kube_kind kind,
                                        const yaml_event_t *ev, const yaml_char_t *anchor,
                                        bool tagged, int *r)
{
	struct kmend_kube_node *n;

	if (++b->nodes > KMEND_KUBE_MAX_NODES) {
		*r = fail(b, -KMEND_E_TOO_LARGE, (unsigned)node_line(&ev->start_mark),
		          (unsigned)ev->start_mark.column + 1,
		          "more than %d YAML nodes in one file", KMEND_KUBE_MAX_NODES);
		return NULL;
	}
	if (!(n = arena_alloc(b->s->arena, sizeof(*n)))) {
		*r = -ENOMEM;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->start = n->content = byte_of(&b->pos, ev->start_mark.index);
	n->line = (unsigned)node_line(&ev->start_mark);
	n->column = (unsigned)ev->start_mark.column + 1;
	n->tagged = tagged;
	n->uses = 1;
	n->expanded = 1;
	if (anchor && !(n->anchor = arena_strndup(b->s->arena, (const char *)anchor,
	                                          strlen((const char *)anchor)))) {
		*r = -ENOMEM;
		return NULL;
	}
	if (anchor || tagged)
		n->content = skip_properties(b->s->text, b->s->len, n->start);
	return n;
}

/* Hang n under the open collection, or make it the document's root. */
static int attach(struct builder *b, struct kmend_kube_node *n)
{
	if (b->depth == 0) {
		if (!b->doc || b->doc->root)
			return -KMEND_E_BAD_INPUT; /* libyaml gives one root per document */
		b->doc->root = n;
		return 0;
	}
	n->parent = b->stack[b->depth - 1].node;
	n->depth = (unsigned)b->depth;
	if (b->npending == b->pending_cap) {
		size_t cap = b->pending_cap ? b->pending_cap * 2 : 256;
		struct kmend_kube_node **p = realloc(b->pending, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->pending = p;
		b->pending_cap = cap;
	}
	b->pending[b->npending++] = n;
	return 0;
}

/*
 * An empty value ("key:" with nothing after it, "- " alone) gets a mark
 * from libyaml wherever the next token is, possibly lines further on, past
 * comments: place it right after its ':' or '-', where it really is.
 */
static void place_empty(struct builder *b, struct kmend_kube_node *n)
{
	const struct open_collection *o;
	const char *t = b->s->text;
	size_t len = b->s->len, floor, pos;

	if (b->depth == 0)
		return;
	o = &b->stack[b->depth - 1];
	/* Never before what precedes it: the previous entry, or the collection's start. */
	floor = b->npending > o->first ? b->pending[b->npending - 1]->end : o->node->content;
	pos = floor;
	if (o->node->kind == KMEND_KUBE_MAPPING) {
		if ((b->npending - o->first) % 2 == 0)
			return; /* an empty key */
		while (pos < len && (t[pos] == ' ' || t[pos] == '\t'))
			pos++;
		pos = pos < len && t[pos] == ':' ? pos + 1 : floor;
	} else if (o->node->style == KMEND_KUBE_BLOCK) {
		pos = skip_space(t, len, pos);
		pos = pos < len && t[pos] == '-' ? pos + 1 : floor;
	} else if (n->start >= floor) {
		return;
	}
	n->start = n->content = n->end = pos;
}

static int scalar_event(struct builder *b, const yaml_event_t *ev)
{
	struct kmend_kube_node *n;
	size_t len = ev->data.scalar.length;
	int r = 0;

	if (len > KMEND_KUBE_SCALAR_MAX)
		return fail(b, -KMEND_E_TOO_LARGE, (unsigned)node_line(&ev->start_mark),
		            (unsigned)ev->start_mark.column + 1,
		            "a scalar of %zu bytes, over the limit of %d", len,
		            KMEND_KUBE_SCALAR_MAX);
	if (!(n = new_node(b, KMEND_KUBE_SCALAR, ev, ev->data.scalar.anchor,
	                   ev->data.scalar.tag && !ev->data.scalar.plain_implicit &&
	                       !ev->data.scalar.quoted_implicit,
	                   &r)))
		return r;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = KMEND_KUBE_SINGLE_QUOTED; break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = KMEND_KUBE_DOUBLE_QUOTED; break;
	case YAML_LITERAL_SCALAR_STYLE: n->style = KMEND_KUBE_LITERAL; break;
	case YAML_FOLDED_SCALAR_STYLE: n->style = KMEND_KUBE_FOLDED; break;
	default: n->style = KMEND_KUBE_PLAIN; break;
	}
	n->end = byte_of(&b->pos, ev->end_mark.index);
	if (n->content > n->end)
		n->content = n->end; /* "!tag" with nothing after it */
	if (!(n->value = arena_strndup(b->s->arena, (const char *)ev->data.scalar.value, len)))
		return -ENOMEM;
	n->len = len;
	if (len == 0 && n->style == KMEND_KUBE_PLAIN && !n->anchor && !n->tagged)
		place_empty(b, n);
	if ((r = attach(b, n)) < 0)
		return r;
	if (n->anchor && (r = anchor_put(&b->anchors, n->anchor, n)) < 0)
		return r;
	return 0;
}

static int alias_event(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct kmend_kube_node *target = anchor_get(&b->anchors, name), *n;
	char quoted[80];
	int r = 0;

	if (!target) {
		kmend_error_quote(quoted, sizeof(quoted), name, strlen(name));
		return fail(b, -KMEND_E_BAD_INPUT, (unsigned)node_line(&ev->start_mark),
		            (unsigned)ev->start_mark.column + 1,
		            "alias *%s names no anchor defined before it in this document", quoted);
	}
	if (!(n = new_node(b, KMEND_KUBE_ALIAS, ev, NULL, false, &r)))
		return r;
	n->end = byte_of(&b->pos, ev->end_mark.index);
	n->target = target;
	n->expanded = target->expanded;
	b->doc_aliases++;
	b->expansion += target->expanded;
	if (b->expansion > KMEND_KUBE_ALIAS_EXPANSION_MAX) {
		fail(b, -KMEND_E_TOO_LARGE, n->line, n->column,
		     "aliases expand to more than %d nodes", KMEND_KUBE_ALIAS_EXPANSION_MAX);
		kmend_error_hint(b->err, "a few aliases that stand for millions of nodes are how "
		                         "'billion laughs' documents exhaust memory");
		return -KMEND_E_TOO_LARGE;
	}
	return attach(b, n);
}

static int start_collection(struct builder *b, const yaml_event_t *ev)
{
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	const yaml_char_t *anchor =
	    seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
	bool tagged = seq ? ev->data.sequence_start.tag && !ev->data.sequence_start.implicit
	                  : ev->data.mapping_start.tag && !ev->data.mapping_start.implicit;
	bool flow = seq ? ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
	                : ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	struct kmend_kube_node *n;
	size_t mark;
	int r = 0;

	if (b->depth == KMEND_YAML_MAX_DEPTH)
		return fail(b, -KMEND_E_TOO_LARGE, (unsigned)node_line(&ev->start_mark),
		            (unsigned)ev->start_mark.column + 1, "nesting deeper than %d levels",
		            KMEND_YAML_MAX_DEPTH);
	if (!(n = new_node(b, seq ? KMEND_KUBE_SEQUENCE : KMEND_KUBE_MAPPING, ev, anchor, tagged,
	                   &r)))
		return r;
	n->style = flow ? KMEND_KUBE_FLOW : KMEND_KUBE_BLOCK;
	/*
	 * The event's end mark is where the collection's own token is: after '['
	 * or '{', at a block sequence's first '-' (after it when the sequence is
	 * not indented), at a block mapping's first key.
	 */
	mark = byte_of(&b->pos, ev->end_mark.index);
	if (flow)
		/* A "k: v" pair inside [...] is a mapping without braces. */
		n->content =
		    mark > n->start && (b->s->text[mark - 1] == '[' || b->s->text[mark - 1] == '{')
		        ? mark - 1
		        : mark;
	else if (seq && mark > 0 && b->s->text[mark - 1] == '-' &&
	         (mark >= b->s->len || b->s->text[mark] != '-'))
		n->content = mark - 1;
	else
		n->content = mark;
	if ((r = attach(b, n)) < 0)
		return r;
	b->stack[b->depth].node = n;
	b->stack[b->depth].first = b->npending;
	b->depth++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct kmend_kube_node *x = *(const struct kmend_kube_node *const *)a;
	const struct kmend_kube_node *y = *(const struct kmend_kube_node *const *)b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->value, y->value, x->len);
}

/* Two equal scalar keys in one mapping: which one a tool reads is anyone's guess. */
static int check_duplicate_keys(struct builder *b, const struct kmend_kube_node *m)
{
	size_t n = 0, keys = m->count / 2;
	const struct kmend_kube_node **k, *dup = NULL, *first = NULL;
	char quoted[80];

	if (keys < 2)
		return 0;
	if (keys <= 16) {
		for (size_t i = 2; i < m->count && !dup; i += 2)
			for (size_t j = 0; j < i && !dup; j += 2)
				if (m->children[i]->kind == KMEND_KUBE_SCALAR &&
				    m->children[j]->kind == KMEND_KUBE_SCALAR &&
				    key_cmp(&m->children[i], &m->children[j]) == 0) {
					dup = m->children[i];
					first = m->children[j];
				}
		goto report;
	}
	if (!(k = malloc(keys * sizeof(*k))))
		return -ENOMEM;
	for (size_t i = 0; i < m->count; i += 2)
		if (m->children[i]->kind == KMEND_KUBE_SCALAR)
			k[n++] = m->children[i];
	qsort(k, n, sizeof(*k), key_cmp);
	for (size_t i = 1; i < n && !dup; i++)
		if (key_cmp(&k[i - 1], &k[i]) == 0) {
			first = k[i - 1]->start < k[i]->start ? k[i - 1] : k[i];
			dup = first == k[i] ? k[i - 1] : k[i];
		}
	free(k);
report:
	if (!dup)
		return 0;
	kmend_error_quote(quoted, sizeof(quoted), dup->value, dup->len);
	return fail(b, -KMEND_E_BAD_INPUT, dup->line, dup->column,
	            "duplicate key '%s' (first at line %u)", quoted, first->line);
}

/* How deep "<<" merges chain under mapping m: bounded so that lookups stay shallow. */
static int merge_depth(struct builder *b, struct kmend_kube_node *m)
{
	for (size_t i = 0; i + 1 < m->count; i += 2) {
		const struct kmend_kube_node *k = m->children[i];
		const struct kmend_kube_node *v = kmend_kube_resolve(m->children[i + 1]);
		size_t from = 0, to = 1;

		if (k->kind != KMEND_KUBE_SCALAR || strcmp(k->value, "<<") != 0)
			continue;
		if (v->kind == KMEND_KUBE_SEQUENCE)
			to = v->count;
		for (size_t j = from; j < to; j++) {
			const struct kmend_kube_node *src =
			    v->kind == KMEND_KUBE_SEQUENCE ? kmend_kube_resolve(v->children[j]) : v;
			if (src->kind == KMEND_KUBE_MAPPING &&
			    src->merge_depth + 1 > m->merge_depth)
				m->merge_depth = src->merge_depth + 1;
		}
	}
	if (m->merge_depth > KMEND_YAML_MAX_DEPTH)
		return fail(b, -KMEND_E_TOO_LARGE, m->line, m->column,
		            "'<<' merges chained deeper than %d levels", KMEND_YAML_MAX_DEPTH);
	return 0;
}

static int end_collection(struct builder *b, const yaml_event_t *ev)
{
	struct open_collection *o = &b->stack[b->depth - 1];
	struct kmend_kube_node *n = o->node;
	size_t count = b->npending - o->first;
	int r;

	if (count && !(n->children = arena_alloc(b->s->arena, count * sizeof(*n->children))))
		return -ENOMEM;
	if (count)
		memcpy(n->children, b->pending + o->first, count * sizeof(*n->children));
	n->count = count;
	b->npending = o->first;
	b->depth--;
	if (n->style == KMEND_KUBE_FLOW)
		n->end = byte_of(&b->pos, ev->end_mark.index);
	else
		n->end = count ? n->children[count - 1]->end : n->content;
	for (size_t i = 0; i < count; i++) {
		size_t e = n->children[i]->expanded;
		n->expanded = n->expanded + e < n->expanded ? SIZE_MAX : n->expanded + e;
	}
	if (n->kind == KMEND_KUBE_MAPPING) {
		if ((r = check_duplicate_keys(b, n)) < 0 || (r = merge_depth(b, n)) < 0)
			return r;
	}
	if (n->anchor)
		return anchor_put(&b->anchors, n->anchor, n);
	return 0;
}

/* Count, for every node, the places that reach it once aliases are expanded. */
static int count_uses(struct kmend_kube_node *root)
{
	const struct kmend_kube_node **stack;
	size_t n = 0, cap = 256;

	/* Every node reachable without aliases starts at zero. */
	if (!(stack = malloc(cap * sizeof(*stack))))
		return -ENOMEM;
	stack[n++] = root;
	while (n > 0) {
		struct kmend_kube_node *x = (struct kmend_kube_node *)stack[--n];
		x->uses = 0;
		for (size_t i = 0; i < x->count; i++) {
			if (n == cap) {
				const struct kmend_kube_node **p =
				    realloc(stack, 2 * cap * sizeof(*p));
				if (!p) {
					free(stack);
					return -ENOMEM;
				}
				stack = p;
				cap *= 2;
			}
			stack[n++] = x->children[i];
		}
	}
	/* Then walk with aliases expanded: bounded by KMEND_KUBE_ALIAS_EXPANSION_MAX. */
	stack[n++] = root;
	while (n > 0) {
		struct kmend_kube_node *x = (struct kmend_kube_node *)stack[--n];
		size_t more = x->kind == KMEND_KUBE_ALIAS ? 1 : x->count;
		x->uses++;
		if (n + more > cap) {
			size_t c = cap;
			while (n + more > c)
				c *= 2;
			const struct kmend_kube_node **p = realloc(stack, c * sizeof(*p));
			if (!p) {
				free(stack);
				return -ENOMEM;
			}
			stack = p;
			cap = c;
		}
		if (x->kind == KMEND_KUBE_ALIAS)
			stack[n++] = x->target;
		else
			for (size_t i = 0; i < x->count; i++)
				stack[n++] = x->children[i];
	}
	free(stack);
	return 0;
}

static int document_start(struct builder *b, const yaml_event_t *ev)
{
	struct kmend_kube_stream *s = b->s;

	if (s->count == b->docs_cap) {
		size_t cap = b->docs_cap ? b->docs_cap * 2 : 8;
		struct kmend_kube_document *d = realloc(s->docs, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		s->docs = d;
		b->docs_cap = cap;
	}
	b->doc = &s->docs[s->count++];
	memset(b->doc, 0, sizeof(*b->doc));
	b->doc->start = byte_of(&b->pos, ev->start_mark.index);
	b->doc->line = (long)node_line(&ev->start_mark);
	b->doc_aliases = 0;
	anchor_reset(&b->anchors);
	return 0;
}

static int document_end(struct builder *b, const yaml_event_t *ev)
{
	b->doc->end = byte_of(&b->pos, ev->end_mark.index);
	if (b->doc_aliases && b->doc->root)
		return count_uses(b->doc->root);
	return 0;
}

static int handle(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT: return document_start(b, ev);
	case YAML_DOCUMENT_END_EVENT: return document_end(b, ev);
	case YAML_SCALAR_EVENT: return scalar_event(b, ev);
	case YAML_ALIAS_EVENT: return alias_event(b, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: return start_collection(b, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: return end_collection(b, ev);
	default: return 0;
	}
}

/* libyaml's own complaint, at its position (reader errors give a byte offset instead). */
static int syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const char *t = b->s->text;
	unsigned line = 1, column = 1;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		for (size_t i = 0; i < p->problem_offset && i < b->s->len; i++) {
			column++;
			if (t[i] == '\n') {
				line++;
				column = 1;
			}
		}
		fail(b, -KMEND_E_BAD_INPUT, line, column, "not valid UTF-8: %s (byte 0x%02x)",
		     p->problem ? p->problem : "unreadable input",
		     (unsigned)p->problem_value & 0xff);
		kmend_error_hint(b->err, "Kubernetes manifests are YAML or JSON in UTF-8");
		return -KMEND_E_BAD_INPUT;
	}
	fail(b, -KMEND_E_BAD_INPUT, (unsigned)p->problem_mark.line + 1,
	     (unsigned)p->problem_mark.column + 1, "not valid YAML: %s%s%s",
	     p->problem ? p->problem : "parse error", p->context ? ", " : "",
	     p->context ? p->context : "");
	return -KMEND_E_BAD_INPUT;
}

static void detect_layout(struct kmend_kube_stream *s)
{
	const char *nl = memchr(s->text, '\n', s->len);

	s->bom = s->len >= 3 && memcmp(s->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	s->newline = nl && nl > s->text && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* JSON: the first document is a flow mapping whose keys are double-quoted. */
static bool looks_like_json(const struct kmend_kube_stream *s)
{
	const struct kmend_kube_node *root = s->count ? s->docs[0].root : NULL;

	return root && root->kind == KMEND_KUBE_MAPPING && root->style == KMEND_KUBE_FLOW &&
	       (root->count == 0 || root->children[0]->style == KMEND_KUBE_DOUBLE_QUOTED);
}

int kmend_kube_parse(const char *text, size_t len, const char *name, struct kmend_kube_stream **out,
                     struct kmend_error *err)
{
	struct builder b = {.err = err};
	struct kmend_kube_stream *s;
	yaml_parser_t parser;
	yaml_event_t ev;
	int r = 0, done = 0;

	kmend_error_clear(err);
	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->name = strdup(name ? name : "")) ||
	    !(s->arena = calloc(1, sizeof(*s->arena)))) {
		kmend_kube_stream_free(s);
		return -ENOMEM;
	}
	s->text = text;
	s->len = len;
	detect_layout(s);
	b.s = s;
	b.pos = (struct posmap){.text = (const unsigned char *)text,
	                        .len = len,
	                        .bom = s->bom,
	                        .ascii = true,
	                        .bytes = s->bom};
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80) {
			b.pos.ascii = false;
			break;
		}
	if (!yaml_parser_initialize(&parser)) {
		kmend_kube_stream_free(s);
		return -ENOMEM;
	}
	/* UTF-8 only (marks must be bytes we can map); the BOM is skipped here, as libyaml
	   would only skip it when left to guess the encoding. */
	yaml_parser_set_input_string(&parser, (const unsigned char *)text + s->bom, len - s->bom);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && r == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			r = syntax_error(&b, &parser);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = handle(&b, &ev);
		if (r < 0 && err && !err->message[0])
			fail(&b, r, (unsigned)node_line(&ev.start_mark),
			     (unsigned)ev.start_mark.column + 1, "%s", kmend_strerror(r));
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(b.pending);
	anchor_reset(&b.anchors);
	if (r < 0) {
		kmend_kube_stream_free(s);
		return r;
	}
	s->json = looks_like_json(s);
	*out = s;
	return 0;
}

void kmend_kube_stream_free(struct kmend_kube_stream *s)
{
	if (!s)
		return;
	arena_free(s->arena);
	free(s->docs);
	free(s->name);
	free(s);
}

const struct kmend_kube_node *kmend_kube_resolve(const struct kmend_kube_node *n)
{
	return n && n->kind == KMEND_KUBE_ALIAS ? n->target : n;
}

static const struct kmend_kube_node *get(const struct kmend_kube_node *map, const char *key,
                                         size_t klen, const struct kmend_kube_node **key_node,
                                         bool *merged, unsigned depth)
{
	const struct kmend_kube_node *found = NULL;

	map = kmend_kube_resolve(map);
	if (!map || map->kind != KMEND_KUBE_MAPPING || depth > KMEND_YAML_MAX_DEPTH)
		return NULL;
	for (size_t i = 0; i + 1 < map->count; i += 2) {
		const struct kmend_kube_node *k = map->children[i];
		if (k->kind == KMEND_KUBE_SCALAR && k->len == klen &&
		    memcmp(k->value, key, klen) == 0) {
			if (key_node)
				*key_node = k;
			if (merged)
				*merged = depth > 0;
			return kmend_kube_resolve(map->children[i + 1]);
		}
	}
	/* Not written here: the mappings merged in with "<<", the first that has it. */
	for (size_t i = 0; i + 1 < map->count && !found; i += 2) {
		const struct kmend_kube_node *k = map->children[i];
		const struct kmend_kube_node *v = kmend_kube_resolve(map->children[i + 1]);
		if (k->kind != KMEND_KUBE_SCALAR || strcmp(k->value, "<<") != 0)
			continue;
		if (v->kind == KMEND_KUBE_MAPPING)
			found = get(v, key, klen, key_node, merged, depth + 1);
		else if (v->kind == KMEND_KUBE_SEQUENCE)
			for (size_t j = 0; j < v->count && !found; j++)
				found = get(v->children[j], key, klen, key_node, merged, depth + 1);
	}
	return found;
}

const struct kmend_kube_node *kmend_kube_get(const struct kmend_kube_node *map, const char *key,
                                             const struct kmend_kube_node **key_node, bool *merged)
{
	return get(map, key, strlen(key), key_node, merged, 0);
}

const char *kmend_kube_get_str(const struct kmend_kube_node *map, const char *key)
{
	const struct kmend_kube_node *v = kmend_kube_get(map, key, NULL, NULL);

	return v && v->kind == KMEND_KUBE_SCALAR ? v->value : NULL;
}

bool kmend_kube_is_null(const struct kmend_kube_node *n)
{
	n = kmend_kube_resolve(n);
	if (!n || n->kind != KMEND_KUBE_SCALAR || n->style != KMEND_KUBE_PLAIN || n->tagged)
		return false;
	return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

static json_t *to_json(const struct kmend_kube_node *n, unsigned depth)
{
	json_t *j;

	n = kmend_kube_resolve(n);
	/* Aliases can chain past the nesting limit; the expansion budget bounds the size. */
	if (depth > 4 * KMEND_YAML_MAX_DEPTH)
		return NULL;
	switch (n->kind) {
	case KMEND_KUBE_SCALAR: return json_stringn_nocheck(n->value, n->len);
	case KMEND_KUBE_SEQUENCE:
		if (!(j = json_array()))
			return NULL;
		for (size_t i = 0; i < n->count; i++)
			if (json_array_append_new(j, to_json(n->children[i], depth + 1)) < 0) {
				json_decref(j);
				return NULL;
			}
		return j;
	case KMEND_KUBE_MAPPING:
		if (!(j = json_object()))
			return NULL;
		for (size_t i = 0; i + 1 < n->count; i += 2) {
			const struct kmend_kube_node *k = kmend_kube_resolve(n->children[i]);
			if (k->kind != KMEND_KUBE_SCALAR)
				continue;
			if (json_object_setn_new_nocheck(
			        j, k->value, k->len, to_json(n->children[i + 1], depth + 1)) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default: return NULL;
	}
}

json_t *kmend_kube_to_json(const struct kmend_kube_node *n)
{
	return n ? to_json(n, 0) : NULL;
}
