/* kmend fix's options, for a command that runs fix on the user's behalf (kmend apply). */
#ifndef KMEND_FIX_OPTIONS_H
#define KMEND_FIX_OPTIONS_H

#include <getopt.h>

/* fix's long options (NULL-terminated) and getopt short options, as fix parses them. */
extern const struct option cli_fix_options[];
extern const char cli_fix_short_options[];

#endif
