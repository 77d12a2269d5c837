/* kmend fix's text surgery: parts spliced into a manifest in its own style, recorded for revert. */
#include "kube_edit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array.h"
#include "buf.h"
#include "digest.h"
#include "kmend_limits.h"

/* ---- What kmend inserts, as a small tree of values ---------------------------------- */

enum val_kind { V_STR, V_INT, V_MAP, V_SEQ };

struct val {
	enum val_kind kind;
	const char *s;     /* V_STR: the string; V_INT: its decimal digits */
	const char **keys; /* V_MAP */
	struct val *items; /* V_MAP: the values; V_SEQ: the items */
	size_t n;
};

/* Every allocation of one apply, freed together. */
struct pool {
	void **ptrs;
	size_t n, cap;
};

static void *pool_alloc(struct pool *p, size_t size)
{
	void *x;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		void **q = realloc(p->ptrs, cap * sizeof(*q));
		if (!q)
			return NULL;
		p->ptrs = q;
		p->cap = cap;
	}
	if (!(x = calloc(1, size ? size : 1)))
		return NULL;
	p->ptrs[p->n++] = x;
	return x;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->ptrs[i]);
	free(p->ptrs);
}

static struct val vstr(const char *s)
{
	return (struct val){.kind = V_STR, .s = s};
}

/* A mapping or sequence of n entries to fill in; NULL when out of memory. */
static struct val *vnew(struct pool *p, struct val *v, enum val_kind kind, size_t n)
{
	*v = (struct val){.kind = kind, .n = n};
	if (!(v->items = pool_alloc(p, n * sizeof(*v->items))))
		return NULL;
	if (kind == V_MAP && !(v->keys = pool_alloc(p, n * sizeof(*v->keys))))
		return NULL;
	return v;
}

static int vargv(struct pool *p, struct val *v, const char *const *argv, size_t n)
{
	if (!vnew(p, v, V_SEQ, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v->items[i] = vstr(argv[i]);
	return 0;
}

/* ---- The style of the text around an insertion --------------------------------------- */

struct layout {
	const char *nl;
	bool json;          /* keys are quoted too */
	size_t step;        /* a block mapping's keys are this much deeper than its key */
	size_t seq_indent;  /* a block sequence's '-' is this much deeper than its key (0: not) */
	size_t item_indent; /* from '-' to the item's content ("- " is 2) */
	size_t flow_step;   /* a multi-line flow collection's entries are this much deeper */
	bool tight;         /* flow entries are written "a":1,"b":2, without spaces */
};

enum { LAYOUT_MAX = 16 };

struct histogram {
	size_t step[LAYOUT_MAX + 1], seq[LAYOUT_MAX + 1], item[LAYOUT_MAX + 1],
	    flow[LAYOUT_MAX + 1];
	size_t tight, spaced;
};

static size_t line_start(const struct kmend_kube_stream *s, size_t pos)
{
	while (pos > s->bom && s->text[pos - 1] != '\n')
		pos--;
	return pos;
}

/* The byte column of pos (0-based). */
static size_t column_of(const struct kmend_kube_stream *s, size_t pos)
{
	return pos - line_start(s, pos);
}

/* The indentation (spaces) of the line holding pos. */
static size_t line_indent(const struct kmend_kube_stream *s, size_t pos)
{
	size_t i = line_start(s, pos), from = i;

	while (i < s->len && s->text[i] == ' ')
		i++;
	return i - from;
}

static bool newline_between(const struct kmend_kube_stream *s, size_t a, size_t b)
{
	return b > a && memchr(s->text + a, '\n', b - a) != NULL;
}

static void count(size_t *h, size_t a, size_t b)
{
	if (b >= a && b - a <= LAYOUT_MAX)
		h[b - a]++;
}

static void observe(const struct kmend_kube_stream *s, const struct kmend_kube_node *n,
                    struct histogram *h)
{
	if (n->kind == KMEND_KUBE_MAPPING && n->style == KMEND_KUBE_BLOCK)
		for (size_t i = 0; i + 1 < n->count; i += 2) {
			const struct kmend_kube_node *k = n->children[i], *v = n->children[i + 1];
			if (v->style != KMEND_KUBE_BLOCK || !newline_between(s, k->end, v->content))
				continue;
			count(v->kind == KMEND_KUBE_MAPPING ? h->step : h->seq,
			      column_of(s, k->content), column_of(s, v->content));
		}
	if (n->kind == KMEND_KUBE_SEQUENCE && n->style == KMEND_KUBE_BLOCK && n->count &&
	    n->children[0]->kind == KMEND_KUBE_MAPPING &&
	    !newline_between(s, n->content, n->children[0]->content))
		count(h->item, column_of(s, n->content), column_of(s, n->children[0]->content));
	if (n->style == KMEND_KUBE_FLOW && n->count &&
	    newline_between(s, n->content, n->children[0]->content))
		count(h->flow, line_indent(s, n->content), column_of(s, n->children[0]->content));
	if (n->kind == KMEND_KUBE_MAPPING && n->style == KMEND_KUBE_FLOW && n->count >= 2) {
		const struct kmend_kube_node *k = n->children[0], *v = n->children[1];
		if (k->end < s->len && s->text[k->end] == ':' && v->content == k->end + 1)
			h->tight++;
		else
			h->spaced++;
	}
	for (size_t i = 0; i < n->count; i++)
		observe(s, n->children[i], h);
}

static size_t most_common(const size_t *h, size_t from, size_t fallback)
{
	size_t best = fallback, seen = 0;

	for (size_t i = from; i <= LAYOUT_MAX; i++)
		if (h[i] > seen) {
			seen = h[i];
			best = i;
		}
	return best;
}

/* The document's habits: what most of its nesting does. */
static void detect_layout(const struct kmend_kube_stream *s, const struct kmend_kube_node *root,
                          struct layout *l)
{
	struct histogram h = {{0}};

	if (root)
		observe(s, root, &h);
	l->nl = s->newline;
	l->json = s->json;
	l->step = most_common(h.step, 1, 2);
	l->seq_indent = most_common(h.seq, 0, l->step);
	l->item_indent = most_common(h.item, 2, 2);
	l->flow_step = most_common(h.flow, 1, 2);
	l->tight = h.tight > h.spaced;
}

/* ---- Writing values ----------------------------------------------------------------- */

struct emitter {
	struct kmend_buf *b;
	struct layout lay;
	const struct val *mark; /* a scalar whose position in the text is wanted */
	size_t mark_start, mark_end;
	int r; /* the first error */
};

static void put(struct emitter *e, const char *s, size_t n)
{
	if (!e->r)
		e->r = kmend_buf_add(e->b, s, n);
}

static void puts_(struct emitter *e, const char *s)
{
	put(e, s, strlen(s));
}

static void spaces(struct emitter *e, size_t n)
{
	if (!e->r)
		e->r = kmend_buf_addc(e->b, ' ', n);
}

static void newline(struct emitter *e, size_t indent)
{
	puts_(e, e->lay.nl);
	spaces(e, indent);
}

/* Decode the UTF-8 sequence at s (valid: checked before); its length in *n. */
static unsigned long codepoint(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*n = 2;
		return ((s[0] & 0x1fUL) << 6) | (s[1] & 0x3f);
	}
	if (s[0] < 0xf0) {
		*n = 3;
		return ((s[0] & 0x0fUL) << 12) | ((s[1] & 0x3fUL) << 6) | (s[2] & 0x3f);
	}
	*n = 4;
	return ((s[0] & 0x07UL) << 18) | ((s[1] & 0x3fUL) << 12) | ((s[2] & 0x3fUL) << 6) |
	       (s[3] & 0x3f);
}

/*
 * A double-quoted scalar that YAML and JSON both read back as s exactly:
 * JSON's escapes, and \u for what YAML would take as a line break (NEL,
 * LS, PS) or may not hold raw (controls, DEL, C1, BOM, U+FFFE/F).
 */
static void put_quoted(struct emitter *e, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char esc[8];

	put(e, "\"", 1);
	while (*s) {
		size_t n;
		unsigned long c = codepoint(s, &n);
		const char *named = c == '"'    ? "\\\""
		                    : c == '\\' ? "\\\\"
		                    : c == '\n' ? "\\n"
		                    : c == '\t' ? "\\t"
		                    : c == '\r' ? "\\r"
		                                : NULL;
		if (named)
			puts_(e, named);
		else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
		         c == 0xfeff || c == 0xfffe || c == 0xffff) {
			snprintf(esc, sizeof(esc), "\\u%04lx", c);
			puts_(e, esc);
		} else
			put(e, (const char *)s, n);
		s += n;
	}
	put(e, "\"", 1);
}

/*
 * A single-quoted scalar, for the annotation's JSON in YAML files: it reads as written
 * (no backslash escapes to decode by eye). Only for printable ASCII (jansson's
 * JSON_ENSURE_ASCII output), where doubling ' is the one escape.
 */
static void put_single_quoted(struct emitter *e, const char *s)
{
	put(e, "'", 1);
	for (const char *q; (q = strchr(s, '\'')); s = q + 1) {
		put(e, s, (size_t)(q - s));
		put(e, "''", 2);
	}
	puts_(e, s);
	put(e, "'", 1);
}

static void put_scalar(struct emitter *e, const struct val *v)
{
	size_t start = e->b->len;

	if (v->kind == V_INT)
		puts_(e, v->s);
	else
		put_quoted(e, v->s);
	if (v == e->mark) {
		e->mark_start = start;
		e->mark_end = e->b->len;
	}
}

static void put_key(struct emitter *e, const char *key)
{
	if (e->lay.json) {
		struct val k = vstr(key);
		put_scalar(e, &k);
	} else
		puts_(e, key);
}

static bool is_scalar(const struct val *v)
{
	return v->kind == V_STR || v->kind == V_INT;
}

/* Flow style: one line, or one entry a line indented like JSON's pretty printers. */
static void put_flow(struct emitter *e, const struct val *v, bool pretty, size_t indent)
{
	bool map = v->kind == V_MAP;

	if (is_scalar(v)) {
		put_scalar(e, v);
		return;
	}
	puts_(e, map ? "{" : "[");
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			puts_(e, ",");
		if (pretty)
			newline(e, indent + e->lay.flow_step);
		else if (i && !e->lay.tight)
			puts_(e, " ");
		if (map) {
			put_key(e, v->keys[i]);
			puts_(e, e->lay.tight ? ":" : ": ");
		}
		put_flow(e, &v->items[i], pretty, indent + e->lay.flow_step);
	}
	if (pretty && v->n)
		newline(e, indent);
	puts_(e, map ? "}" : "]");
}

static void put_block_pairs(struct emitter *e, const struct val *map, size_t col);
static void put_block_items(struct emitter *e, const struct val *seq, size_t col);

/* What follows "key:" in block style, for a key at column col. */
static void put_block_value(struct emitter *e, const struct val *v, size_t col)
{
	if (is_scalar(v) || v->n == 0) {
		puts_(e, " ");
		if (is_scalar(v))
			put_scalar(e, v);
		else
			puts_(e, v->kind == V_MAP ? "{}" : "[]");
	} else if (v->kind == V_MAP) {
		newline(e, col + e->lay.step);
		put_block_pairs(e, v, col + e->lay.step);
	} else {
		newline(e, col + e->lay.seq_indent);
		put_block_items(e, v, col + e->lay.seq_indent);
	}
}

/* The pairs of map, the first at the current position, the others at column col. */
static void put_block_pairs(struct emitter *e, const struct val *map, size_t col)
{
	for (size_t i = 0; i < map->n; i++) {
		if (i)
			newline(e, col);
		put_key(e, map->keys[i]);
		puts_(e, ":");
		put_block_value(e, &map->items[i], col);
	}
}

/* The items of seq, the first '-' at the current position, the others at column col. */
static void put_block_items(struct emitter *e, const struct val *seq, size_t col)
{
	for (size_t i = 0; i < seq->n; i++) {
		const struct val *v = &seq->items[i];
		if (i)
			newline(e, col);
		puts_(e, "-");
		spaces(e, e->lay.item_indent - 1);
		if (is_scalar(v) || v->n == 0)
			put_flow(e, v, false, 0);
		else if (v->kind == V_MAP)
			put_block_pairs(e, v, col + e->lay.item_indent);
		else
			put_block_items(e, v, col + e->lay.item_indent);
	}
}

/* ---- Parts: one splice each --------------------------------------------------------- */

enum part_op { OP_ADD_KEY, OP_ADD_ITEMS, OP_REPLACE };

struct part {
	size_t at, remove; /* text[at, at + remove) becomes the part's text */
	struct kmend_buf text;
	size_t node;    /* where the node revert finds starts, in text */
	bool prepend;   /* goes after end insertions at the same place */
	unsigned depth; /* deeper targets first at the same place */
	size_t order;
	const struct kmend_kube_node *target;
	const char *key; /* OP_ADD_KEY */
	enum part_op op;
	size_t edit;
	json_t *record; /* for the annotation */
	bool duplicate; /* the same as an earlier part (one node reached twice) */
	size_t mark_start, mark_end;
};

struct ctx {
	const struct kmend_kube_stream *s;
	struct kmend_error *err;
	struct layout *layouts;
	bool *have_layout;
	size_t doc;
	struct part *parts;
	size_t nparts, cap, order;
	struct pool pool;
	const struct val *mark;
};

static int refuse(struct ctx *c, int code, const struct kmend_kube_node *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(struct ctx *c, int code, const struct kmend_kube_node *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kmend_error_set(c->err, code, c->s->name, at ? (long)at->column : 0, "%s", msg);
	if (at)
		kmend_error_at_line(c->err, at->line);
	return code;
}

static const struct layout *layout_for(struct ctx *c)
{
	if (!c->have_layout[c->doc]) {
		detect_layout(c->s, c->s->docs[c->doc].root, &c->layouts[c->doc]);
		c->have_layout[c->doc] = true;
	}
	return &c->layouts[c->doc];
}

static void start_part(struct ctx *c, struct part *p, struct emitter *e, enum part_op op,
                       const struct kmend_kube_node *target)
{
	memset(p, 0, sizeof(*p));
	p->text.max = KMEND_MANIFEST_FILE_MAX_SIZE;
	p->op = op;
	p->target = target;
	p->depth = target->depth;
	*e = (struct emitter){.b = &p->text, .lay = *layout_for(c), .mark = c->mark};
}

static int end_part(struct part *p, struct emitter *e)
{
	p->mark_start = e->mark_start;
	p->mark_end = e->mark_end;
	if (e->r)
		kmend_buf_free(&p->text);
	return e->r;
}

/*
 * Where a new line after the line holding end - 1 goes: the start of the
 * next line; at the end of a text whose last line has no line break, the
 * end (*eof: the new text starts with one instead).
 */
static size_t next_line(const struct kmend_kube_stream *s, size_t end, bool *eof)
{
	const char *nl;

	*eof = false;
	if (end > 0 && s->text[end - 1] == '\n')
		return end;
	if ((nl = memchr(s->text + end, '\n', s->len - end)))
		return (size_t)(nl - s->text) + 1;
	*eof = true;
	return s->len;
}

/* A flow collection written one entry a line: the column of its entries. */
static bool flow_pretty(const struct kmend_kube_stream *s, const struct kmend_kube_node *f,
                        size_t *indent)
{
	if (!f->count || !newline_between(s, f->content, f->children[0]->content))
		return false;
	*indent = column_of(s, f->children[0]->content);
	return true;
}

/* The indentation habits of mapping m itself, where it shows them. */
static void local_layout(const struct kmend_kube_stream *s, const struct kmend_kube_node *m,
                         struct layout *l)
{
	bool seq = false, map = false;

	for (size_t i = 0; i + 1 < m->count; i += 2) {
		const struct kmend_kube_node *k = m->children[i], *v = m->children[i + 1];
		size_t kc = column_of(s, k->content), vc;
		if (v->style != KMEND_KUBE_BLOCK || !newline_between(s, k->end, v->content))
			continue;
		vc = column_of(s, v->content);
		if (v->kind == KMEND_KUBE_SEQUENCE && !seq && vc >= kc && vc - kc <= LAYOUT_MAX) {
			l->seq_indent = vc - kc;
			seq = true;
		}
		if (v->kind == KMEND_KUBE_MAPPING && !map && vc > kc && vc - kc <= LAYOUT_MAX) {
			l->step = vc - kc;
			map = true;
		}
	}
}

/* Add "key: v" to mapping m, after its last entry. */
static int make_add_key(struct ctx *c, const struct kmend_kube_node *m, const char *key,
                        const struct val *v, struct part *p)
{
	const struct kmend_kube_stream *s = c->s;
	struct emitter e;
	size_t indent;
	bool eof;

	start_part(c, p, &e, OP_ADD_KEY, m);
	p->key = key;
	if (m->style == KMEND_KUBE_BLOCK) {
		size_t col = column_of(s, m->content);
		local_layout(s, m, &e.lay);
		p->at = next_line(s, m->end, &eof);
		if (eof)
			puts_(&e, e.lay.nl);
		spaces(&e, col);
		p->node = p->text.len;
		put_key(&e, key);
		puts_(&e, ":");
		put_block_value(&e, v, col);
		if (!eof)
			puts_(&e, e.lay.nl);
	} else if (m->count == 0) {
		p->at = m->content + 1;
		put_key(&e, key);
		puts_(&e, e.lay.tight ? ":" : ": ");
		put_flow(&e, v, false, 0);
	} else {
		bool pretty = flow_pretty(s, m, &indent);
		p->at = m->children[m->count - 1]->end;
		puts_(&e, ",");
		if (pretty)
			newline(&e, indent);
		else if (!e.lay.tight)
			puts_(&e, " ");
		p->node = p->text.len;
		put_key(&e, key);
		puts_(&e, e.lay.tight ? ":" : ": ");
		put_flow(&e, v, pretty, pretty ? indent : 0);
	}
	return end_part(p, &e);
}

/* Add items (a sequence) to sequence q: after its last item, or before its first. */
static int make_add_items(struct ctx *c, const struct kmend_kube_node *q, const struct val *items,
                          bool first, struct part *p)
{
	const struct kmend_kube_stream *s = c->s;
	struct emitter e;
	size_t indent;
	bool eof;

	start_part(c, p, &e, OP_ADD_ITEMS, q);
	p->prepend = first;
	if (q->style == KMEND_KUBE_BLOCK) {
		size_t col = column_of(s, q->content);
		const struct kmend_kube_node *f = q->count ? q->children[0] : NULL;
		if (f && f->kind == KMEND_KUBE_MAPPING && f->style == KMEND_KUBE_BLOCK &&
		    !newline_between(s, q->content, f->content) && f->content > q->content &&
		    f->content - q->content <= LAYOUT_MAX)
			e.lay.item_indent = f->content - q->content;
		if (first) {
			/* At the first '-': ours, then the original's '-' on a line of its own. */
			p->at = q->content;
			p->node = e.lay.item_indent;
			put_block_items(&e, items, col);
			newline(&e, col);
		} else {
			p->at = next_line(s, q->end, &eof);
			if (eof)
				puts_(&e, e.lay.nl);
			spaces(&e, col);
			p->node = p->text.len + e.lay.item_indent;
			put_block_items(&e, items, col);
			if (!eof)
				puts_(&e, e.lay.nl);
		}
		return end_part(p, &e);
	}
	bool pretty = flow_pretty(s, q, &indent);
	if (q->count == 0 || first)
		p->at = q->content + 1;
	else
		p->at = q->children[q->count - 1]->end;
	for (size_t i = 0; i < items->n; i++) {
		if (i || (q->count && !first))
			puts_(&e, ",");
		if (pretty)
			newline(&e, indent);
		else if ((i || (q->count && !first)) && !e.lay.tight)
			puts_(&e, " ");
		if (i == 0)
			p->node = p->text.len;
		put_flow(&e, &items->items[i], pretty, pretty ? indent : 0);
	}
	if (q->count && first)
		puts_(&e, pretty || e.lay.tight ? "," : ", ");
	return end_part(p, &e);
}

/* Write nv over value v: a null, a command, a lifecycle. */
static int make_replace(struct ctx *c, const struct kmend_kube_node *v, const struct val *nv,
                        struct part *p)
{
	const struct kmend_kube_stream *s = c->s;
	struct emitter e;
	size_t indent;

	start_part(c, p, &e, OP_REPLACE, v);
	p->at = v->content;
	p->remove = v->end - v->content;
	if (v->kind == KMEND_KUBE_SCALAR && v->len == 0 && p->remove == 0) {
		/* "key:" with nothing: the value goes on the key's line. */
		puts_(&e, " ");
		p->node = 1;
		put_flow(&e, nv, false, 0);
	} else if (v->style == KMEND_KUBE_BLOCK && !is_scalar(nv) && nv->n) {
		size_t col = column_of(s, v->content);
		if (nv->kind == V_SEQ)
			put_block_items(&e, nv, col);
		else
			put_block_pairs(&e, nv, col);
	} else {
		bool pretty = v->style == KMEND_KUBE_FLOW && flow_pretty(s, v, &indent);
		put_flow(&e, nv, pretty, pretty ? line_indent(s, v->content) : 0);
	}
	/* A block scalar took its line break with it: give the next line its own. */
	if (p->remove && s->text[v->end - 1] == '\n')
		puts_(&e, e.lay.nl);
	return end_part(p, &e);
}

static json_t *path_with(json_t *base, json_t *more)
{
	json_t *p = json_copy(base);

	if (!p || !more || json_array_append_new(p, more) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static json_t *path_item(json_t *base, const char *key, const char *name)
{
	json_t *p = path_with(base, json_string(key));

	if (p && json_array_append_new(p, json_pack("{s:s}", "name", name)) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* Keep part p, asked for by edit (its text and record become the context's). */
static int keep_part(struct ctx *c, size_t edit, struct part *p)
{
	if (kmend_array_grow(&c->parts, &c->cap, c->nparts, sizeof(*c->parts)) < 0) {
		kmend_buf_free(&p->text);
		json_decref(p->record);
		return -ENOMEM;
	}
	p->edit = edit;
	p->order = c->order++;
	c->parts[c->nparts++] = *p;
	return 0;
}

/* Keep part p with its record for the annotation; path (stolen) locates it for revert. */
static int push_part(struct ctx *c, size_t edit, struct part *p, json_t *path)
{
	char digest[KMEND_DIGEST_MAX];

	if (!path) {
		kmend_buf_free(&p->text);
		return -ENOMEM;
	}
	kmend_digest_of(p->text.data, p->text.len, digest);
	p->record =
	    json_pack("{s:o, s:s, s:I, s:I, s:s}", "path", path, "op",
	              p->op == OP_REPLACE ? "replace" : "add", "before", (json_int_t)p->node,
	              "length", (json_int_t)p->text.len, "sha256", kmend_digest_hex(digest));
	if (!p->record || (p->op == OP_REPLACE &&
	                   json_object_set_new(p->record, "original",
	                                       json_stringn(c->s->text + p->at, p->remove)) < 0)) {
		json_decref(p->record);
		kmend_buf_free(&p->text);
		return -ENOMEM;
	}
	return keep_part(c, edit, p);
}

/* The name of an item kmend inserts (each has one). */
static const char *item_name(const struct val *item)
{
	for (size_t i = 0; item->kind == V_MAP && i < item->n; i++)
		if (strcmp(item->keys[i], "name") == 0)
			return item->items[i].s;
	return "";
}

/* Add items to the list under key in mapping m, making the key when it has none. */
static int add_to_list(struct ctx *c, size_t edit, const struct kmend_kube_node *m, const char *key,
                       const struct val *items, bool first, json_t *base)
{
	const struct kmend_kube_node *k = NULL, *v;
	struct part p;
	bool merged = false;
	int r;

	m = kmend_kube_resolve(m);
	v = kmend_kube_get(m, key, &k, &merged);
	if (!v || (merged && kmend_kube_is_null(v))) {
		if ((r = make_add_key(c, m, key, items, &p)) < 0)
			return r;
		return push_part(c, edit, &p, path_with(base, json_string(key)));
	}
	if (kmend_kube_is_null(v)) {
		if ((r = make_replace(c, v, items, &p)) < 0)
			return r;
		return push_part(c, edit, &p, path_with(base, json_string(key)));
	}
	if (v->kind != KMEND_KUBE_SEQUENCE)
		return refuse(c, -KMEND_E_BAD_INPUT, v, "'%s' is not a list", key);
	if ((r = make_add_items(c, v, items, first, &p)) < 0)
		return r;
	return push_part(c, edit, &p, path_item(base, key, item_name(&items->items[0])));
}

/* Give the container the new command, where it has one or where it has none. */
static int set_command(struct ctx *c, size_t edit, const struct kmend_kube_container *k,
                       const struct val *cmd, json_t *base)
{
	const struct kmend_kube_node *v;
	struct part p;
	bool merged = false;
	int r;

	v = kmend_kube_get(k->node, "command", NULL, &merged);
	if (!v || merged)
		r = make_add_key(c, k->node, "command", cmd, &p);
	else if (!kmend_kube_is_null(v) && v->kind != KMEND_KUBE_SEQUENCE)
		return refuse(c, -KMEND_E_BAD_INPUT, v,
		              "the command of container '%s' is not a list", k->name);
	else
		r = make_replace(c, v, cmd, &p);
	if (r < 0)
		return r;
	return push_part(c, edit, &p, path_with(base, json_string("command")));
}

/* lifecycle.postStart.exec.command, filling in what the container lacks of that path. */
static int set_post_start(struct ctx *c, size_t edit, const struct kmend_kube_container *k,
                          const struct val *cmd, json_t *base)
{
	struct val exec, hook, lifecycle;
	const struct kmend_kube_node *l, *h;
	bool merged = false, hmerged = false;
	struct part p;
	json_t *path;
	int r;

	if (strcmp(k->list, "containers") != 0)
		return refuse(c, -KMEND_E_BAD_INPUT, k->node,
		              "%s '%s' cannot have a postStart hook: install at its entrypoint",
		              k->role, k->name);
	if (!vnew(&c->pool, &exec, V_MAP, 1) || !vnew(&c->pool, &hook, V_MAP, 1) ||
	    !vnew(&c->pool, &lifecycle, V_MAP, 1))
		return -ENOMEM;
	exec.keys[0] = "command";
	exec.items[0] = *cmd;
	hook.keys[0] = "exec";
	hook.items[0] = exec;
	lifecycle.keys[0] = "postStart";
	lifecycle.items[0] = hook;
	l = kmend_kube_get(k->node, "lifecycle", NULL, &merged);
	path = path_with(base, json_string("lifecycle"));
	if (!l || (merged && kmend_kube_is_null(l)))
		r = make_add_key(c, k->node, "lifecycle", &lifecycle, &p);
	else if (kmend_kube_is_null(l))
		r = make_replace(c, l, &lifecycle, &p);
	else if (l->kind != KMEND_KUBE_MAPPING)
		r = refuse(c, -KMEND_E_BAD_INPUT, l,
		           "the lifecycle of container '%s' is not a mapping", k->name);
	else if ((h = kmend_kube_get(l, "postStart", NULL, &hmerged)) && !kmend_kube_is_null(h))
		r = refuse(c, -KMEND_E_BAD_INPUT, h,
		           "container '%s' already has a postStart hook: install at its entrypoint "
		           "instead",
		           k->name);
	else {
		json_t *deeper = path_with(path, json_string("postStart"));
		json_decref(path);
		path = deeper;
		if (!h || hmerged)
			r = make_add_key(c, l, "postStart", &hook, &p);
		else
			r = make_replace(c, h, &hook, &p);
	}
	if (r < 0) {
		json_decref(path);
		return r;
	}
	return push_part(c, edit, &p, path);
}

/* ---- The annotation that records the parts ------------------------------------------ */

/*
 * The record of the template's parts goes into the annotation's value, and
 * the annotation is itself a part: its own record ("self") covers its text
 * without the value, which is how revert finds and checks it.
 */
static int add_annotation(struct ctx *c, size_t edit, const struct kmend_kube_edit *e,
                          const struct kmend_kube_workload *w, size_t first_part)
{
	struct val annotations, metadata;
	const struct kmend_kube_node *md, *an;
	struct kmend_buf plain = {.max = KMEND_MANIFEST_FILE_MAX_SIZE},
	                 final = {.max = KMEND_MANIFEST_FILE_MAX_SIZE};
	struct emitter q = {.b = &final};
	char digest[KMEND_DIGEST_MAX], *text = NULL;
	json_t *path, *parts = NULL, *self = NULL, *record = NULL;
	bool merged = false;
	struct part p;
	int r;

	if (!vnew(&c->pool, &annotations, V_MAP, 1) || !vnew(&c->pool, &metadata, V_MAP, 1))
		return -ENOMEM;
	annotations.keys[0] = KMEND_KUBE_ANNOTATION;
	annotations.items[0] = vstr(""); /* the value is written once the rest is known */
	metadata.keys[0] = "annotations";
	metadata.items[0] = annotations;
	c->mark = &annotations.items[0];
	md = kmend_kube_get(w->template, "metadata", NULL, &merged);
	if (!md || (merged && kmend_kube_is_null(md))) {
		path = json_pack("[s]", "metadata");
		r = make_add_key(c, w->template, "metadata", &metadata, &p);
	} else if (kmend_kube_is_null(md)) {
		path = json_pack("[s]", "metadata");
		r = make_replace(c, md, &metadata, &p);
	} else if (md->kind != KMEND_KUBE_MAPPING) {
		path = NULL;
		r = refuse(c, -KMEND_E_BAD_INPUT, md,
		           "the pod template's metadata is not a mapping");
	} else {
		an = kmend_kube_get(md, "annotations", NULL, &merged);
		path = json_pack("[s, s]", "metadata", "annotations");
		if (!an || (merged && kmend_kube_is_null(an)))
			r = make_add_key(c, md, "annotations", &annotations, &p);
		else if (kmend_kube_is_null(an))
			r = make_replace(c, an, &annotations, &p);
		else if (an->kind != KMEND_KUBE_MAPPING)
			r = refuse(c, -KMEND_E_BAD_INPUT, an,
			           "the pod template's annotations are not a "
			           "mapping");
		else if (kmend_kube_get(an, KMEND_KUBE_ANNOTATION, NULL, NULL))
			r = refuse(
			    c, -KMEND_E_BAD_INPUT, an,
			    "the pod template already holds kmend's repair: revert it first");
		else if (!path ||
		         json_array_append_new(path, json_string(KMEND_KUBE_ANNOTATION)) < 0)
			r = -ENOMEM;
		else
			r = make_add_key(c, an, KMEND_KUBE_ANNOTATION, &annotations.items[0], &p);
	}
	c->mark = NULL;
	if (r < 0) {
		json_decref(path);
		return r;
	}
	if (!path || (r = kmend_buf_add(&plain, p.text.data, p.mark_start)) < 0 ||
	    (r = kmend_buf_add(&plain, p.text.data + p.mark_end, p.text.len - p.mark_end)) < 0) {
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	kmend_digest_of(plain.data, plain.len, digest);
	self =
	    json_pack("{s:O, s:s, s:I, s:I, s:s}", "path", path, "op",
	              p.op == OP_REPLACE ? "replace" : "add", "before", (json_int_t)p.node, "after",
	              (json_int_t)(p.text.len - p.mark_end), "sha256", kmend_digest_hex(digest));
	if (self && p.op == OP_REPLACE)
		json_object_set_new(self, "original", json_stringn(c->s->text + p.at, p.remove));
	parts = json_array();
	for (size_t i = first_part; parts && i < c->nparts; i++)
		json_array_append(parts, c->parts[i].record);
	record = json_pack("{s:i, s:s, s:O, s:O}", "version", 1, "volume", e->volume, "parts",
	                   parts, "self", self);
	if (!self || !parts || !record ||
	    !(text = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		r = -ENOMEM;
		goto out;
	}
	put(&q, p.text.data, p.mark_start);
	if (c->s->json)
		put_quoted(&q, text);
	else
		put_single_quoted(&q, text);
	put(&q, p.text.data + p.mark_end, p.text.len - p.mark_end);
	if ((r = q.r) < 0)
		goto out;
	kmend_buf_free(&p.text);
	p.text = final;
	final = (struct kmend_buf){0};
	r = keep_part(c, edit, &p);
	p.text = (struct kmend_buf){0};
out:
	kmend_buf_free(&p.text);
	kmend_buf_free(&plain);
	kmend_buf_free(&final);
	free(text);
	json_decref(path);
	json_decref(self);
	json_decref(parts);
	json_decref(record);
	return r;
}

/* ---- One pod template's repair ------------------------------------------------------ */

static int mount_list(struct ctx *c, struct val *mounts, const struct kmend_kube_edit *e)
{
	struct val *m;

	if (!vnew(&c->pool, mounts, V_SEQ, 1) || !(m = vnew(&c->pool, &mounts->items[0], V_MAP, 2)))
		return -ENOMEM;
	m->keys[0] = "name";
	m->items[0] = vstr(e->volume);
	m->keys[1] = "mountPath";
	m->items[1] = vstr(e->mount_path);
	return 0;
}

static int init_containers(struct ctx *c, struct val *inits, const struct kmend_kube_edit *e,
                           const struct val *mounts)
{
	if (!vnew(&c->pool, inits, V_SEQ, e->init_count))
		return -ENOMEM;
	for (size_t i = 0; i < e->init_count; i++) {
		const struct kmend_kube_init_container *ic = &e->init[i];
		struct val *v = &inits->items[i], *sc;
		size_t n = 0, fields = ic->env_count ? 6 : 5;

		if (!vnew(&c->pool, v, V_MAP, fields))
			return -ENOMEM;
		v->keys[n] = "name";
		v->items[n++] = vstr(ic->name);
		v->keys[n] = "image";
		v->items[n++] = vstr(ic->image);
		v->keys[n] = "command";
		if (vargv(&c->pool, &v->items[n++], ic->command, ic->command_count) < 0)
			return -ENOMEM;
		if (ic->env_count) {
			struct val *env = &v->items[n];
			v->keys[n++] = "env";
			if (!vnew(&c->pool, env, V_SEQ, ic->env_count))
				return -ENOMEM;
			for (size_t k = 0; k < ic->env_count; k++) {
				struct val *var = vnew(&c->pool, &env->items[k], V_MAP, 2);
				if (!var)
					return -ENOMEM;
				var->keys[0] = "name";
				var->items[0] = vstr(ic->env[k].name);
				var->keys[1] = "value";
				var->items[1] = vstr(ic->env[k].value);
			}
		}
		v->keys[n] = "volumeMounts";
		v->items[n++] = *mounts;
		/* Same image, run as root: installing packages needs it. */
		v->keys[n] = "securityContext";
		if (!(sc = vnew(&c->pool, &v->items[n++], V_MAP, 1)))
			return -ENOMEM;
		sc->keys[0] = "runAsUser";
		sc->items[0] = (struct val){.kind = V_INT, .s = "0"};
	}
	return 0;
}

/* Container names find kmend's parts again: they must be there and unique in their list. */
static int check_name(struct ctx *c, const struct kmend_kube_workload *w,
                      const struct kmend_kube_container *k)
{
	char q[80];
	size_t same = 0;

	kmend_error_quote(q, sizeof(q), k->name, strlen(k->name));
	if (!*k->name)
		return refuse(c, -KMEND_E_BAD_INPUT, k->node,
		              "a container without a name cannot be "
		              "repaired (kmend finds its parts by name)");
	for (size_t i = 0; i < w->container_count; i++)
		same +=
		    w->containers[i].list == k->list && strcmp(w->containers[i].name, k->name) == 0;
	if (same > 1)
		return refuse(c, -KMEND_E_BAD_INPUT, k->node, "%zu containers are named '%s' in %s",
		              same, q, k->list);
	return 0;
}

static int edit_template(struct ctx *c, size_t edit, const struct kmend_kube_edit *e,
                         const struct kmend_kube_workload *w)
{
	struct val vols, mounts, inits, cmd, *vol;
	size_t first = c->nparts;
	json_t *spec_path;
	int r;

	c->doc = (size_t)w->document - 1;
	if (!vnew(&c->pool, &vols, V_SEQ, 1) || !(vol = vnew(&c->pool, &vols.items[0], V_MAP, 2)) ||
	    !vnew(&c->pool, &vol->items[1], V_MAP, 0))
		return -ENOMEM;
	vol->keys[0] = "name";
	vol->items[0] = vstr(e->volume);
	vol->keys[1] = "emptyDir";
	if ((r = mount_list(c, &mounts, e)) < 0 || (r = init_containers(c, &inits, e, &mounts)) < 0)
		return r;
	if (!(spec_path = json_pack("[s]", "spec")))
		return -ENOMEM;
	r = add_to_list(c, edit, w->spec, "volumes", &vols, false, spec_path);
	if (r == 0 && e->init_count)
		r = add_to_list(c, edit, w->spec, "initContainers", &inits, true, spec_path);
	json_decref(spec_path);
	for (size_t i = 0; r == 0 && i < e->container_count; i++) {
		const struct kmend_kube_container_edit *ce = &e->containers[i];
		const struct kmend_kube_container *k = &w->containers[ce->container];
		json_t *base;

		if ((r = check_name(c, w, k)) < 0 ||
		    (r = vargv(&c->pool, &cmd, ce->command, ce->command_count)) < 0)
			break;
		if (!(base = json_pack("[s, s, {s:s}]", "spec", k->list, "name", k->name)))
			return -ENOMEM;
		r = add_to_list(c, edit, k->node, "volumeMounts", &mounts, false, base);
		if (r == 0 && ce->install_at == KMEND_KUBE_INSTALL_ENTRYPOINT)
			r = set_command(c, edit, k, &cmd, base);
		else if (r == 0)
			r = set_post_start(c, edit, k, &cmd, base);
		json_decref(base);
	}
	if (r == 0)
		r = add_annotation(c, edit, e, w, first);
	return r;
}

/* ---- Aliases: one node, several users ----------------------------------------------- */

static int target_cmp(const void *a, const void *b)
{
	const struct part *x = *(const struct part *const *)a, *y = *(const struct part *const *)b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->key != y->key)
		return x->key && y->key ? strcmp(x->key, y->key) : x->key ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool same_splice(const struct part *a, const struct part *b)
{
	return a->at == b->at && a->remove == b->remove && a->text.len == b->text.len &&
	       memcmp(a->text.data, b->text.data, a->text.len) == 0;
}

static const char *anchor_above(const struct kmend_kube_node *n)
{
	for (; n; n = n->parent)
		if (n->anchor)
			return n->anchor;
	return "";
}

/* The mapping and key through which part p's change shows. */
static bool changed_key(const struct part *p, const struct kmend_kube_node **m, const char **key)
{
	const struct kmend_kube_node *parent = p->target->parent;

	if (p->op == OP_ADD_KEY) {
		*m = p->target;
		*key = p->key;
		return true;
	}
	for (size_t i = 1; parent && parent->kind == KMEND_KUBE_MAPPING && i < parent->count;
	     i += 2)
		if (parent->children[i] == p->target &&
		    parent->children[i - 1]->kind == KMEND_KUBE_SCALAR) {
			*m = parent;
			*key = parent->children[i - 1]->value;
			return true;
		}
	return false;
}

static bool own_key(const struct kmend_kube_node *m, const char *key)
{
	for (size_t i = 0; i + 1 < m->count; i += 2)
		if (m->children[i]->kind == KMEND_KUBE_SCALAR &&
		    !strcmp(m->children[i]->value, key))
			return true;
	return false;
}

/* Does mapping p merge m in with "<<"? */
static bool merges(const struct kmend_kube_node *p, const struct kmend_kube_node *m)
{
	for (size_t i = 0; i + 1 < p->count; i += 2) {
		const struct kmend_kube_node *v = kmend_kube_resolve(p->children[i + 1]);
		if (p->children[i]->kind != KMEND_KUBE_SCALAR ||
		    strcmp(p->children[i]->value, "<<"))
			continue;
		if (v == m)
			return true;
		for (size_t j = 0; v->kind == KMEND_KUBE_SEQUENCE && j < v->count; j++)
			if (kmend_kube_resolve(v->children[j]) == m)
				return true;
	}
	return false;
}

static bool adds_key(const struct ctx *c, const struct kmend_kube_node *m, const char *key)
{
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].target == m && c->parts[i].op == OP_ADD_KEY &&
		    !strcmp(c->parts[i].key, key))
			return true;
	return false;
}

/* Places under root that merge m in but have (or are given) their own key: unchanged. */
static size_t masked_in(const struct ctx *c, const struct kmend_kube_node *n,
                        const struct kmend_kube_node *m, const char *key)
{
	size_t masked = 0;

	if (n->kind == KMEND_KUBE_MAPPING && merges(n, m) &&
	    (own_key(n, key) || adds_key(c, n, key)))
		masked += n->uses;
	for (size_t i = 0; i < n->count; i++)
		masked += masked_in(c, n->children[i], m, key);
	return masked;
}

/*
 * Places that see a part's node only through a "<<" merge, in a mapping
 * whose own key hides the change: merge users that the change does not
 * reach (one level of merging; deeper chains are refused).
 */
static size_t masked_uses(const struct ctx *c, const struct part *p)
{
	const struct kmend_kube_node *m, *root;
	const char *key;

	if (!changed_key(p, &m, &key))
		return 0;
	for (root = m; root->parent; root = root->parent)
		;
	return masked_in(c, root, m, key);
}

/*
 * A node reached through aliases is written once, at its anchor: that is
 * only right when every place that reaches it asks for the same change.
 * Parts asked for twice (the same node) are kept once.
 */
static int check_shared(struct ctx *c)
{
	struct part **sorted = malloc((c->nparts ? c->nparts : 1) * sizeof(*sorted));
	int r = 0;

	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < c->nparts; i++)
		sorted[i] = &c->parts[i];
	qsort(sorted, c->nparts, sizeof(*sorted), target_cmp);
	for (size_t i = 0, j; r == 0 && i < c->nparts; i = j) {
		const struct part *first = sorted[i];
		char q[80];
		for (j = i + 1;
		     j < c->nparts && first->target == sorted[j]->target &&
		     first->op == sorted[j]->op &&
		     (first->key == sorted[j]->key ||
		      (first->key && sorted[j]->key && !strcmp(first->key, sorted[j]->key)));
		     j++)
			sorted[j]->duplicate = true;
		kmend_error_quote(q, sizeof(q), anchor_above(first->target),
		                  strlen(anchor_above(first->target)));
		for (size_t k = i + 1; r == 0 && k < j; k++)
			if (!same_splice(first, sorted[k]))
				r = refuse(
				    c, -KMEND_E_BAD_INPUT, first->target,
				    "this part is shared through the alias of &%s by workloads or "
				    "containers that need different repairs",
				    q);
		if (r == 0 && j - i != first->target->uses &&
		    j - i + masked_uses(c, first) != first->target->uses) {
			r = refuse(
			    c, -KMEND_E_BAD_INPUT, first->target,
			    "this part is shared through the alias of &%s by %zu places, of "
			    "which %zu get this repair: editing it at the anchor would change "
			    "the others",
			    q, first->target->uses, j - i);
			kmend_error_hint(c->err,
			                 "write the shared part out in full where it is used, "
			                 "or repair every user of it alike");
		}
	}
	free(sorted);
	return r;
}

/* ---- Splicing ----------------------------------------------------------------------- */

static int order_cmp(const void *a, const void *b)
{
	const struct part *x = *(const struct part *const *)a, *y = *(const struct part *const *)b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->prepend != y->prepend)
		return x->prepend ? 1 : -1;
	/* At one line start, a nested mapping's new key goes before its parent's. */
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int splice(struct ctx *c, struct kmend_buf *out)
{
	struct part **sorted = malloc((c->nparts ? c->nparts : 1) * sizeof(*sorted));
	size_t n = 0, pos = 0;
	int r = 0;

	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < c->nparts; i++)
		if (!c->parts[i].duplicate)
			sorted[n++] = &c->parts[i];
	qsort(sorted, n, sizeof(*sorted), order_cmp);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct part *p = sorted[i];
		if (p->at < pos) {
			r = refuse(c, -KMEND_E_UNSUPPORTED, p->target,
			           "two of kmend's edits would overlap here");
			break;
		}
		if ((r = kmend_buf_add(out, c->s->text + pos, p->at - pos)) == 0)
			r = kmend_buf_add(out, p->text.data, p->text.len);
		pos = p->at + p->remove;
	}
	if (r == 0)
		r = kmend_buf_add(out, c->s->text + pos, c->s->len - pos);
	free(sorted);
	return r;
}

/* ---- Checking the result ------------------------------------------------------------ */

static bool scalar_is(const struct kmend_kube_node *n, const char *s)
{
	n = kmend_kube_resolve(n);
	return n && n->kind == KMEND_KUBE_SCALAR && n->len == strlen(s) &&
	       memcmp(n->value, s, n->len) == 0;
}

static bool argv_is(const struct kmend_kube_node *n, const char *const *argv, size_t count)
{
	n = kmend_kube_resolve(n);
	if (!n || n->kind != KMEND_KUBE_SEQUENCE || n->count != count)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!scalar_is(n->children[i], argv[i]))
			return false;
	return true;
}

static const struct kmend_kube_node *item_named(const struct kmend_kube_node *list,
                                                const char *name)
{
	list = kmend_kube_resolve(list);
	for (size_t i = 0; list && list->kind == KMEND_KUBE_SEQUENCE && i < list->count; i++)
		if (scalar_is(kmend_kube_get(list->children[i], "name", NULL, NULL), name))
			return kmend_kube_resolve(list->children[i]);
	return NULL;
}

static bool has_mount(const struct kmend_kube_node *c, const struct kmend_kube_edit *e)
{
	const struct kmend_kube_node *m =
	    item_named(kmend_kube_get(c, "volumeMounts", NULL, NULL), e->volume);

	return m && scalar_is(kmend_kube_get(m, "mountPath", NULL, NULL), e->mount_path);
}

/* Does workload a (of the output) hold exactly what edit e asked of workload w? */
static const char *edit_missing(const struct kmend_kube_workload *w,
                                const struct kmend_kube_workload *a,
                                const struct kmend_kube_edit *e)
{
	const struct kmend_kube_node *inits = kmend_kube_get(a->spec, "initContainers", NULL, NULL);
	const struct kmend_kube_node *md = kmend_kube_get(a->template, "metadata", NULL, NULL);

	if (a->container_count != w->container_count + e->init_count)
		return "the containers";
	if (!kmend_kube_get(item_named(kmend_kube_get(a->spec, "volumes", NULL, NULL), e->volume),
	                    "emptyDir", NULL, NULL))
		return "the volume";
	if (e->init_count &&
	    (!inits || inits->kind != KMEND_KUBE_SEQUENCE || inits->count < e->init_count))
		return "the init containers";
	for (size_t i = 0; i < e->init_count; i++) {
		const struct kmend_kube_node *ic = kmend_kube_resolve(inits->children[i]);
		if (!scalar_is(kmend_kube_get(ic, "name", NULL, NULL), e->init[i].name) ||
		    !scalar_is(kmend_kube_get(ic, "image", NULL, NULL), e->init[i].image) ||
		    !argv_is(kmend_kube_get(ic, "command", NULL, NULL), e->init[i].command,
		             e->init[i].command_count) ||
		    !has_mount(ic, e))
			return "an init container";
	}
	for (size_t i = 0; i < e->container_count; i++) {
		const struct kmend_kube_container_edit *ce = &e->containers[i];
		const struct kmend_kube_container *k = &w->containers[ce->container];
		const struct kmend_kube_node *c = NULL, *cmd;
		for (size_t j = 0; j < a->container_count && !c; j++)
			if (!strcmp(a->containers[j].list, k->list) &&
			    !strcmp(a->containers[j].name, k->name))
				c = a->containers[j].node;
		if (!c || !has_mount(c, e))
			return "a volume mount";
		cmd = kmend_kube_get(c, "command", NULL, NULL);
		if (ce->install_at == KMEND_KUBE_INSTALL_POSTSTART)
			cmd = kmend_kube_get(
			    kmend_kube_get(
			        kmend_kube_get(kmend_kube_get(c, "lifecycle", NULL, NULL),
			                       "postStart", NULL, NULL),
			        "exec", NULL, NULL),
			    "command", NULL, NULL);
		if (!argv_is(cmd, ce->command, ce->command_count))
			return "a command";
	}
	if (!kmend_kube_get(kmend_kube_get(md, "annotations", NULL, NULL), KMEND_KUBE_ANNOTATION,
	                    NULL, NULL))
		return "the annotation";
	return NULL;
}

static int unsafe(struct ctx *c, const char *why, const struct kmend_error *inner)
{
	char detail[600] = "";

	if (inner)
		kmend_error_format(inner, detail, sizeof(detail));
	kmend_error_set(c->err, -KMEND_E_UNSUPPORTED, c->s->name, 0,
	                "kmend cannot splice its repair into this file's layout safely (%s%s%s); "
	                "nothing was written",
	                why, inner ? ": " : "", detail);
	kmend_error_hint(c->err, "please report the file's layout; scan and revert still read it");
	return -KMEND_E_UNSUPPORTED;
}

static int revert_parsed(const struct kmend_kube_stream *s, const struct kmend_kube_workloads *w,
                         char **out, size_t *out_len, size_t *reverted, struct kmend_error *err);

/* The output must parse, hold what was asked where it was asked, and revert to the input. */
static int verify(struct ctx *c, const char *out, size_t len, const struct kmend_kube_workloads *w,
                  const struct kmend_kube_edit *edits, size_t count)
{
	struct kmend_kube_workloads got = {0};
	struct kmend_kube_stream *s = NULL;
	struct kmend_error inner;
	char *back = NULL;
	size_t back_len = 0;
	const char *missing = NULL;
	int r;

	if ((r = kmend_kube_parse(out, len, c->s->name, &s, &inner)) < 0) {
		r = r == -ENOMEM ? r : unsafe(c, "the output does not parse", &inner);
		goto out;
	}
	if ((r = kmend_kube_find_workloads(s, &got, &inner)) < 0 || got.count != w->count) {
		r = r == -ENOMEM
		        ? r
		        : unsafe(c, "the output's workloads differ", r < 0 ? &inner : NULL);
		goto out;
	}
	for (size_t i = 0; i < count && !missing; i++)
		missing = edit_missing(&w->items[edits[i].workload], &got.items[edits[i].workload],
		                       &edits[i]);
	if (missing) {
		r = unsafe(c, missing, NULL);
		goto out;
	}
	if ((r = revert_parsed(s, &got, &back, &back_len, NULL, &inner)) < 0) {
		r = r == -ENOMEM ? r : unsafe(c, "the output does not revert", &inner);
		goto out;
	}
	if (back_len != c->s->len || memcmp(back, c->s->text, back_len) != 0)
		r = unsafe(c, "the output does not revert to the input", NULL);
out:
	free(back);
	kmend_kube_workloads_free(&got);
	kmend_kube_stream_free(s);
	return r;
}

/* ---- Checking what the caller asked ------------------------------------------------- */

static bool valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = s[0] < 0x80             ? 1
		           : (s[0] & 0xe0) == 0xc0 ? 2
		           : (s[0] & 0xf0) == 0xe0 ? 3
		           : (s[0] & 0xf8) == 0xf0 ? 4
		                                   : 0;
		unsigned long cp;
		size_t w;

		if (!n || (n == 2 && s[0] < 0xc2))
			return false;
		for (size_t i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		cp = codepoint(s, &w);
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n;
	}
	return true;
}

static int bad_edit(struct ctx *c, size_t i, const char *what)
{
	return kmend_error_set(c->err, -KMEND_E_BAD_INPUT, c->s->name, 0, "repair %zu: %s", i + 1,
	                       what);
}

static bool text_ok(const char *s)
{
	return s && valid_utf8(s);
}

static bool argv_ok(const char *const *argv, size_t n)
{
	if (!argv || !n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!text_ok(argv[i]))
			return false;
	return true;
}

static bool kmend_name(const char *s)
{
	return text_ok(s) &&
	       strncmp(s, KMEND_KUBE_NAME_PREFIX, strlen(KMEND_KUBE_NAME_PREFIX)) == 0 &&
	       s[strlen(KMEND_KUBE_NAME_PREFIX)];
}

static int check_edits(struct ctx *c, const struct kmend_kube_workloads *w,
                       const struct kmend_kube_edit *edits, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct kmend_kube_edit *e = &edits[i];
		const struct kmend_kube_workload *wl;

		if (e->workload >= w->count)
			return bad_edit(c, i, "no such workload");
		wl = &w->items[e->workload];
		for (size_t j = 0; j < i; j++)
			if (edits[j].workload == e->workload)
				return bad_edit(c, i, "a workload repaired twice");
		if (!wl->spec)
			return refuse(c, -KMEND_E_BAD_INPUT, wl->template,
			              "the pod template has no spec");
		if (!kmend_name(e->volume) || !text_ok(e->mount_path) || !*e->mount_path)
			return bad_edit(c, i, "the volume needs a kmend- name and a mount path");
		for (size_t j = 0; j < e->init_count; j++) {
			const struct kmend_kube_init_container *ic = &e->init[j];
			if (!kmend_name(ic->name) || !text_ok(ic->image) ||
			    !argv_ok(ic->command, ic->command_count))
				return bad_edit(c, i,
				                "an init container needs a kmend- name, an image "
				                "and a command, in UTF-8");
			for (size_t k = 0; k < ic->env_count; k++)
				if (!text_ok(ic->env[k].name) || !text_ok(ic->env[k].value))
					return bad_edit(c, i,
					                "an environment variable is not UTF-8");
		}
		for (size_t j = 0; j < e->container_count; j++) {
			const struct kmend_kube_container_edit *ce = &e->containers[j];
			if (ce->container >= wl->container_count)
				return bad_edit(c, i, "no such container");
			if (!argv_ok(ce->command, ce->command_count))
				return bad_edit(c, i,
				                "a command must have at least one UTF-8 argument");
			for (size_t k = 0; k < j; k++)
				if (e->containers[k].container == ce->container)
					return bad_edit(c, i, "a container repaired twice");
		}
	}
	return 0;
}

int kmend_kube_apply(const struct kmend_kube_stream *s, const struct kmend_kube_workloads *w,
                     const struct kmend_kube_edit *edits, size_t count, char **out, size_t *out_len,
                     struct kmend_error *err)
{
	struct ctx c = {.s = s, .err = err};
	struct kmend_buf b = {.max = 2 * (size_t)KMEND_MANIFEST_FILE_MAX_SIZE};
	int r;

	kmend_error_clear(err);
	c.layouts = calloc(s->count ? s->count : 1, sizeof(*c.layouts));
	c.have_layout = calloc(s->count ? s->count : 1, sizeof(*c.have_layout));
	if (!c.layouts || !c.have_layout) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = check_edits(&c, w, edits, count)) < 0)
		goto out;
	for (size_t i = 0; i < count && r == 0; i++)
		r = edit_template(&c, i, &edits[i], &w->items[edits[i].workload]);
	if (r == 0 && (r = check_shared(&c)) == 0 && (r = splice(&c, &b)) == 0 &&
	    (r = verify(&c, b.data ? b.data : "", b.len, w, edits, count)) == 0)
		r = kmend_buf_take(&b, out, out_len);
out:
	if (r == -ENOMEM && err && !err->message[0])
		kmend_error_set(err, r, s->name, 0, "out of memory");
	for (size_t i = 0; i < c.nparts; i++) {
		kmend_buf_free(&c.parts[i].text);
		json_decref(c.parts[i].record);
	}
	free(c.parts);
	pool_free(&c.pool);
	free(c.layouts);
	free(c.have_layout);
	kmend_buf_free(&b);
	return r;
}

/* ---- revert ------------------------------------------------------------------------- */

struct span {
	size_t start, end; /* text[start, end) is kmend's */
	const char *original;
	size_t original_len;
};

struct reverter {
	const struct kmend_kube_stream *s;
	struct kmend_error *err;
	struct span *spans;
	size_t nspans, cap;
	json_t *records; /* keeps the originals' strings alive */
};

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 ? size : *len + (size_t)n;
}

/*
 * Follow a recorded path from the pod template: keys, and list items by
 * name. The node found is a key ("add"), a value ("replace") or an item;
 * desc says, quoted, what was looked for.
 */
static const struct kmend_kube_node *locate(const struct kmend_kube_node *tpl, const json_t *path,
                                            bool value, char *desc, size_t size)
{
	const struct kmend_kube_node *cur = tpl;
	size_t n = json_array_size(path), dl = 0;
	char q[80];

	desc[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const json_t *seg = json_array_get(path, i);
		const json_t *name = json_object_get(seg, "name");
		bool last = i + 1 == n;

		if (json_is_string(seg)) {
			const struct kmend_kube_node *k = NULL, *v;
			kmend_error_quote(q, sizeof(q), json_string_value(seg),
			                  json_string_length(seg));
			append(desc, size, &dl, "%s%s", i ? "." : "", q);
			if (!(v = kmend_kube_get(cur, json_string_value(seg), &k, NULL)))
				return NULL;
			if (last)
				return value ? v : k;
			cur = v;
		} else if (json_is_string(name)) {
			const struct kmend_kube_node *hit = NULL;
			kmend_error_quote(q, sizeof(q), json_string_value(name),
			                  json_string_length(name));
			append(desc, size, &dl, "[%s]", q);
			cur = kmend_kube_resolve(cur);
			for (size_t j = 0;
			     cur && cur->kind == KMEND_KUBE_SEQUENCE && j < cur->count; j++) {
				const struct kmend_kube_node *item =
				    kmend_kube_resolve(cur->children[j]);
				const char *nm = kmend_kube_get_str(item, "name");
				if (!nm || strcmp(nm, json_string_value(name)) != 0)
					continue;
				if (hit)
					return NULL; /* two items of that name: which one is
					                kmend's? */
				hit = item;
			}
			if (!hit || last)
				return hit;
			cur = hit;
		} else
			return NULL;
	}
	return NULL;
}

static int revert_refuse(struct reverter *rv, const struct kmend_kube_node *at, const char *desc,
                         const char *what)
{
	char d[220];

	snprintf(d, sizeof(d), "%s", desc);
	kmend_error_set(rv->err, -KMEND_E_BAD_INPUT, rv->s->name, at ? (long)at->column : 0,
	                "kmend's %s %s; revert refuses to guess", d, what);
	if (at)
		kmend_error_at_line(rv->err, at->line);
	kmend_error_hint(rv->err, "put it back as kmend fix wrote it, or remove kmend's parts and "
	                          "the " KMEND_KUBE_ANNOTATION " annotation by hand");
	return -KMEND_E_BAD_INPUT;
}

static bool get_size(const json_t *o, const char *key, size_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (size_t)json_integer_value(v);
	return true;
}

/* Check one recorded part against the text and keep its span. */
static int revert_part(struct reverter *rv, const struct kmend_kube_node *tpl,
                       const struct kmend_kube_node *ann, const json_t *rec, bool self)
{
	const struct kmend_kube_stream *s = rv->s;
	const json_t *path = json_object_get(rec, "path");
	const char *op = json_string_value(json_object_get(rec, "op"));
	const char *sha = json_string_value(json_object_get(rec, "sha256"));
	const json_t *orig = json_object_get(rec, "original");
	const struct kmend_kube_node *n;
	char desc[200], digest[KMEND_DIGEST_MAX];
	size_t before, size, start, end;
	bool replace;

	if (!json_is_array(path) || !json_array_size(path) || !op || !sha || strlen(sha) != 64 ||
	    (strcmp(op, "add") && strcmp(op, "replace")) || !get_size(rec, "before", &before) ||
	    !get_size(rec, self ? "after" : "length", &size))
		return revert_refuse(rv, ann, "repair annotation", "is not a record kmend wrote");
	replace = strcmp(op, "replace") == 0;
	if (replace && !json_is_string(orig))
		return revert_refuse(rv, ann, "repair annotation", "is not a record kmend wrote");
	if (!(n = locate(tpl, path, replace, desc, sizeof(desc))))
		return revert_refuse(rv, ann, desc,
		                     "is missing: moved, renamed or removed by hand");
	if (before > n->content)
		return revert_refuse(rv, n, desc, "was edited by hand since kmend fix wrote it");
	start = n->content - before;
	if (!self) {
		if (size > s->len - start)
			return revert_refuse(rv, n, desc,
			                     "was edited by hand since kmend fix wrote it");
		end = start + size;
		kmend_digest_of(s->text + start, size, digest);
	} else {
		char *both;
		if (ann->content < start || size > s->len - ann->end)
			return revert_refuse(rv, n, desc,
			                     "was edited by hand since kmend fix wrote it");
		end = ann->end + size;
		if (!(both = malloc(ann->content - start + size + 1)))
			return -ENOMEM;
		memcpy(both, s->text + start, ann->content - start);
		memcpy(both + (ann->content - start), s->text + ann->end, size);
		kmend_digest_of(both, ann->content - start + size, digest);
		free(both);
	}
	if (strcmp(kmend_digest_hex(digest), sha) != 0)
		return revert_refuse(rv, n, desc, "was edited by hand since kmend fix wrote it");
	if (rv->nspans == rv->cap) {
		size_t cap = rv->cap ? 2 * rv->cap : 32;
		struct span *p = realloc(rv->spans, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		rv->spans = p;
		rv->cap = cap;
	}
	rv->spans[rv->nspans++] = (struct span){
	    .start = start,
	    .end = end,
	    .original = replace ? json_string_value(orig) : "",
	    .original_len = replace ? json_string_length(orig) : 0,
	};
	return 0;
}

static int revert_template(struct reverter *rv, const struct kmend_kube_node *tpl,
                           const struct kmend_kube_node *ann)
{
	const json_t *parts, *part;
	json_t *rec;
	size_t i;
	int r;

	if (ann->kind != KMEND_KUBE_SCALAR ||
	    !(rec = json_loadb(ann->value, ann->len, JSON_REJECT_DUPLICATES, NULL)))
		return revert_refuse(rv, ann, "repair annotation", "is not a record kmend wrote");
	if (json_array_append_new(rv->records, rec) < 0)
		return -ENOMEM;
	parts = json_object_get(rec, "parts");
	if (json_integer_value(json_object_get(rec, "version")) != 1 || !json_is_array(parts) ||
	    !json_is_object(json_object_get(rec, "self")))
		return revert_refuse(rv, ann, "repair annotation",
		                     "is not a record this kmend wrote (version 1)");
	json_array_foreach (parts, i, part) {
		if ((r = revert_part(rv, tpl, ann, part, false)) < 0)
			return r;
	}
	return revert_part(rv, tpl, ann, json_object_get(rec, "self"), true);
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* revert on a stream already parsed, with its workloads. */
static int revert_parsed(const struct kmend_kube_stream *s, const struct kmend_kube_workloads *w,
                         char **out, size_t *out_len, size_t *reverted, struct kmend_error *err)
{
	struct reverter rv = {.err = err, .s = s};
	struct kmend_buf b = {.max = KMEND_MANIFEST_FILE_MAX_SIZE};
	const struct kmend_kube_node **seen = NULL;
	size_t nseen = 0, seen_cap = 0, pos = 0;
	int r = 0;

	if (reverted)
		*reverted = 0;
	if (!(rv.records = json_array()))
		return -ENOMEM;
	for (size_t i = 0; i < w->count && r == 0; i++) {
		const struct kmend_kube_node *ann = kmend_kube_get(
		    kmend_kube_get(kmend_kube_get(w->items[i].template, "metadata", NULL, NULL),
		                   "annotations", NULL, NULL),
		    KMEND_KUBE_ANNOTATION, NULL, NULL);
		bool again = false;

		if (!ann)
			continue;
		/* One template reached through an alias from several workloads: once. */
		for (size_t j = 0; j < nseen && !again; j++)
			again = seen[j] == ann;
		if (again)
			continue;
		if (kmend_array_grow(&seen, &seen_cap, nseen, sizeof(*seen)) < 0) {
			r = -ENOMEM;
			break;
		}
		seen[nseen++] = ann;
		r = revert_template(&rv, w->items[i].template, ann);
	}
	if (r < 0)
		goto out;
	if (rv.nspans)
		qsort(rv.spans, rv.nspans, sizeof(*rv.spans), span_cmp);
	for (size_t i = 0; i < rv.nspans && r == 0; i++) {
		const struct span *p = &rv.spans[i];
		if (i && p->start == p[-1].start && p->end == p[-1].end)
			continue; /* one node reached twice */
		if (p->start < pos) {
			r = kmend_error_set(
			    err, -KMEND_E_BAD_INPUT, s->name, 0,
			    "kmend's recorded parts overlap; revert refuses to guess");
			break;
		}
		if ((r = kmend_buf_add(&b, s->text + pos, p->start - pos)) == 0)
			r = kmend_buf_add(&b, p->original, p->original_len);
		pos = p->end;
	}
	if (r == 0 && (r = kmend_buf_add(&b, s->text + pos, s->len - pos)) == 0 &&
	    (r = kmend_buf_take(&b, out, out_len)) == 0 && reverted)
		*reverted = nseen;
out:
	if (r == -ENOMEM && err && !err->message[0])
		kmend_error_set(err, r, s->name, 0, "out of memory");
	kmend_buf_free(&b);
	free(seen);
	free(rv.spans);
	json_decref(rv.records);
	return r;
}

int kmend_kube_revert(const char *text, size_t len, const char *name, char **out, size_t *out_len,
                      size_t *reverted, struct kmend_error *err)
{
	struct kmend_kube_workloads w = {0};
	struct kmend_kube_stream *s;
	int r;

	if (reverted)
		*reverted = 0;
	if ((r = kmend_kube_parse(text, len, name, &s, err)) < 0)
		return r;
	if ((r = kmend_kube_find_workloads(s, &w, err)) == 0)
		r = revert_parsed(s, &w, out, out_len, reverted, err);
	kmend_kube_workloads_free(&w);
	kmend_kube_stream_free(s);
	return r;
}
