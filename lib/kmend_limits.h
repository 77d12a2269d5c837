/* Every limit on outside input, named once. */
#ifndef KMEND_LIMITS_H
#define KMEND_LIMITS_H

/* Longest version string accepted; real ones are well under 100 bytes. */
#define KMEND_VERSION_MAX_LEN 1024

/* Longest line read by line-oriented inputs (vercmp --batch). */
#define KMEND_LINE_MAX (64 * 1024)

#endif
