/* The package list: add, sort, free. */
#include "package.h"
#include "array.h"
#include "cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"

const char *kmend_package_type_name(enum kmend_package_type type)
{
	switch (type) {
	case KMEND_PKG_DEB: return "deb";
	case KMEND_PKG_APK: return "apk";
	case KMEND_PKG_RPM: return "rpm";
	}
	return "unknown";
}

static void package_free(struct kmend_package *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->source);
	free(p->source_version);
	free(p->source_rpm);
	free(p->modularity_label);
	free(p->layer);
}

int kmend_package_list_add(struct kmend_package_list *list, const struct kmend_package *pkg)
{
	struct kmend_package *p;
	int failed = 0;

	if (list->count >= KMEND_MAX_PACKAGES)
		return -KMEND_E_TOO_LARGE;
	if (kmend_array_grow(&list->items, &list->capacity, list->count, sizeof(*list->items)) < 0)
		return -ENOMEM;
	p = &list->items[list->count];
	memset(p, 0, sizeof(*p));
	p->type = pkg->type;
	p->name = kmend_strdup_or_null(pkg->name, &failed);
	p->version = kmend_strdup_or_null(pkg->version, &failed);
	p->arch = kmend_strdup_or_null(pkg->arch, &failed);
	p->source = kmend_strdup_or_null(pkg->source ? pkg->source : pkg->name, &failed);
	p->source_version =
	    kmend_strdup_or_null(pkg->source_version ? pkg->source_version : pkg->version, &failed);
	p->source_rpm = kmend_strdup_or_null(pkg->source_rpm, &failed);
	p->modularity_label = kmend_strdup_or_null(pkg->modularity_label, &failed);
	p->layer = kmend_strdup_or_null(pkg->layer, &failed);
	if (failed) {
		package_free(p);
		return -ENOMEM;
	}
	list->count++;
	return 0;
}

int kmend_package_list_add_spans(struct kmend_package_list *list, enum kmend_package_type type,
                                 struct kmend_span name, struct kmend_span version,
                                 struct kmend_span arch, struct kmend_span source,
                                 struct kmend_span source_version)
{
	struct kmend_span spans[] = {name, version, arch, source, source_version};
	char *s[5] = {NULL};
	int r = 0;

	for (size_t i = 0; i < 5; i++)
		if (spans[i].len && !(s[i] = kmend_span_dup(spans[i])))
			r = -ENOMEM;
	if (r == 0)
		r = kmend_package_list_add(list, &(struct kmend_package){
		                                     .type = type,
		                                     .name = s[0],
		                                     .version = s[1],
		                                     .arch = s[2],
		                                     .source = s[3],
		                                     .source_version = s[4],
		                                 });
	for (size_t i = 0; i < 5; i++)
		free(s[i]);
	return r;
}

void kmend_package_list_skip(struct kmend_package_list *list, const char *source, long line,
                             const char *reason)
{
	if (list->skipped++ > 0)
		return;
	if (line > 0)
		snprintf(list->skip_reason, sizeof(list->skip_reason), "%s:%ld: %s", source, line,
		         reason);
	else
		snprintf(list->skip_reason, sizeof(list->skip_reason), "%s: %s", source, reason);
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int package_order(const void *pa, const void *pb)
{
	const struct kmend_package *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	if (r == 0)
		r = strcmp_null(a->version, b->version);
	if (r == 0)
		r = strcmp_null(a->arch, b->arch);
	return r;
}

void kmend_package_list_sort(struct kmend_package_list *list)
{
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(list->items[0]), package_order);
}

int kmend_package_list_set_layer(struct kmend_package_list *list, const char *layer)
{
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].layer)
			continue;
		list->items[i].layer = strdup(layer);
		if (!list->items[i].layer)
			return -ENOMEM;
	}
	return 0;
}

int kmend_package_list_take(struct kmend_package_list *to, struct kmend_package_list *from)
{
	for (size_t i = 0; i < from->count; i++) {
		if (kmend_array_grow(&to->items, &to->capacity, to->count, sizeof(*to->items)) < 0)
			return -ENOMEM;
		to->items[to->count++] = from->items[i];
	}
	if (!to->skipped && from->skipped)
		memcpy(to->skip_reason, from->skip_reason, sizeof(to->skip_reason));
	to->skipped += from->skipped;
	free(from->items);
	memset(from, 0, sizeof(*from));
	return 0;
}

void kmend_package_list_free(struct kmend_package_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		package_free(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
