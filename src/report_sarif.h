/* SARIF output of kmend scan. */
#ifndef KMEND_REPORT_SARIF_H
#define KMEND_REPORT_SARIF_H

#include <jansson.h>

/*
 * A SARIF 2.1.0 log of scan's JSON results (the "results" array): one rule per
 * vulnerability id, one result per finding, located in the manifest file (or
 * the image) and named by workload and container. Returns a new reference.
 */
json_t *kmend_sarif_from_results(json_t *results, const char *version);

#endif
