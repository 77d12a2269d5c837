/* Writing a rewritten manifest: atomically, never onto the input unless asked, with a backup. */
#include "write_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

const char cli_output_options_help[] =
    "  -o, --output OUT  write the result to OUT, atomically (default: standard output)\n"
    "  -i, --in-place    replace FILE atomically, keeping the original beside it as\n"
    "                    FILE.orig (FILE.orig.1, .2... when that name is taken)\n";

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file that nobody had: O_EXCL, so an existing backup is never replaced. */
static int keep_backup(const char *path, mode_t mode, const char *data, size_t len, char **backup,
                       struct kmend_error *err)
{
	char *name = NULL;
	int fd = -EEXIST, r;

	for (unsigned i = 0; fd == -EEXIST && i < 1000; i++) {
		free(name);
		if ((i ? asprintf(&name, "%s.orig.%u", path, i)
		       : asprintf(&name, "%s.orig", path)) < 0)
			return kmend_error_set(err, -ENOMEM, path, 0, "out of memory");
		fd = kmend_create_private(name);
	}
	if (fd < 0) {
		r = kmend_error_set(err, fd, name, 0, "cannot create the backup: %s",
		                    strerror(-fd));
		free(name);
		return r;
	}
	if ((r = write_all(fd, data, len)) == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(name);
		kmend_error_set(err, r, name, 0, "cannot write the backup: %s", strerror(-r));
		free(name);
		return r;
	}
	*backup = name;
	return 0;
}

int cli_write_output(const char *path, const struct cli_output *o, const char *original,
                     size_t original_len, const char *data, size_t len, char **backup,
                     struct kmend_error *err)
{
	struct stat in, out;
	int r;

	*backup = NULL;
	if (!o->out && !o->in_place) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return kmend_error_set(err, -EIO, "standard output", 0, "cannot write");
		return 0;
	}
	if (o->out) {
		if (stat(path, &in) == 0 && stat(o->out, &out) == 0 && in.st_dev == out.st_dev &&
		    in.st_ino == out.st_ino) {
			kmend_error_set(err, -EINVAL, o->out, 0, "is the input file");
			kmend_error_hint(err, "use --in-place to replace it (with a backup)");
			return -EINVAL;
		}
		return kmend_write_file_atomic(o->out, data, len, 0644, err);
	}
	if (lstat(path, &in) < 0)
		return kmend_error_set(err, -errno, path, 0, "%s", strerror(errno));
	if (S_ISLNK(in.st_mode)) {
		kmend_error_set(err, -EINVAL, path, 0,
		                "is a symbolic link: replacing it would replace the link");
		kmend_error_hint(err, "give the file it points to, or write with -o");
		return -EINVAL;
	}
	if ((r = keep_backup(path, in.st_mode, original, original_len, backup, err)) < 0)
		return r;
	if ((r = kmend_write_file_atomic(path, data, len, in.st_mode & 07777, err)) < 0) {
		unlink(*backup);
		free(*backup);
		*backup = NULL;
	}
	return r;
}
