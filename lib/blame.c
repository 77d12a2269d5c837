/* Layer blame: base or application, told by --base, the base annotations or the history. */
#include "blame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "imageref.h"
#include "json_build.h"

const char *kmend_blame_source_name(enum kmend_blame_source s)
{
	switch (s) {
	case KMEND_BLAME_OPTION: return "option";
	case KMEND_BLAME_ANNOTATION: return "annotation";
	case KMEND_BLAME_HISTORY: return "history";
	default: return "unknown";
	}
}

const char *kmend_layer_part_name(enum kmend_layer_part p)
{
	switch (p) {
	case KMEND_PART_BASE: return "base";
	case KMEND_PART_APPLICATION: return "application";
	default: return "unknown";
	}
}

/* Are base's layers the first layers of img (and fewer than all of them)? */
static bool is_prefix(const struct kmend_image *base, const struct kmend_image *img)
{
	if (base->nlayers == 0 || base->nlayers > img->nlayers)
		return false;
	for (size_t i = 0; i < base->nlayers; i++)
		if (strcmp(base->diff_ids[i], img->diff_ids[i]))
			return false;
	return true;
}

static int take_base(struct kmend_blame *out, enum kmend_blame_source source,
                     const struct kmend_image *base, const char *name)
{
	out->source = source;
	out->base_layers = base->nlayers;
	snprintf(out->base_digest, sizeof(out->base_digest), "%s",
	         base->manifest_digest[0] ? base->manifest_digest : base->digest);
	return (out->base_name = strdup(name)) ? 0 : -ENOMEM;
}

/* The annotated base: opened as NAME@DIGEST (NAME alone when the digest is absent). */
static int try_annotation(const struct kmend_image *img, const struct kmend_image_options *opts,
                          struct kmend_blame *out)
{
	_cleanup_free_ char *ref = NULL;
	struct kmend_image_ref parsed;
	struct kmend_image *base;
	struct kmend_error e;
	char msg[600];
	int r;

	if (!img->base_name || !img->base_name[0]) {
		if (img->base_digest[0])
			return kmend_warn(
			    &out->warnings, "base-unnamed",
			    "the base.digest annotation (%s) comes without base.name: "
			    "the base cannot be read",
			    img->base_digest);
		return 0;
	}
	if (strlen(img->base_name) > 4096)
		return kmend_warn(&out->warnings, "base-unreadable",
		                  "the base.name annotation is too long to be a reference");
	/* The image names it: only a registry reference is followed, never a local path. */
	if (kmend_image_ref_parse(img->base_name, &parsed, NULL) < 0 ||
	    strcmp(parsed.transport, "docker"))
		return kmend_warn(
		    &out->warnings, "base-unreadable",
		    "the base.name annotation is not a registry reference: not followed");
	if (asprintf(&ref, "%s%s%s", img->base_name,
	             img->base_digest[0] && !strchr(img->base_name, '@') ? "@" : "",
	             strchr(img->base_name, '@') ? "" : img->base_digest) < 0)
		return -ENOMEM;
	if ((r = kmend_image_open(ref, opts, &base, &e)) < 0) {
		if (r == -ENOMEM)
			return r;
		return kmend_warn(&out->warnings, "base-unreadable",
		                  "the base the annotations name (%s) cannot be read: %s", ref,
		                  kmend_error_format(&e, msg, sizeof(msg)));
	}
	if (!is_prefix(base, img)) {
		kmend_image_close(base);
		return kmend_warn(&out->warnings, "base-mismatch",
		                  "the base the annotations name (%s) is not the image's base: its "
		                  "layers are not the image's first layers",
		                  ref);
	}
	r = take_base(out, KMEND_BLAME_ANNOTATION, base, img->base_name);
	kmend_image_close(base);
	return r;
}

/* "CMD ..." or "ENTRYPOINT ...", as the builders write them ("/bin/sh -c #(nop)  CMD"). */
static bool is_start_instruction(const char *created_by)
{
	const char *s = created_by;

	if (!s)
		return false;
	if (!strncmp(s, "/bin/sh -c ", 11))
		s += 11;
	while (*s == ' ')
		s++;
	if (!strncmp(s, "#(nop)", 6))
		s += 6;
	while (*s == ' ')
		s++;
	if (!strncmp(s, "CMD", 3))
		s += 3;
	else if (!strncmp(s, "ENTRYPOINT", 10))
		s += 10;
	else
		return false;
	return *s == ' ' || *s == '\0';
}

long kmend_blame_history_boundary(const struct kmend_history_entry *h, size_t n, size_t nlayers,
                                  char *why, size_t why_size)
{
	size_t layers = 0, made = 0;
	long boundary = -1;
	bool layer_after = false;

	for (size_t i = 0; i < n; i++)
		made += !h[i].empty_layer;
	if (n == 0) {
		snprintf(why, why_size, "the image config has no history");
		return -1;
	}
	if (made != nlayers) {
		snprintf(why, why_size,
		         "the history lists %zu layers and the image has %zu: it does not describe "
		         "this image",
		         made, nlayers);
		return -1;
	}
	/* From the end: the last start instruction with a layer after it. */
	layers = nlayers;
	for (size_t i = n; i-- > 0;) {
		if (!h[i].empty_layer) {
			layer_after = true;
			layers--;
		} else if (layer_after && is_start_instruction(h[i].created_by)) {
			boundary = (long)layers;
			break;
		}
	}
	if (boundary < 0)
		snprintf(
		    why, why_size,
		    "the history has no CMD or ENTRYPOINT followed by more layers: it does not "
		    "show where the base ends");
	else if (boundary == 0)
		snprintf(why, why_size, "the history's base start command comes before any layer");
	return boundary > 0 ? boundary : -1;
}

int kmend_blame_image(const struct kmend_image *img, const struct kmend_image *base,
                      const struct kmend_image_options *opts, struct kmend_blame *out,
                      struct kmend_error *err)
{
	char why[256];
	long b;
	int r = 0;

	(void)err;
	memset(out, 0, sizeof(*out));
	out->source = KMEND_BLAME_UNKNOWN;
	out->nlayers = img->nlayers;
	if (!(out->diff_ids = calloc(img->nlayers + 1, sizeof(*out->diff_ids))))
		return -ENOMEM;
	memcpy(out->diff_ids, img->diff_ids, img->nlayers * sizeof(*out->diff_ids));
	if (base) {
		if (is_prefix(base, img))
			return take_base(out, KMEND_BLAME_OPTION, base, base->name);
		if ((r = kmend_warn(&out->warnings, "base-mismatch",
		                    "%s is not this image's base: its layers are not the image's "
		                    "first layers",
		                    base->name)) < 0)
			return r;
	}
	if (opts && (r = try_annotation(img, opts, out)) < 0)
		return r;
	if (out->source != KMEND_BLAME_UNKNOWN)
		return 0;
	b = kmend_blame_history_boundary(img->build.history, img->build.nhistory, img->nlayers, why,
	                                 sizeof(why));
	if (b < 0)
		return kmend_warn(&out->warnings, "base-unknown",
		                  "the base layers cannot be told: %s; name the base with --base",
		                  why);
	out->source = KMEND_BLAME_HISTORY;
	out->base_layers = (size_t)b;
	return 0;
}

void kmend_blame_package(const struct kmend_blame *b, const struct kmend_package *p,
                         struct kmend_layer_blame *out)
{
	*out = (struct kmend_layer_blame){.index = -1};
	for (size_t i = 0; p && p->layer && i < b->nlayers; i++)
		if (!strcmp(b->diff_ids[i], p->layer)) {
			out->diff_id = b->diff_ids[i];
			out->index = (long)i;
			if (b->source != KMEND_BLAME_UNKNOWN)
				out->part =
				    i < b->base_layers ? KMEND_PART_BASE : KMEND_PART_APPLICATION;
			return;
		}
}

static int by_name(const void *key, const void *item)
{
	return strcmp(key, ((const struct kmend_package *)item)->name);
}

void kmend_blame_finding(const struct kmend_blame *b, const struct kmend_package_list *pkgs,
                         const struct kmend_finding *f, struct kmend_layer_blame *out)
{
	const struct kmend_package *p = NULL;

	if (pkgs && pkgs->count && f->package)
		p = bsearch(f->package, pkgs->items, pkgs->count, sizeof(*pkgs->items), by_name);
	kmend_blame_package(b, p, out);
}

void kmend_blame_describe(const struct kmend_blame *b, char *buf, size_t size)
{
	static const char *const told[] = {
	    [KMEND_BLAME_OPTION] = "named with --base",
	    [KMEND_BLAME_ANNOTATION] = "named by the image's annotations",
	    [KMEND_BLAME_HISTORY] = "told by the image's history",
	};
	char app[64] = "none";

	if (b->source == KMEND_BLAME_UNKNOWN) {
		snprintf(buf, size, "not known (%zu layers, none attributed)", b->nlayers);
		return;
	}
	if (b->base_layers < b->nlayers)
		snprintf(app, sizeof(app), "layers %zu-%zu", b->base_layers + 1, b->nlayers);
	snprintf(buf, size, "%s%s(%s), layers 1-%zu of %zu; application: %s",
	         b->base_name ? b->base_name : "", b->base_name ? " " : "", told[b->source],
	         b->base_layers, b->nlayers, app);
}

json_t *kmend_blame_json(struct kmend_jb *jb, const struct kmend_blame *b)
{
	json_t *o = kmend_jb_object(jb);
	bool known = b->source != KMEND_BLAME_UNKNOWN;

	kmend_jb_set_text(jb, o, "source", kmend_blame_source_name(b->source));
	kmend_jb_set(jb, o, "base", kmend_jb_text_or_null(jb, b->base_name));
	kmend_jb_set(jb, o, "base_digest", kmend_jb_text_or_null(jb, b->base_digest));
	kmend_jb_set(jb, o, "base_layers",
	             known ? kmend_jb_integer(jb, (long long)b->base_layers) : json_null());
	kmend_jb_set(jb, o, "layers", kmend_jb_integer(jb, (long long)b->nlayers));
	return o;
}

void kmend_blame_free(struct kmend_blame *b)
{
	if (!b)
		return;
	free(b->base_name);
	free(b->diff_ids);
	kmend_warnings_free(&b->warnings);
	memset(b, 0, sizeof(*b));
}
