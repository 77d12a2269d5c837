/* Stream helpers and the file stream. */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void kmend_istream_close(struct kmend_istream *s)
{
	if (s)
		s->ops->close(s);
}

int kmend_istream_drain(struct kmend_istream *s, struct kmend_error *err)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = kmend_istream_read(s, buf, sizeof(buf))) > 0)
		;
	if (n < 0 && err)
		*err = s->err;
	return n < 0 ? (int)n : 0;
}

ssize_t kmend_istream_read_full(struct kmend_istream *s, void *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = kmend_istream_read(s, (char *)buf + done, size - done);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int kmend_istream_slurp(struct kmend_istream *s, size_t max, const char *what, char **out,
                        size_t *len, struct kmend_error *err)
{
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *bigger;
			if (cap >= max + 1) {
				free(buf);
				return kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
				                       "larger than kmend's limit of %zu bytes",
				                       max);
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if (!(bigger = realloc(buf, cap + 1))) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
		}
		r = kmend_istream_read(s, buf + n, cap - n);
		if (r < 0) {
			free(buf);
			if (err)
				*err = s->err;
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
		                       "larger than kmend's limit of %zu bytes", max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

struct file_stream {
	struct kmend_istream base;
	int fd;
	uint64_t remaining;
	char name[256];
};

static ssize_t file_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct file_stream *f = (struct file_stream *)s;
	ssize_t n;

	if (f->remaining == 0)
		return 0;
	if (size > f->remaining)
		size = (size_t)f->remaining;
	do
		n = read(f->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return kmend_error_set(&s->err, -errno, f->name, 0, "read failed: %s",
		                       strerror(errno));
	if (n == 0 && f->remaining != UINT64_MAX)
		return kmend_error_set(&s->err, -KMEND_E_BAD_INPUT, f->name, 0,
		                       "ends %llu bytes early", (unsigned long long)f->remaining);
	if (f->remaining != UINT64_MAX)
		f->remaining -= (uint64_t)n;
	return n;
}

static void file_close(struct kmend_istream *s)
{
	struct file_stream *f = (struct file_stream *)s;

	close(f->fd);
	free(f);
}

static const struct kmend_istream_ops file_ops = {
    .name = "file",
    .read = file_read,
    .close = file_close,
};

int kmend_istream_open_fd(int fd, const char *name, uint64_t offset, uint64_t length,
                          struct kmend_istream **out, struct kmend_error *err)
{
	struct file_stream *f;

	if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		int e = -errno;
		close(fd);
		return kmend_error_set(err, e, name, 0, "cannot seek: %s", strerror(-e));
	}
	if (!(f = calloc(1, sizeof(*f)))) {
		close(fd);
		return -ENOMEM;
	}
	f->base.ops = &file_ops;
	f->fd = fd;
	f->remaining = length;
	snprintf(f->name, sizeof(f->name), "%s", name);
	*out = &f->base;
	return 0;
}

int kmend_istream_open_file(const char *path, uint64_t offset, uint64_t length,
                            struct kmend_istream **out, struct kmend_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kmend_error_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return kmend_istream_open_fd(fd, path, offset, length, out, err);
}

struct memory_stream {
	struct kmend_istream base;
	const unsigned char *p, *end;
};

static ssize_t memory_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct memory_stream *m = (struct memory_stream *)s;
	size_t n = (size_t)(m->end - m->p) < size ? (size_t)(m->end - m->p) : size;

	memcpy(buf, m->p, n);
	m->p += n;
	return (ssize_t)n;
}

static void memory_close(struct kmend_istream *s)
{
	free(s);
}

static const struct kmend_istream_ops memory_ops = {
    .name = "memory",
    .read = memory_read,
    .close = memory_close,
};

int kmend_istream_open_memory(const void *data, size_t len, struct kmend_istream **out)
{
	struct memory_stream *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->base.ops = &memory_ops;
	m->p = data;
	m->end = m->p + len;
	*out = &m->base;
	return 0;
}
