/*
 * The application's own files: what the application layers wrote that no package owns (dpkg's
 * info/NAME.list, apk's installed database) and that is not package-manager state, what a move
 * to another base copies with COPY --from, and which of them are dynamically linked.
 */
#ifndef KMEND_HARDEN_FILES_H
#define KMEND_HARDEN_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "elf.h"
#include "error.h"
#include "image.h"

struct kmend_app_file {
	char *path; /* image-relative */
	bool symlink;
	struct kmend_elf_info elf; /* regular files: is_elf, dynamic, interp, needed */
};

struct kmend_app_files {
	struct kmend_app_file *items; /* sorted by path */
	size_t count, capacity;
	char **copy;    /* what COPY --from takes ("/opt/hello-app", "/usr/local/bin/x"): a
	                   directory outside the system's hierarchy whole, else each file;
	                   NULL-terminated, owned */
	size_t dynamic; /* how many items are dynamically linked ELF files */
};

/*
 * Read the files of img's layers base_layers.. (the application's), whiteouts applied, and
 * the package databases of every layer (through the layer cache in cache_dir, NULL: none).
 * Errors: the layers' (-KMEND_E_TOO_LARGE past the image's kept-bytes cap), -ENOMEM.
 */
int kmend_app_files_read(struct kmend_image *img, size_t base_layers, const char *cache_dir,
                         struct kmend_app_files *out, struct kmend_error *err);

void kmend_app_files_free(struct kmend_app_files *f);

#endif
