#!/usr/bin/env python3
"""Write a tar to standard output, deterministically, without holding its content in memory.

    tarstream.py DIGEST_FILE [COUNT*]NAME:SIZE[:TEXT] ...

Each argument is one regular file entry: NAME of SIZE bytes (a number, or with a K, M or G
suffix), starting with TEXT (backslash escapes \\n and \\t understood) and padded with newlines.
A NAME may repeat: the tar then holds it several times, as a hostile layer would. With COUNT*,
the entry is written COUNT times, "{n}" in NAME numbered from 1. Entries have
mode 0644, owner 0, time 0. The SHA-256 of the whole tar is written to DIGEST_FILE as
"sha256:<hex>" (the layer's diff_id), so that the caller need not read a huge tar again.
"""
import hashlib
import sys
import tarfile

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size_of(text):
    if text[-1:] in UNITS:
        return int(text[:-1]) * UNITS[text[-1]]
    return int(text)


class Padded:
    """A file object of size bytes: head, then newlines, made as it is read."""

    def __init__(self, head, size):
        self.head, self.size, self.pos = head[:size], size, 0

    def read(self, n=-1):
        if n < 0 or n > self.size - self.pos:
            n = self.size - self.pos
        out = b""
        if self.pos < len(self.head):
            out = self.head[self.pos:self.pos + n]
        out += b"\n" * (n - len(out))
        self.pos += n
        return out


class Hashing:
    """Standard output, hashed as it is written."""

    def __init__(self, out):
        self.out, self.sha = out, hashlib.sha256()

    def write(self, data):
        self.sha.update(data)
        return self.out.write(data)

    def flush(self):
        self.out.flush()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = Hashing(sys.stdout.buffer)
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        for spec in sys.argv[2:]:
            count, star, rest = spec.partition("*")
            if not star or not count.isdigit():
                count, rest = "1", spec
            name, size, *text = rest.split(":", 2)
            head = (text[0] if text else "").encode().decode("unicode_escape").encode()
            for n in range(1, int(count) + 1):
                info = tarfile.TarInfo(name.replace("{n}", str(n)))
                info.size, info.mode, info.mtime = size_of(size), 0o644, 0
                tar.addfile(info, Padded(head, info.size))
    out.flush()
    with open(sys.argv[1], "w") as f:
        f.write("sha256:" + out.sha.hexdigest() + "\n")


if __name__ == "__main__":
    main()
