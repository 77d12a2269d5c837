#!/usr/bin/env python3
"""Write a signed apk repository the way abuild and apk index lay one out, for kmend's tests.

    make_apk_repo.py KEY.pem KEYNAME OUTDIR ARCH 'NAME|VERSION|ORIGIN[|DEPENDS[|PROVIDES]]'...

Each package is three gzip members laid end to end: a signature segment (.SIGN.RSA.KEYNAME,
RSA/SHA-1 over the control member), a control segment (.PKGINFO naming the SHA-256 of the data
member as datahash) and the data (one file). Segments are tar streams cut before their end
blocks, as abuild cuts them. OUTDIR/ARCH/APKINDEX.tar.gz lists them (C:Q1 is the base64
SHA-1 of each control member) and is signed the same way. DEPENDS and PROVIDES are
space-separated in apk's syntax. Deterministic: fixed mtimes, no randomness but the key.
"""
import base64
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile


def tar_segment(files, cut):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if cut:
        # Drop the two zero blocks (and record padding) after the last member.
        end = 0
        pos = 0
        while pos + 512 <= len(raw) and raw[pos:pos + 512] != b"\0" * 512:
            size = int(raw[pos + 124:pos + 136].rstrip(b"\0 ") or b"0", 8)
            pos += 512 + (size + 511) // 512 * 512
            end = pos
        raw = raw[:end]
    return raw


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def sign(key, keyname, member):
    sig = subprocess.run(["openssl", "dgst", "-sha1", "-sign", key], input=member,
                         capture_output=True, check=True).stdout
    return gz(tar_segment([(".SIGN.RSA." + keyname, sig)], cut=True))


def main():
    key, keyname, outdir, arch = sys.argv[1:5]
    os.makedirs(os.path.join(outdir, arch), exist_ok=True)
    index = []
    for spec in sys.argv[5:]:
        parts = spec.split("|", 4) + ["", ""]
        name, version, origin, depends, provides = parts[:5]
        data = gz(tar_segment([("usr/share/kmend-test/" + name, (name + " " + version + "\n").encode())],
                              cut=False))
        pkginfo = ("pkgname = %s\npkgver = %s\narch = %s\norigin = %s\nsize = 4096\n" %
                   (name, version, arch, origin))
        for d in depends.split():
            pkginfo += "depend = %s\n" % d
        for p in provides.split():
            pkginfo += "provides = %s\n" % p
        pkginfo += "datahash = %s\n" % hashlib.sha256(data).hexdigest()
        control = gz(tar_segment([(".PKGINFO", pkginfo.encode())], cut=True))
        apk = sign(key, keyname, control) + control + data
        with open(os.path.join(outdir, arch, "%s-%s.apk" % (name, version)), "wb") as f:
            f.write(apk)
        entry = ["C:Q1" + base64.b64encode(hashlib.sha1(control).digest()).decode(),
                 "P:" + name, "V:" + version, "A:" + arch, "S:%d" % len(apk), "I:4096",
                 "T:kmend test package", "o:" + origin]
        if depends:
            entry.append("D:" + depends)
        if provides:
            entry.append("p:" + provides)
        index.append("\n".join(entry) + "\n")
    text = ("\n".join(index) + "\n").encode()
    body = gz(tar_segment([("DESCRIPTION", b"kmend test\n"), ("APKINDEX", text)], cut=False))
    with open(os.path.join(outdir, arch, "APKINDEX.tar.gz"), "wb") as f:
        f.write(sign(key, keyname, body) + body)


if __name__ == "__main__":
    main()
