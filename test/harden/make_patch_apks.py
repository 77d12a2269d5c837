#!/usr/bin/env python3
"""The apk repository and the old versions' files for test/harden/patch-apk.sh.

    make_patch_apks.py KEY.pem KEYNAME OUTDIR ARCH ROOTFS

Packages are written as test/fix/make_apk_repo.py writes them (its gzip members, signature and
index code are imported from it), with payloads of several entries: directories, files with
modes, symbolic links, and for busybox a .post-upgrade script. ROOTFS receives the old
versions' files and OUTDIR/installed the matching lib/apk/db/installed records (with the
Q1 SHA-1 of each file), /etc/zlib.conf changed by "the user" after installation.
"""
import base64
import hashlib
import io
import os
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fix"))
from make_apk_repo import gz, sign, tar_segment  # noqa: E402

key, keyname, outdir, arch, rootfs = sys.argv[1:6]

# name, version, origin, entries (path, kind, content-or-target, mode), scripts
OLD = [
    ("zlib", "1.2.13-r1", "zlib", [
        ("etc", "dir", None, 0o755),
        ("etc/zlib.conf", "file", b"level=6\n", 0o644),
        ("lib", "dir", None, 0o755),
        ("lib/libz.so.1.2.13", "file", b"zlib 1.2.13\n", 0o755),
        ("lib/libz.so.1", "link", "libz.so.1.2.13", 0o777),
        ("usr/share/zlib", "dir", None, 0o755),
        ("usr/share/zlib/old-only.txt", "file", b"only in 1.2.13\n", 0o644),
    ], {}),
    ("busybox", "1.36.1-r0", "busybox", [
        ("bin", "dir", None, 0o755),
        ("bin/busybox", "file", b"busybox 1.36.1-r0\n", 0o755),
    ], {}),
]
NEW = [
    ("zlib", "1.3.1-r0", "zlib", [
        ("etc", "dir", None, 0o755),
        ("etc/zlib.conf", "file", b"level=9\n", 0o644),
        ("lib", "dir", None, 0o755),
        ("lib/libz.so.1.3.1", "file", b"zlib 1.3.1\n", 0o755),
        ("lib/libz.so.1", "link", "libz.so.1.3.1", 0o777),
        ("usr/share/doc/zlib", "dir", None, 0o755),
        ("usr/share/doc/zlib/README", "file", b"zlib 1.3.1 readme\n", 0o644),
    ], {}),
    ("busybox", "1.36.1-r5", "busybox", [
        ("bin", "dir", None, 0o755),
        ("bin/busybox", "file", b"busybox 1.36.1-r5\n", 0o755),
    ], {".post-upgrade": b"#!/bin/sh\n# keep the applet links\n/bin/busybox --install -s\n"}),
]


def data_segment(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, kind, content, mode in entries:
            info = tarfile.TarInfo(path)
            info.mtime = 1700000000
            info.mode = mode
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == "link":
                info.type = tarfile.SYMTYPE
                info.linkname = content
                t.addfile(info)
            else:
                info.size = len(content)
                t.addfile(info, io.BytesIO(content))
    return gz(buf.getvalue())


def q1(data):
    return "Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode()


os.makedirs(os.path.join(outdir, arch), exist_ok=True)
index = []
for name, version, origin, entries, scripts in NEW:
    data = data_segment(entries)
    pkginfo = ("pkgname = %s\npkgver = %s\npkgdesc = %s for kmend's tests\narch = %s\n"
               "origin = %s\nsize = 8192\nlicense = MIT\ndatahash = %s\n" %
               (name, version, name, arch, origin, hashlib.sha256(data).hexdigest()))
    control = gz(tar_segment([(".PKGINFO", pkginfo.encode())] + sorted(scripts.items()), cut=True))
    apk = sign(key, keyname, control) + control + data
    with open(os.path.join(outdir, arch, "%s-%s.apk" % (name, version)), "wb") as f:
        f.write(apk)
    index.append("\n".join(["C:" + q1(control), "P:" + name, "V:" + version, "A:" + arch,
                            "S:%d" % len(apk), "I:8192", "T:%s for kmend's tests" % name,
                            "L:MIT", "o:" + origin]) + "\n")
text = ("\n".join(index) + "\n").encode()
body = gz(tar_segment([("DESCRIPTION", b"kmend patch test\n"), ("APKINDEX", text)], cut=False))
with open(os.path.join(outdir, arch, "APKINDEX.tar.gz"), "wb") as f:
    f.write(sign(key, keyname, body) + body)

# The image's side: the old versions' files and their installed records.
records = []
for name, version, origin, entries, _ in OLD:
    lines = ["C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "P:" + name, "V:" + version, "A:" + arch,
             "S:1", "I:1", "T:%s for kmend's tests" % name, "L:MIT", "o:" + origin]
    current = None
    for path, kind, content, mode in entries:
        full = os.path.join(rootfs, path)
        if kind == "dir":
            os.makedirs(full, exist_ok=True)
            lines.append("F:" + path)
            current = path
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        parent = os.path.dirname(path)
        if parent != current:
            lines.append("F:" + parent)
            current = parent
        lines.append("R:" + os.path.basename(path))
        if kind == "link":
            os.symlink(content, full)
            lines.append("Z:" + q1(content.encode()))
        else:
            with open(full, "wb") as f:
                f.write(content)
            os.chmod(full, mode)
            lines.append("Z:" + q1(content))
    records.append("\n".join(lines) + "\n")
with open(os.path.join(rootfs, "etc/zlib.conf"), "wb") as f:
    f.write(b"level=1  # the user's own\n")
with open(os.path.join(outdir, "installed"), "w") as f:
    f.write("\n".join(records) + "\n")
