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
	int multiline; /* set by the caller: a value spans its continuation lines (deb822) */
	int comments;  /* set by the caller: lines starting with '#' are skipped (sources) */
	struct kmend_span key, value;
};

void kvtext_init(struct kvtext_reader *r, const char *data, size_t len);

/*
 * The next item. Lines starting with a space or a tab continue the previous
 * field: passed over, or with multiline set, part of its value (the view then
 * runs from the first line's value to the end of the last continuation line,
 * newlines and leading blanks included). Keys and values are trimmed of
 * surrounding blanks; the views point into the data.
 */
enum kvtext_item kvtext_next(struct kvtext_reader *r);

#endif
