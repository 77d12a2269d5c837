/*
 * What an ELF file needs to run: its program interpreter (PT_INTERP) and the shared libraries
 * it names (DT_NEEDED). harden reads them from the application layers' files to say whether
 * the application would run on another base. The file is hostile input: every offset and size
 * is checked against the bytes there are.
 */
#ifndef KMEND_ELF_H
#define KMEND_ELF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum { KMEND_ELF_MAX_NEEDED = 256 };

struct kmend_elf_info {
	bool is_elf;
	bool dynamic;     /* has a PT_INTERP or a PT_DYNAMIC: needs a loader and libraries */
	char interp[256]; /* the interpreter ("/lib64/ld-linux-x86-64.so.2"), "" when none */
	char **needed;    /* DT_NEEDED names, NULL-terminated, owned; NULL when none */
	size_t nneeded;
};

/* True when data starts like an ELF file. */
bool kmend_elf_magic(const void *data, size_t len);

/*
 * Read an ELF file's interpreter and needed libraries (32 or 64 bits, either byte order).
 * Not an ELF file: 0 with is_elf false. name is used in errors: -KMEND_E_BAD_INPUT for
 * headers that point outside the file, -ENOMEM.
 */
int kmend_elf_read(const void *data, size_t len, const char *name, struct kmend_elf_info *out,
                   struct kmend_error *err);

void kmend_elf_info_free(struct kmend_elf_info *e);

#endif
