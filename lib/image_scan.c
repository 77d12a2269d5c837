/* One image opened, inventoried and matched: what scan and fix both start from. */
#include "image_scan.h"

#include <stdio.h>
#include <string.h>

#include "distro.h"

int kmend_image_scan(const char *ref, const struct kmend_image_options *opts, const char *cache_dir,
                     struct kmend_vulndb *db, struct kmend_image_scan *out,
                     struct kmend_image **keep)
{
	struct kmend_error *err = &out->error;
	struct kmend_image *img;
	int r;

	memset(out, 0, sizeof(*out));
	if (keep)
		*keep = NULL;
	snprintf(out->name, sizeof(out->name), "%s", ref);
	if ((r = kmend_image_open(ref, opts, &img, err)) < 0) {
		out->failed = true;
		return r;
	}
	snprintf(out->name, sizeof(out->name), "%s", img->name);
	snprintf(out->digest, sizeof(out->digest), "%s", img->digest);
	snprintf(out->platform, sizeof(out->platform), "%s", img->platform);
	/* The run config outlives the image: taken, not copied. */
	out->run = img->run;
	memset(&img->run, 0, sizeof(img->run));
	if ((r = kmend_inventory_build(img, cache_dir, &out->inv, err)) < 0 ||
	    (r = kmend_match(db, &out->inv, &out->findings, err)) < 0) {
		out->failed = true;
	} else {
		if (!out->inv.os_found)
			kmend_warn(
			    &out->warnings, "no-os",
			    "OS not detected (no os-release or release file): nothing to match");
		else if (kmend_distro_ecosystem(&out->inv.os, NULL, out->ecosystem,
		                                sizeof(out->ecosystem)) < 0)
			out->ecosystem[0] = '\0';
		kmend_warnings_add_all(&out->warnings, &out->inv.warnings);
		kmend_warnings_add_all(&out->warnings, &out->findings.warnings);
	}
	if (keep && r == 0)
		*keep = img;
	else
		kmend_image_close(img);
	return r;
}

void kmend_image_scan_free(struct kmend_image_scan *s)
{
	if (!s)
		return;
	kmend_findings_free(&s->findings);
	kmend_inventory_free(&s->inv);
	kmend_warnings_free(&s->warnings);
	kmend_image_run_config_free(&s->run);
	memset(s, 0, sizeof(*s));
}
