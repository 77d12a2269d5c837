/* Private directories, files created without following links, and atomic replacement. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kmend_mkdir_p(const char *dir, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int kmend_default_cache_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg)
		n = snprintf(out, size, "%s/kmend", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.cache/kmend", home);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int kmend_create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

int kmend_atomic_begin(struct kmend_atomic_file *af, const char *path, mode_t mode,
                       struct kmend_error *err)
{
	struct stat sb;
	int fd;

	memset(af, 0, sizeof(*af));
	if (strlen(path) >= sizeof(af->path))
		return kmend_error_set(err, -ENAMETOOLONG, path, 0, "path too long");
	snprintf(af->path, sizeof(af->path), "%s", path);
	/* An existing file keeps its mode; a link there (maybe planted) lends none. */
	af->mode = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (sb.st_mode & 07777) : mode;
	/* A fixed suffix with the pid and a counter: O_EXCL makes a clash an error, not a hijack.
	 */
	for (unsigned i = 0;; i++) {
		snprintf(af->tmp, sizeof(af->tmp), "%s.kmend-tmp.%d.%u", path, (int)getpid(), i);
		if ((fd = kmend_create_private(af->tmp)) >= 0)
			break;
		if (fd != -EEXIST || i == 100)
			return kmend_error_set(err, fd, path, 0,
			                       "cannot create a file beside it: %s", strerror(-fd));
	}
	if (!(af->f = fdopen(fd, "w"))) {
		int e = -errno;
		close(fd);
		unlink(af->tmp);
		return kmend_error_set(err, e, path, 0, "cannot write: %s", strerror(-e));
	}
	return 0;
}

int kmend_atomic_commit(struct kmend_atomic_file *af, struct kmend_error *err)
{
	int e = 0;

	if (!af->f)
		return kmend_error_set(err, -EBADF, af->path, 0, "nothing open to commit");
	if (fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) < 0 ||
	    fchmod(fileno(af->f), af->mode) < 0)
		e = -(errno ? errno : EIO);
	if (fclose(af->f) != 0 && !e)
		e = -(errno ? errno : EIO);
	af->f = NULL;
	if (!e && rename(af->tmp, af->path) < 0)
		e = -errno;
	if (e) {
		unlink(af->tmp);
		return kmend_error_set(err, e, af->path, 0, "cannot write: %s", strerror(-e));
	}
	af->tmp[0] = '\0';
	return 0;
}

void kmend_atomic_abort(struct kmend_atomic_file *af)
{
	if (!af)
		return;
	if (af->f)
		fclose(af->f);
	af->f = NULL;
	if (af->tmp[0])
		unlink(af->tmp);
	af->tmp[0] = '\0';
}

int kmend_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            struct kmend_error *err)
{
	struct kmend_atomic_file af;
	int r;

	if ((r = kmend_atomic_begin(&af, path, mode, err)) < 0)
		return r;
	if (len && fwrite(data, len, 1, af.f) != 1) {
		kmend_atomic_abort(&af);
		return kmend_error_set(err, -EIO, path, 0, "cannot write: %s", strerror(errno));
	}
	return kmend_atomic_commit(&af, err);
}

int kmend_read_file(const char *path, size_t max, char **data, size_t *len, struct kmend_error *err)
{
	struct stat sb;
	size_t got = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = -errno;
		return kmend_error_set(err, e, path, 0, "%s",
		                       e == -ENOENT ? "no such file" : strerror(-e));
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "not a regular file");
	}
	if ((unsigned long long)sb.st_size > max) {
		close(fd);
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, path, 0,
		                       "%lld bytes, more than the %zu kmend reads",
		                       (long long)sb.st_size, max);
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		close(fd);
		return kmend_error_set(err, -ENOMEM, path, 0, "out of memory");
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return kmend_error_set(err, e, path, 0, "cannot read: %s", strerror(-e));
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}
