/* A small reader of tar headers: enough to find members of docker-archive and oci-archive files. */
#include "tarindex.h"
#include "array.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmend_limits.h"
#include "layer.h"

static int tar_bad(struct kmend_error *err, const char *path, uint64_t at, const char *why)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
	                       "not a valid tar archive at byte %llu: %s", (unsigned long long)at,
	                       why);
}

/* Octal (NUL/space terminated) or GNU base-256 numeric field. */
static int tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		for (i = 1; i < n; i++) {
			if (v >> 56)
				return -1;
			v = v << 8 | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	if (i < n && f[i] != '\0' && f[i] != ' ')
		return -1;
	*out = v;
	return 0;
}

static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -KMEND_E_BAD_INPUT;
		done += (size_t)r;
	}
	return 0;
}

static int add_member(struct kmend_tarindex *idx, const char *name, uint64_t off, uint64_t size)
{
	if (kmend_array_grow(&idx->members, &idx->capacity, idx->count, sizeof(*idx->members)) < 0)
		return -ENOMEM;
	if (!(idx->members[idx->count].name = strdup(name)))
		return -ENOMEM;
	idx->members[idx->count].offset = off;
	idx->members[idx->count].size = size;
	idx->count++;
	return 0;
}

/* The "path" record of a pax extended header, if any. */
static void pax_path(const char *rec, size_t len, char *out, size_t size)
{
	const char *p = rec, *end = rec + len;

	while (p < end) {
		char *after;
		unsigned long n = strtoul(p, &after, 10);
		if (n == 0 || after >= end || *after != ' ' || n > (size_t)(end - p))
			return;
		if ((size_t)(p + n - after) > 6 && strncmp(after + 1, "path=", 5) == 0) {
			size_t vlen = (size_t)(p + n - 1 - (after + 6));
			if (vlen < size) {
				memcpy(out, after + 6, vlen);
				out[vlen] = '\0';
			}
		}
		p += n;
	}
}

int kmend_tarindex_build(const char *path, struct kmend_tarindex *out, struct kmend_error *err)
{
	unsigned char h[512];
	char longname[KMEND_PATH_MAX] = "", name[KMEND_PATH_MAX];
	uint64_t off = 0, file_size;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return kmend_error_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "not a regular file");
	}
	file_size = (uint64_t)st.st_size;
	for (;;) {
		uint64_t size, sum, computed = 0;
		char type;

		if (off + 512 > file_size) {
			r = off == file_size && out->count ? 0
			                                   : tar_bad(err, path, off, "truncated");
			break;
		}
		if ((r = pread_full(fd, h, 512, off)) < 0) {
			r = tar_bad(err, path, off, "cannot read a header");
			break;
		}
		if (h[0] == 0) /* end-of-archive blocks */
			break;
		for (int i = 0; i < 512; i++)
			computed += (i >= 148 && i < 156) ? ' ' : h[i];
		if (tar_number(h + 124, 12, &size) < 0 || tar_number(h + 148, 8, &sum) < 0 ||
		    sum != computed) {
			r = tar_bad(err, path, off, "bad header checksum or size");
			break;
		}
		if (size > file_size - off - 512) {
			r = tar_bad(err, path, off, "a member runs past the end of the file");
			break;
		}
		type = (char)h[156];
		if (type == 'L' || type == 'x') {
			char *rec;
			if (size >= KMEND_PATH_MAX * 4) {
				r = tar_bad(err, path, off, "an extended header too large");
				break;
			}
			if (!(rec = malloc(size + 1)) || pread_full(fd, rec, size, off + 512) < 0) {
				free(rec);
				r = tar_bad(err, path, off, "cannot read an extended header");
				break;
			}
			rec[size] = '\0';
			if (type == 'L')
				snprintf(longname, sizeof(longname), "%s", rec);
			else
				pax_path(rec, size, longname, sizeof(longname));
			free(rec);
		} else {
			if (longname[0]) {
				snprintf(name, sizeof(name), "%s", longname);
			} else if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
				snprintf(name, sizeof(name), "%.155s/%.100s", (char *)h + 345,
				         (char *)h + 0);
			} else {
				snprintf(name, sizeof(name), "%.100s", (char *)h);
			}
			longname[0] = '\0';
			if (kmend_path_normalize(name) < 0) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
				                    "member '%.200s' escapes the archive's root",
				                    name);
				break;
			}
			if ((type == '0' || type == '\0') && name[0]) {
				if (out->count >= KMEND_TAR_MAX_MEMBERS) {
					r = kmend_error_set(err, -KMEND_E_TOO_LARGE, path, 0,
					                    "more than %d members",
					                    KMEND_TAR_MAX_MEMBERS);
					break;
				}
				if ((r = add_member(out, name, off + 512, size)) < 0)
					break;
			}
		}
		off += 512 + (size + 511) / 512 * 512;
	}
	close(fd);
	if (r < 0)
		kmend_tarindex_free(out);
	return r;
}

const struct kmend_tar_member *kmend_tarindex_find(const struct kmend_tarindex *idx,
                                                   const char *name)
{
	/* Later members replace earlier ones of the same name, as tar extraction does. */
	for (size_t i = idx->count; i-- > 0;)
		if (strcmp(idx->members[i].name, name) == 0)
			return &idx->members[i];
	return NULL;
}

void kmend_tarindex_free(struct kmend_tarindex *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->count; i++)
		free(idx->members[i].name);
	free(idx->members);
	memset(idx, 0, sizeof(*idx));
}
