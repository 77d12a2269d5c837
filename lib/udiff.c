/* Unified diffs: a patience diff anchored on unique lines, Myers' algorithm between anchors. */
#include "udiff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "buf.h"
#include "kmend_limits.h"

/* How deep the anchoring recurses before the rest is left to Myers' algorithm. */
#define ANCHOR_DEPTH_MAX 48

struct line {
	const char *p;
	size_t len; /* with its newline, if it has one */
	uint64_t hash;
};

enum op { OP_EQ, OP_DEL, OP_INS };

struct edit {
	enum op op;
	size_t a, b; /* the line in a (OP_EQ, OP_DEL) and in b (OP_EQ, OP_INS) */
};

struct diff {
	struct line *la, *lb;
	size_t na, nb;
	struct edit *ed;
	size_t ned, cap;
	int failed; /* -ENOMEM */
};

static int split_lines(const char *t, size_t len, struct line **out, size_t *n)
{
	size_t cap = 0, count = 0, i = 0;
	struct line *lines = NULL;

	while (i < len) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - t) + 1 : len;
		uint64_t h = 1469598103934665603ULL; /* FNV-1a */

		if (kmend_array_grow(&lines, &cap, count, sizeof(*lines)) < 0) {
			free(lines);
			return -ENOMEM;
		}
		for (size_t k = i; k < end; k++)
			h = (h ^ (unsigned char)t[k]) * 1099511628211ULL;
		lines[count++] = (struct line){t + i, end - i, h};
		i = end;
	}
	*out = lines;
	*n = count;
	return 0;
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->hash == y->hash && x->len == y->len && !memcmp(x->p, y->p, x->len);
}

static bool eq(const struct diff *d, size_t a, size_t b)
{
	return line_eq(&d->la[a], &d->lb[b]);
}

static void emit(struct diff *d, enum op op, size_t a, size_t b)
{
	if (d->failed || kmend_array_grow(&d->ed, &d->cap, d->ned, sizeof(*d->ed)) < 0) {
		d->failed = -ENOMEM;
		return;
	}
	d->ed[d->ned++] = (struct edit){op, a, b};
}

static void replace_whole(struct diff *d, size_t alo, size_t ahi, size_t blo, size_t bhi)
{
	for (size_t i = alo; i < ahi; i++)
		emit(d, OP_DEL, i, blo);
	for (size_t j = blo; j < bhi; j++)
		emit(d, OP_INS, ahi, j);
}

/*
 * Myers' greedy O(ND) search for the shortest edit script of a[alo, ahi) to b[blo, bhi),
 * keeping each round's furthest reaching paths to walk back; beyond KMEND_UDIFF_MAX_EDITS
 * edits the stretch is replaced whole.
 */
static void myers(struct diff *d, size_t alo, size_t ahi, size_t blo, size_t bhi)
{
	long n = (long)(ahi - alo), m = (long)(bhi - blo);
	long maxd = n + m < KMEND_UDIFF_MAX_EDITS ? n + m : KMEND_UDIFF_MAX_EDITS;
	long *v, *trace = NULL, found = -1;
	size_t trace_cap = 0;
	struct edit *rev;
	size_t nrev = 0;

	if (!(v = calloc((size_t)(2 * maxd + 3), sizeof(*v)))) {
		d->failed = -ENOMEM;
		return;
	}
	/* v[maxd + 1 + k]: how far along x the furthest path on diagonal k reaches. */
	for (long e = 0; e <= maxd && found < 0; e++) {
		long *row;
		/* Rounds 0..e-1 took e*e entries; round e takes 2e + 1 more. */
		if ((size_t)((e + 1) * (e + 1)) > trace_cap) {
			size_t cap = trace_cap ? trace_cap * 2 : 64;
			long *bigger;
			while (cap < (size_t)((e + 1) * (e + 1)))
				cap *= 2;
			if (!(bigger = realloc(trace, cap * sizeof(*trace)))) {
				free(v);
				free(trace);
				d->failed = -ENOMEM;
				return;
			}
			trace = bigger;
			trace_cap = cap;
		}
		row = trace + e * e;
		for (long k = -e; k <= e; k += 2) {
			long *vk = &v[maxd + 1 + k], x, y;
			if (k == -e || (k != e && vk[-1] < vk[1]))
				x = vk[1];
			else
				x = vk[-1] + 1;
			y = x - k;
			while (x < n && y < m && eq(d, alo + (size_t)x, blo + (size_t)y))
				x++, y++;
			*vk = x;
			if (x >= n && y >= m)
				found = e;
		}
		for (long k = -e; k <= e; k++)
			row[k + e] = v[maxd + 1 + k];
	}
	free(v);
	if (found < 0) {
		free(trace);
		replace_whole(d, alo, ahi, blo, bhi);
		return;
	}
	/* Walk back from (n, m): each round adds one edit and the diagonal run after it. */
	if (!(rev = malloc((size_t)(n + m + 1) * sizeof(*rev)))) {
		free(trace);
		d->failed = -ENOMEM;
		return;
	}
	{
		long x = n, y = m;
		for (long e = found; e >= 0; e--) {
			long k = x - y, px, py, pk, mx;
			if (e == 0) {
				while (x > 0 && y > 0)
					x--, y--,
					    rev[nrev++] =
					        (struct edit){OP_EQ, (size_t)x, (size_t)y};
				break;
			}
			const long *prev = trace + (e - 1) * (e - 1) + (e - 1);
			if (k == -e || (k != e && prev[k - 1] < prev[k + 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = prev[pk];
			py = px - pk;
			/* The edit leads to (mx, mx - k), the diagonal run from there to (x, y). */
			mx = pk == k + 1 ? px : px + 1;
			while (x > mx)
				x--, y--, rev[nrev++] = (struct edit){OP_EQ, (size_t)x, (size_t)y};
			if (pk == k + 1)
				rev[nrev++] = (struct edit){OP_INS, (size_t)px, (size_t)py};
			else
				rev[nrev++] = (struct edit){OP_DEL, (size_t)px, (size_t)py};
			x = px;
			y = py;
		}
	}
	free(trace);
	while (nrev > 0) {
		struct edit e = rev[--nrev];
		emit(d, e.op, alo + e.a, blo + e.b);
	}
	free(rev);
}

/* A line's counts in both stretches, for finding the lines each holds exactly once. */
struct slot {
	const struct line *line; /* NULL: an empty slot */
	size_t b;                /* where b holds it (last seen) */
	unsigned ca, cb;
};

/* The slot of line l in the open-addressed table t of size entries (a power of two). */
static struct slot *slot_of(struct slot *t, size_t size, const struct line *l)
{
	size_t h = (size_t)l->hash & (size - 1);

	while (t[h].line && !line_eq(t[h].line, l))
		h = (h + 1) & (size - 1);
	return &t[h];
}

struct anchor {
	size_t a, b;
};

/*
 * The lines that a[alo, ahi) and b[blo, bhi) each hold exactly once, in a's order, reduced
 * to the longest chain increasing in b too (patience sorting). *n 0: none.
 */
static int anchors(const struct diff *d, size_t alo, size_t ahi, size_t blo, size_t bhi,
                   struct anchor **out, size_t *n)
{
	size_t size = 16, count = 0, len = 0;
	struct anchor *cand = NULL, *chain;
	size_t *tails = NULL, *prev = NULL;
	struct slot *t;

	*out = NULL;
	*n = 0;
	while (size < 2 * ((ahi - alo) + (bhi - blo)))
		size *= 2;
	if (!(t = calloc(size, sizeof(*t))))
		return -ENOMEM;
	for (size_t i = alo; i < ahi; i++) {
		struct slot *sl = slot_of(t, size, &d->la[i]);
		sl->line = &d->la[i];
		sl->ca++;
	}
	for (size_t j = blo; j < bhi; j++) {
		struct slot *sl = slot_of(t, size, &d->lb[j]);
		sl->line = &d->lb[j];
		sl->b = j;
		sl->cb++;
	}
	if (!(cand = malloc((ahi - alo) * sizeof(*cand))))
		goto nomem;
	for (size_t i = alo; i < ahi; i++) {
		const struct slot *sl = slot_of(t, size, &d->la[i]);
		if (sl->ca == 1 && sl->cb == 1)
			cand[count++] = (struct anchor){i, sl->b};
	}
	free(t);
	t = NULL;
	if (count == 0) {
		free(cand);
		return 0;
	}
	/* Longest increasing subsequence of the b positions: tails[l] ends the best chain of
	   length l + 1; prev links each candidate to the one before it. */
	if (!(tails = malloc(count * sizeof(*tails))) || !(prev = malloc(count * sizeof(*prev))))
		goto nomem;
	for (size_t i = 0; i < count; i++) {
		size_t lo = 0, hi = len;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (cand[tails[mid]].b < cand[i].b)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tails[lo - 1] : SIZE_MAX;
		tails[lo] = i;
		if (lo == len)
			len++;
	}
	if (!(chain = malloc(len * sizeof(*chain))))
		goto nomem;
	for (size_t i = len, c = tails[len - 1]; i > 0; i--, c = prev[c])
		chain[i - 1] = cand[c];
	free(cand);
	free(tails);
	free(prev);
	*out = chain;
	*n = len;
	return 0;
nomem:
	free(t);
	free(cand);
	free(tails);
	free(prev);
	return -ENOMEM;
}

static void diff_range(struct diff *d, size_t alo, size_t ahi, size_t blo, size_t bhi,
                       unsigned depth)
{
	size_t suffix = 0;
	struct anchor *chain;
	size_t nchain;

	while (alo < ahi && blo < bhi && eq(d, alo, blo))
		emit(d, OP_EQ, alo++, blo++);
	while (alo < ahi - suffix && blo < bhi - suffix &&
	       eq(d, ahi - suffix - 1, bhi - suffix - 1))
		suffix++;
	ahi -= suffix;
	bhi -= suffix;
	if (alo == ahi || blo == bhi) {
		replace_whole(d, alo, ahi, blo, bhi);
	} else if (depth >= ANCHOR_DEPTH_MAX) {
		myers(d, alo, ahi, blo, bhi);
	} else if (anchors(d, alo, ahi, blo, bhi, &chain, &nchain) < 0) {
		d->failed = -ENOMEM;
	} else if (nchain == 0) {
		myers(d, alo, ahi, blo, bhi);
	} else {
		for (size_t i = 0; i < nchain && !d->failed; i++) {
			diff_range(d, alo, chain[i].a, blo, chain[i].b, depth + 1);
			emit(d, OP_EQ, chain[i].a, chain[i].b);
			alo = chain[i].a + 1;
			blo = chain[i].b + 1;
		}
		free(chain);
		diff_range(d, alo, ahi, blo, bhi, depth + 1);
	}
	for (size_t i = 0; i < suffix; i++)
		emit(d, OP_EQ, ahi + i, bhi + i);
}

/* "-l,n" as diff -u writes a range: n omitted when 1, l the line before when n is 0. */
static int add_range(struct kmend_buf *o, char sign, size_t first, size_t count)
{
	if (count == 1)
		return kmend_buf_addf(o, "%c%zu", sign, first + 1);
	return kmend_buf_addf(o, "%c%zu,%zu", sign, count ? first + 1 : first, count);
}

static int add_line(struct kmend_buf *o, char sign, const struct line *l)
{
	int r;

	if ((r = kmend_buf_addc(o, sign, 1)) < 0 || (r = kmend_buf_add(o, l->p, l->len)) < 0)
		return r;
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		return kmend_buf_adds(o, "\n\\ No newline at end of file\n");
	return 0;
}

/* The hunks of the edit script: changes closer than 2 * context lines share one. */
static int write_hunks(const struct diff *d, unsigned context, struct kmend_buf *o)
{
	size_t i = 0, n = d->ned;
	int r = 0;

	while (i < n && r == 0) {
		size_t first, last, start, end, a0, b0, ca = 0, cb = 0, gap = 0;

		while (i < n && d->ed[i].op == OP_EQ)
			i++;
		if (i == n)
			break;
		first = i;
		last = i;
		for (size_t j = i + 1; j < n; j++) {
			if (d->ed[j].op != OP_EQ) {
				last = j;
				gap = 0;
			} else if (++gap > 2 * (size_t)context) {
				break;
			}
		}
		start = first > context ? first - context : 0;
		end = last + context + 1 < n ? last + context + 1 : n;
		a0 = d->ed[start].a; /* the lines of a and of b before the hunk */
		b0 = d->ed[start].b;
		for (size_t j = start; j < end; j++) {
			ca += d->ed[j].op != OP_INS;
			cb += d->ed[j].op != OP_DEL;
		}
		if ((r = kmend_buf_adds(o, "@@ ")) < 0 || (r = add_range(o, '-', a0, ca)) < 0 ||
		    (r = kmend_buf_adds(o, " ")) < 0 || (r = add_range(o, '+', b0, cb)) < 0 ||
		    (r = kmend_buf_adds(o, " @@\n")) < 0)
			break;
		for (size_t j = start; j < end && r == 0; j++) {
			const struct edit *e = &d->ed[j];
			if (e->op == OP_EQ)
				r = add_line(o, ' ', &d->la[e->a]);
			else if (e->op == OP_DEL)
				r = add_line(o, '-', &d->la[e->a]);
			else
				r = add_line(o, '+', &d->lb[e->b]);
		}
		i = end;
	}
	return r;
}

int kmend_udiff(const char *a, size_t alen, const char *b, size_t blen, const char *a_name,
                const char *b_name, unsigned context, char **out, size_t *out_len)
{
	struct diff d = {0};
	struct kmend_buf o = {.max = SIZE_MAX / 2};
	int r;

	*out = NULL;
	*out_len = 0;
	if ((r = split_lines(a, alen, &d.la, &d.na)) < 0 ||
	    (r = split_lines(b, blen, &d.lb, &d.nb)) < 0)
		goto done;
	diff_range(&d, 0, d.na, 0, d.nb, 0);
	if ((r = d.failed) < 0)
		goto done;
	for (size_t i = 0; i < d.ned; i++)
		if (d.ed[i].op != OP_EQ) {
			if ((r = kmend_buf_addf(&o, "--- %s\n+++ %s\n", a_name, b_name)) < 0 ||
			    (r = write_hunks(&d, context, &o)) < 0)
				goto done;
			break;
		}
	if (o.len == 0 && (r = kmend_buf_adds(&o, "")) < 0)
		goto done;
	r = kmend_buf_take(&o, out, out_len);
done:
	kmend_buf_free(&o);
	free(d.la);
	free(d.lb);
	free(d.ed);
	return r;
}
