/* SARIF 2.1.0 from scan's JSON results, for code-scanning dashboards. */
#include "report_sarif.h"

#include <stdio.h>
#include <string.h>

/* SARIF levels and GitHub's security-severity scores for kmend's severities. */
static const char *sarif_level(const char *severity)
{
	if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
		return "error";
	if (!strcmp(severity, "medium"))
		return "warning";
	return "note";
}

static const char *security_severity(const char *severity)
{
	return !strcmp(severity, "critical") ? "9.5"
	       : !strcmp(severity, "high")   ? "8.0"
	       : !strcmp(severity, "medium") ? "5.5"
	       : !strcmp(severity, "low")    ? "2.0"
	                                     : "0.0";
}

json_t *kmend_sarif_from_results(json_t *results, const char *version)
{
	json_t *rules = json_array(), *out = json_array(), *seen = json_object(), *r, *f;
	size_t i, j;

	json_array_foreach(results, i, r)
	{
		json_t *wl = json_object_get(r, "workload");
		const char *target = json_string_value(json_object_get(r, "target"));
		const char *image = json_string_value(json_object_get(r, "image"));
		char where[1024];

		if (json_is_object(wl))
			snprintf(where, sizeof(where), "%s %s/%s container %s",
			         json_string_value(json_object_get(wl, "kind")),
			         json_string_value(json_object_get(wl, "namespace")),
			         json_string_value(json_object_get(wl, "name")),
			         json_string_value(json_object_get(r, "container")));
		else
			snprintf(where, sizeof(where), "image %s", image);
		json_array_foreach(json_object_get(r, "findings"), j, f)
		{
			const char *id = json_string_value(json_object_get(f, "id"));
			const char *sev = json_string_value(json_object_get(f, "severity"));
			const char *pkg = json_string_value(json_object_get(f, "package"));
			const char *fixed = json_string_value(json_object_get(f, "fixed"));
			char text[2048];

			if (!json_object_get(seen, id)) {
				json_object_set_new(seen, id, json_true());
				json_array_append_new(
				    rules,
				    json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s, s:[s,s]}}", "id", id,
				              "shortDescription", "text", id, "help", "text",
				              "A vulnerable OS package; see the "
				              "advisory for details.",
				              "properties", "security-severity",
				              security_severity(sev), "tags", "security",
				              "vulnerability"));
			}
			snprintf(text, sizeof(text), "%s %s in %s (%s): %s is installed, %s", id,
			         sev, pkg, where,
			         json_string_value(json_object_get(f, "installed")),
			         fixed ? "fixed in " : "no fix published yet");
			if (fixed)
				strncat(text, fixed, sizeof(text) - strlen(text) - 1);
			json_array_append_new(
			    out,
			    json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}}, s:[{s:s, s:s}]}]}",
			              "ruleId", id, "level", sarif_level(sev), "message", "text",
			              text, "locations", "physicalLocation", "artifactLocation",
			              "uri", target, "logicalLocations", "name", where, "kind",
			              json_is_object(wl) ? "resource" : "module"));
		}
	}
	json_decref(seen);
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}", "$schema",
	                 "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
	                 "runs", "tool", "driver", "name", "kmend", "version", version, "rules",
	                 rules, "results", out);
}
