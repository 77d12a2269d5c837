/* Reader for "Key: value" text records separated by blank lines (dpkg status, apk installed). */
#ifndef KMEND_KVTEXT_H
#define KMEND_KVTEXT_H

#include <stddef.h>

#include "span.h"

enum kvtext_item {
	KVTEXT_FIELD,      /* key and value are set */
	KVTEXT_END_RECORD, /* a blank line (or the end) closed a record that had fields */
	KVTEXT_MALFORMED,  /* a line with no ':' that continues nothing; line is set */
	KVTEXT_END,        /* no more input */
};

struct kvtext_reader {
	const char *p, *end;
	long line;     /* 1-based line of the item just returned */
	int in_record; /* a field has been seen since the last record end */
	struct kmend_span key, value;
};

void kvtext_init(struct kvtext_reader *r, const char *data, size_t len);

/*
 * The next item. Lines starting with a space or a tab continue the previous
 * field and are passed over (kmend needs no multi-line value). Keys and
 * values are trimmed of surrounding blanks; the views point into the data.
 */
enum kvtext_item kvtext_next(struct kvtext_reader *r);

#endif
