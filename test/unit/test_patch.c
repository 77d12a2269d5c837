/*
 * The patch strategy's pieces: the maintainer-script review (a table of scripts), the package
 * file readers (.deb and .apk made here with the layer writer, the real EL9 .rpm of
 * test/fixtures/repo; every truncation, hostile members and paths), and the layer writer
 * (its diff_id and digest checked against the bytes it wrote).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "fsutil.h"
#include "image_patch_internal.h"
#include "layer_write.h"
#include "pkgfile.h"
#include "stream.h"
#include "version.h"

static const char *fixtures; /* test/fixtures */
static char tmp[256];

/* Scripts: NULL (places files only, for an upgrade from 1.2-1) or the line that does more. */
static void test_script_review(void **state)
{
	static const struct {
		const char *script;
		const char *why; /* a part of the note, or NULL */
	} cases[] = {
	    {"", NULL},
	    {"#!/bin/sh\nset -e\n# comment\n\n", NULL},
	    {"#!/bin/sh\nset -e\nldconfig\n", NULL},
	    {"#!/bin/sh\nif [ \"$1\" = \"configure\" ]; then\n\tldconfig\nfi\n", NULL},
	    {"#!/bin/sh\ncase \"$1\" in\n  configure|abort-upgrade)\n    ;;\n  *)\n    echo "
	     "\"unknown argument\" >&2\n    exit 1\n    ;;\nesac\nexit 0\n",
	     NULL},
	    /* dpkg-maintscript-helper for versions older than the one upgraded from: nothing. */
	    {"dpkg-maintscript-helper symlink_to_dir /usr/share/doc/x y 1.0-1 x -- \"$@\"\n", NULL},
	    {"dpkg-maintscript-helper rm_conffile /etc/x 1.2\\~ -- \"$@\"\n", NULL},
	    {"dpkg-maintscript-helper supports rm_conffile\n", NULL},
	    /* ... for this upgrade, or on every upgrade: it acts. */
	    {"dpkg-maintscript-helper rm_conffile /etc/x 1.3 -- \"$@\"\n",
	     "line 1 runs dpkg-maint"},
	    {"dpkg-maintscript-helper rm_conffile /etc/x -- \"$@\"\n", "line 1"},
	    {"#!/bin/sh\nset -e\nadduser --system _x\n", "line 3 runs adduser --system _x"},
	    {"if [ \"$1\" = configure ]; then\n  update-alternatives --install /a b c 10\nfi\n",
	     "line 2 runs update-alternatives"},
	    /* A test of $1 that runs a command is not only a test. */
	    {"if [ \"$1\" = \"$(id -u)\" ]; then\n  true\nfi\n", "line 1"},
	    {"echo `rm -rf /x` >&2\n", "line 1"},
	    {"systemctl daemon-reload\n", "line 1 runs systemctl daemon-reload"},
	    /* What the note quotes cannot reach a terminal as control bytes. */
	    {"printf \033[31m\n", "\\x1b"},
	};
	char why[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got =
		    patch_script_review(cases[i].script, strlen(cases[i].script), "1.2-1",
		                        &kmend_version_deb, why, sizeof(why));
		if (!cases[i].why) {
			if (got)
				fail_msg("case %zu: expected nothing, got %s", i, got);
			continue;
		}
		if (!got || !strstr(got, cases[i].why))
			fail_msg("case %zu: expected '%s', got %s", i, cases[i].why,
			         got ? got : "NULL");
	}
}

/* A gzip'd tar of entries, written with the layer writer, read back into memory. */
struct entry {
	enum kmend_pkgfile_kind kind;
	const char *path, *content;
};

static char *make_tar(const struct entry *e, size_t n, size_t *len)
{
	struct kmend_layer_writer *w;
	struct kmend_layer_written out;
	char path[300], *data;
	int r;

	snprintf(path, sizeof(path), "%s/tar.%d", tmp, rand());
	assert_int_equal(kmend_layer_writer_open(path, 1, &w, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		struct kmend_pkgfile_entry pe = {
		    .kind = e[i].kind,
		    .path = e[i].path,
		    .target = e[i].kind == KMEND_PKGFILE_FILE || e[i].kind == KMEND_PKGFILE_DIR
		                  ? NULL
		                  : e[i].content,
		    .perm = e[i].kind == KMEND_PKGFILE_DIR ? 0755 : 0644,
		    .size = e[i].kind == KMEND_PKGFILE_FILE ? strlen(e[i].content) : 0,
		};
		assert_int_equal(kmend_layer_writer_add(w, &pe, NULL, e[i].content, NULL), 0);
	}
	assert_int_equal(kmend_layer_writer_finish(w, &out, NULL), 0);
	kmend_layer_writer_free(w);
	r = kmend_read_file(path, 1 << 24, &data, len, NULL);
	unlink(path);
	assert_int_equal(r, 0);
	return data;
}

/* An ar archive of (name, bytes) members, as dpkg-deb writes one. */
static char *make_ar(const char *const *names, char *const *data, const size_t *lens, size_t n,
                     size_t *len)
{
	size_t cap = 8;
	char *out;

	for (size_t i = 0; i < n; i++)
		cap += 60 + lens[i] + 1;
	out = calloc(1, cap);
	memcpy(out, "!<arch>\n", 8);
	*len = 8;
	for (size_t i = 0; i < n; i++) {
		char h[61];
		snprintf(h, sizeof(h), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", names[i], "0", "0", "0",
		         "100644", lens[i]);
		memcpy(out + *len, h, 60);
		memcpy(out + *len + 60, data[i], lens[i]);
		*len += 60 + lens[i];
		if (lens[i] & 1)
			out[(*len)++] = '\n';
	}
	return out;
}

static const struct entry control_entries[] = {
    {KMEND_PKGFILE_FILE, "./control",
     "Package: kmend-test\nVersion: 1:2.0-3\nArchitecture: amd64\nDescription: a test\n"},
    {KMEND_PKGFILE_FILE, "./md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/share/x\n"},
    {KMEND_PKGFILE_FILE, "./postinst", "#!/bin/sh\nldconfig\n"},
};

static const struct entry data_entries[] = {
    {KMEND_PKGFILE_DIR, "./usr/", NULL},
    {KMEND_PKGFILE_DIR, "./usr/share/", NULL},
    {KMEND_PKGFILE_FILE, "./usr/share/x", "hello\n"},
    {KMEND_PKGFILE_SYMLINK, "./usr/share/y", "x"},
    {KMEND_PKGFILE_HARDLINK, "./usr/share/z", "usr/share/x"},
};

static char *make_deb(const struct entry *data, size_t ndata, size_t *len)
{
	const char *names[] = {"debian-binary", "control.tar.gz", "data.tar.gz"};
	char *parts[3];
	size_t lens[3];
	char *deb;

	parts[0] = strdup("2.0\n");
	lens[0] = 4;
	parts[1] = make_tar(control_entries, 3, &lens[1]);
	parts[2] = make_tar(data, ndata, &lens[2]);
	deb = make_ar(names, parts, lens, 3, len);
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	return deb;
}

struct seen {
	char paths[16][64];
	enum kmend_pkgfile_kind kinds[16];
	char content[64];
	size_t n;
};

static int remember(void *ctx, const struct kmend_pkgfile_entry *e, struct kmend_pkgfile_data *d,
                    struct kmend_error *err)
{
	struct seen *s = ctx;

	if (s->n < 16) {
		snprintf(s->paths[s->n], 64, "%s", e->path);
		s->kinds[s->n] = e->kind;
		if (e->kind == KMEND_PKGFILE_FILE && !s->content[0] &&
		    kmend_pkgfile_read(d, s->content, sizeof(s->content) - 1, err) < 0)
			return -1;
		s->n++;
	}
	return 0;
}

static void test_deb(void **state)
{
	struct kmend_pkgfile pf;
	struct seen s = {0};
	size_t len;
	char *deb = make_deb(data_entries, 5, &len);

	(void)state;
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, deb, len, "t.deb", &pf, NULL), 0);
	assert_string_equal(pf.name, "kmend-test");
	assert_string_equal(pf.version, "1:2.0-3");
	assert_string_equal(pf.arch, "amd64");
	assert_non_null(kmend_pkgfile_member(&pf, "md5sums"));
	assert_string_equal(kmend_pkgfile_member(&pf, "postinst")->data, "#!/bin/sh\nldconfig\n");
	assert_int_equal(kmend_pkgfile_walk(&pf, remember, &s, NULL), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.paths[0], "usr");
	assert_string_equal(s.paths[2], "usr/share/x");
	assert_string_equal(s.content, "hello\n");
	assert_int_equal(s.kinds[3], KMEND_PKGFILE_SYMLINK);
	assert_int_equal(s.kinds[4], KMEND_PKGFILE_HARDLINK);
	kmend_pkgfile_free(&pf);

	/* Every truncation fails, in open or in the walk, and never reads past the end. */
	for (size_t n = 0; n < len; n++) {
		char *cut = malloc(n ? n : 1);
		struct kmend_error err = {0};
		struct seen t = {0};
		int r;
		memcpy(cut, deb, n);
		r = kmend_pkgfile_open(&kmend_pkgfile_deb, cut, n, "cut.deb", &pf, &err);
		if (r == 0) {
			r = kmend_pkgfile_walk(&pf, remember, &t, &err);
			kmend_pkgfile_free(&pf);
		}
		if (r >= 0)
			fail_msg("a .deb cut to %zu of %zu bytes was read whole", n, len);
		free(cut);
	}
	free(deb);
}

static void test_deb_hostile(void **state)
{
	static const struct entry escape[] = {{KMEND_PKGFILE_FILE, "./usr/../../etc/passwd", "x"}};
	static const struct entry link_out[] = {
	    {KMEND_PKGFILE_HARDLINK, "./usr/h", "../../etc/shadow"}};
	struct kmend_pkgfile pf;
	struct kmend_error err = {0};
	struct seen s = {0};
	size_t len;
	char *deb;

	(void)state;
	deb = make_deb(escape, 1, &len);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, deb, len, "t.deb", &pf, &err), 0);
	assert_int_equal(kmend_pkgfile_walk(&pf, remember, &s, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "climbs out of the root"));
	kmend_pkgfile_free(&pf);
	free(deb);

	deb = make_deb(link_out, 1, &len);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, deb, len, "t.deb", &pf, &err), 0);
	assert_int_equal(kmend_pkgfile_walk(&pf, remember, &s, &err), -KMEND_E_BAD_INPUT);
	kmend_pkgfile_free(&pf);

	/* An ar member claiming more bytes than the file has. */
	memcpy(deb + 8 + 48, "999999999 ", 10);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, deb, len, "t.deb", &pf, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "runs past the end"));
	/* Not debian-binary first. */
	memcpy(deb + 8, "control.tar.gz  ", 16);
	memcpy(deb + 8 + 48, "4         ", 10);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, deb, len, "t.deb", &pf, &err),
	                 -KMEND_E_UNSUPPORTED);
	/* Not an ar archive at all. */
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_deb, "hello", 5, "t.deb", &pf, &err),
	                 -KMEND_E_BAD_INPUT);
	free(deb);
}

static void test_apk(void **state)
{
	static const struct entry control[] = {
	    {KMEND_PKGFILE_FILE, ".PKGINFO", "pkgname = zlib\npkgver = 1.3-r0\narch = x86_64\n"},
	    {KMEND_PKGFILE_FILE, ".post-upgrade", "#!/bin/sh\n"},
	};
	static const struct entry data[] = {
	    {KMEND_PKGFILE_DIR, "lib", NULL},
	    {KMEND_PKGFILE_FILE, "lib/libz.so.1.3", "z"},
	};
	struct kmend_pkgfile pf;
	size_t a, b;
	char *c = make_tar(control, 2, &a), *d = make_tar(data, 2, &b), *apk = malloc(a + b);

	(void)state;
	/* Two gzip members laid end to end: the control part, then the payload (abuild cuts the
	   control tar's end blocks, which this one keeps; test/harden/patch-apk.sh reads real
	   cut segments). */
	memcpy(apk, c, a);
	memcpy(apk + a, d, b);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_apk, apk, a + b, "t.apk", &pf, NULL), 0);
	assert_string_equal(pf.name, "zlib");
	assert_string_equal(pf.version, "1.3-r0");
	assert_non_null(kmend_pkgfile_member(&pf, ".post-upgrade"));
	kmend_pkgfile_free(&pf);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_apk, d, b, "t.apk", &pf, NULL),
	                 -KMEND_E_BAD_INPUT); /* no .PKGINFO */
	free(apk);
	free(c);
	free(d);
}

static void test_rpm(void **state)
{
	char path[1024], *data;
	struct kmend_pkgfile pf;
	struct kmend_error err = {0};
	struct seen s = {0};
	size_t len;
	bool lib = false;

	(void)state;
	snprintf(path, sizeof(path), "%s/repo/el9-bzip2/bzip2-libs-1.0.8-18.el9.x86_64.rpm",
	         fixtures);
	assert_int_equal(kmend_read_file(path, 1 << 24, &data, &len, NULL), 0);
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_rpm, data, len, path, &pf, &err), 0);
	assert_string_equal(pf.name, "bzip2-libs");
	assert_string_equal(pf.version, "1.0.8-18.el9");
	assert_string_equal(pf.arch, "x86_64");
	assert_int_equal(kmend_pkgfile_walk(&pf, remember, &s, &err), 0);
	for (size_t i = 0; i < s.n; i++)
		lib |= !strcmp(s.paths[i], "usr/lib64/libbz2.so.1.0.8");
	assert_true(lib);
	kmend_pkgfile_free(&pf);
	/* A signature header claiming more entries than librpm allows, or more bytes than the
	   file: refused before anything reads them. */
	data[96 + 8] = 0x7f;
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_rpm, data, len, path, &pf, &err),
	                 -KMEND_E_TOO_LARGE);
	data[96 + 8] = 0;
	assert_int_equal(kmend_pkgfile_open(&kmend_pkgfile_rpm, data, 400, path, &pf, &err),
	                 -KMEND_E_BAD_INPUT);
	free(data);
}

/* The layer's digest is the file's; its diff_id the decompressed tar's. */
static void test_layer_writer(void **state)
{
	struct kmend_layer_writer *w;
	struct kmend_layer_written out;
	struct kmend_istream *in, *plain;
	char path[300], digest[KMEND_DIGEST_MAX], *file, *tar;
	size_t len, tlen;
	struct kmend_pkgfile_entry e = {
	    .kind = KMEND_PKGFILE_FILE, .path = "usr/bin/x", .perm = 04755, .size = 3};

	(void)state;
	snprintf(path, sizeof(path), "%s/layer.tar.gz", tmp);
	assert_int_equal(kmend_layer_writer_open(path, 1, &w, NULL), 0);
	assert_int_equal(kmend_layer_writer_add(w, &e, NULL, "abc", NULL), 0);
	assert_int_equal(kmend_layer_writer_whiteout(w, "usr/lib/old.so", NULL), 0);
	assert_int_equal(kmend_layer_writer_finish(w, &out, NULL), 0);
	kmend_layer_writer_free(w);
	assert_int_equal(out.entries, 1);
	assert_int_equal(out.whiteouts, 1);
	assert_int_equal(kmend_read_file(path, 1 << 24, &file, &len, NULL), 0);
	kmend_digest_of(file, len, digest);
	assert_string_equal(digest, out.digest);
	assert_int_equal(len, out.size);
	assert_int_equal(kmend_istream_open_memory(file, len, &in), 0);
	assert_int_equal(kmend_istream_decompress(in, "layer", &plain, NULL), 0);
	assert_int_equal(kmend_istream_slurp(plain, 1 << 24, "layer", &tar, &tlen, NULL), 0);
	kmend_istream_close(plain);
	kmend_digest_of(tar, tlen, digest);
	assert_string_equal(digest, out.diff_id);
	assert_int_equal(tlen, out.tar_size);
	assert_non_null(memmem(tar, tlen, "usr/lib/.wh.old.so", 18));
	free(tar);
	free(file);
	/* An unfinished layer leaves no file behind. */
	assert_int_equal(kmend_layer_writer_open(path, 1, &w, NULL), -EEXIST);
	unlink(path);
	assert_int_equal(kmend_layer_writer_open(path, 1, &w, NULL), 0);
	kmend_layer_writer_free(w);
	assert_int_equal(access(path, F_OK), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_script_review), cmocka_unit_test(test_deb),
	    cmocka_unit_test(test_deb_hostile),   cmocka_unit_test(test_apk),
	    cmocka_unit_test(test_rpm),           cmocka_unit_test(test_layer_writer),
	};
	static char dir[1024];
	int r;

	/* argv[2] is test/fixtures/pkgdb (test/meson.build): its parent holds repo/. */
	snprintf(dir, sizeof(dir), "%s/..", argc > 2 ? argv[2] : "test/fixtures/pkgdb");
	fixtures = dir;
	snprintf(tmp, sizeof(tmp), "/tmp/kmend-test-patch-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	r = cmocka_run_group_tests_name("patch", tests, NULL, NULL);
	rmdir(tmp);
	return r;
}
