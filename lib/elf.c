/* ELF program headers and the dynamic section, read with bounds checks on every access. */
#include "elf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
	PT_LOAD = 1,
	PT_DYNAMIC = 2,
	PT_INTERP = 3,
	DT_NULL = 0,
	DT_NEEDED = 1,
	DT_STRTAB = 5,
	DT_STRSZ = 10,
};

/* A view of the file with its class and byte order. */
struct elf {
	const unsigned char *p;
	size_t len;
	bool is64, big;
};

static uint64_t get(const struct elf *e, size_t off, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)e->p[off + (e->big ? n - 1 - i : i)] << (8 * i);
	return v;
}

static bool in_file(const struct elf *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

bool kmend_elf_magic(const void *data, size_t len)
{
	return len >= 4 && !memcmp(data, "\177ELF", 4);
}

struct phdr {
	uint64_t type, offset, vaddr, filesz;
};

static struct phdr phdr_at(const struct elf *e, size_t off)
{
	struct phdr h;

	h.type = get(e, off, 4);
	if (e->is64) {
		h.offset = get(e, off + 8, 8);
		h.vaddr = get(e, off + 16, 8);
		h.filesz = get(e, off + 32, 8);
	} else {
		h.offset = get(e, off + 4, 4);
		h.vaddr = get(e, off + 8, 4);
		h.filesz = get(e, off + 16, 4);
	}
	return h;
}

static int bad(struct kmend_error *err, const char *name, const char *what)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "ELF file: %s", what);
}

/* The file offset of a virtual address, through the PT_LOAD segments; -1 when none maps it. */
static int64_t file_offset(const struct elf *e, size_t phoff, size_t phentsize, size_t phnum,
                           uint64_t vaddr)
{
	for (size_t i = 0; i < phnum; i++) {
		struct phdr h = phdr_at(e, phoff + i * phentsize);
		if (h.type == PT_LOAD && vaddr >= h.vaddr && vaddr - h.vaddr < h.filesz &&
		    h.offset + (vaddr - h.vaddr) <= e->len)
			return (int64_t)(h.offset + (vaddr - h.vaddr));
	}
	return -1;
}

static int add_needed(struct kmend_elf_info *out, const char *s, size_t n)
{
	char **bigger;

	if (out->nneeded == KMEND_ELF_MAX_NEEDED)
		return 0;
	if (!(bigger = realloc(out->needed, (out->nneeded + 2) * sizeof(char *))))
		return -ENOMEM;
	out->needed = bigger;
	if (!(bigger[out->nneeded] = strndup(s, n)))
		return -ENOMEM;
	bigger[++out->nneeded] = NULL;
	return 0;
}

/* DT_NEEDED of the dynamic segment at [off, off + size). */
static int read_dynamic(const struct elf *e, size_t phoff, size_t phentsize, size_t phnum,
                        uint64_t off, uint64_t size, const char *name, struct kmend_elf_info *out,
                        struct kmend_error *err)
{
	size_t ent = e->is64 ? 16 : 8, w = e->is64 ? 8 : 4;
	uint64_t strtab = 0, strsz = 0, n = size / ent;
	int64_t stroff;
	bool have_strtab = false;

	if (!in_file(e, off, size))
		return bad(err, name, "the dynamic section lies outside the file");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag = get(e, off + i * ent, w), val = get(e, off + i * ent + w, w);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			strtab = val;
			have_strtab = true;
		} else if (tag == DT_STRSZ) {
			strsz = val;
		}
	}
	if (!have_strtab)
		return 0;
	stroff = file_offset(e, phoff, phentsize, phnum, strtab);
	if (stroff < 0 || !in_file(e, (uint64_t)stroff, 0))
		return bad(err, name, "the dynamic string table lies outside the file");
	if (!in_file(e, (uint64_t)stroff, strsz))
		strsz = e->len - (uint64_t)stroff;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag = get(e, off + i * ent, w), val = get(e, off + i * ent + w, w);
		const char *s;
		size_t len;
		int r;
		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED)
			continue;
		if (val >= strsz)
			return bad(err, name,
			           "a needed library's name lies outside the string table");
		s = (const char *)e->p + stroff + val;
		len = strnlen(s, (size_t)(strsz - val));
		if ((r = add_needed(out, s, len)) < 0)
			return r;
	}
	return 0;
}

int kmend_elf_read(const void *data, size_t len, const char *name, struct kmend_elf_info *out,
                   struct kmend_error *err)
{
	struct elf e = {.p = data, .len = len};
	size_t phoff, phentsize, phnum;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!kmend_elf_magic(data, len))
		return 0;
	out->is_elf = true;
	if (len < 52 || (e.p[4] != 1 && e.p[4] != 2) || (e.p[5] != 1 && e.p[5] != 2))
		return bad(err, name, "a header that is cut short or of an unknown class");
	e.is64 = e.p[4] == 2;
	e.big = e.p[5] == 2;
	if (e.is64 && len < 64)
		return bad(err, name, "a header that is cut short");
	phoff = (size_t)get(&e, e.is64 ? 32 : 28, e.is64 ? 8 : 4);
	phentsize = (size_t)get(&e, e.is64 ? 54 : 42, 2);
	phnum = (size_t)get(&e, e.is64 ? 56 : 44, 2);
	if (phnum == 0)
		return 0;
	if (phentsize < (e.is64 ? 56u : 32u) || !in_file(&e, phoff, (uint64_t)phentsize * phnum))
		return bad(err, name, "program headers outside the file");
	for (size_t i = 0; i < phnum && r == 0; i++) {
		struct phdr h = phdr_at(&e, phoff + i * phentsize);
		if (h.type == PT_INTERP) {
			size_t n;
			if (!in_file(&e, h.offset, h.filesz) || h.filesz == 0) {
				r = bad(err, name, "the interpreter's name lies outside the file");
				break;
			}
			n = strnlen((const char *)e.p + h.offset, (size_t)h.filesz);
			if (n >= sizeof(out->interp))
				n = sizeof(out->interp) - 1;
			memcpy(out->interp, e.p + h.offset, n);
			out->interp[n] = '\0';
			out->dynamic = true;
		} else if (h.type == PT_DYNAMIC) {
			out->dynamic = true;
			r = read_dynamic(&e, phoff, phentsize, phnum, h.offset, h.filesz, name, out,
			                 err);
		}
	}
	if (r < 0)
		kmend_elf_info_free(out);
	return r;
}

void kmend_elf_info_free(struct kmend_elf_info *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	memset(e, 0, sizeof(*e));
}
