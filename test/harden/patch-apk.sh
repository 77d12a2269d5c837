# The patch strategy on an Alpine image. Only Debian's mirror is reachable from these machines,
# so, as test/fix/packages_apk.sh does, the image is crafted (its files and lib/apk/db/installed
# records as apk writes them) and the signed repository is written as abuild and apk index
# write one (test/harden/make_patch_apks.py), served on 127.0.0.1. The image has no shell and
# no apk: the patch needs neither. What is checked: the versions kmend reads back, the files as
# umoci unpacks them (new ones, links moved, old ones whited out, a changed /etc file kept with
# the new one as .apk-new), the installed records (SHA-1 of each file), and a package whose
# .post-upgrade does more than place files said, with the rebuild preferred.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
. "$KMEND_SOURCE/test/harden/patch.bash"
harden_scratch

openssl genrsa -out "$w/test.rsa" 2048 2>/dev/null
openssl rsa -in "$w/test.rsa" -pubout -out "$w/test.rsa.pub" 2>/dev/null
r="$w/rootfs"
mkdir -p "$r/etc/apk/keys" "$r/lib/apk/db"
python3 "$KMEND_SOURCE/test/harden/make_patch_apks.py" "$w/test.rsa" test.rsa.pub "$w/mirror/v3.18/main" x86_64 "$r" ||
  { not_ok "write the apk repository and the old files"; done_testing; }
mv "$w/mirror/v3.18/main/installed" "$r/lib/apk/db/installed"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n' >"$r/etc/os-release"
printf 'https://dl-cdn.alpinelinux.org/alpine/v3.18/main\n' >"$r/etc/apk/repositories"
cp "$w/test.rsa.pub" "$r/etc/apk/keys/test.rsa.pub"
tar -C "$r" -cf "$w/layer.tar" . && gzip -n "$w/layer.tar"
oci_layout "$w/alpine" 3.18 "$w/layer.tar.gz"
apt_repo_serve "$w/mirror"

# Advisories for both packages, in Alpine's secdb format.
cat >"$w/secdb.json" <<'EOF'
{"distroversion": "v3.18", "reponame": "main", "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
 "packages": [{"pkg": {"name": "zlib", "secfixes": {"1.3.1-r0": ["CVE-2023-45853"]}}},
              {"pkg": {"name": "busybox", "secfixes": {"1.36.1-r5": ["CVE-2023-42363"]}}}]}
EOF
db="$w/vuln.db"
"$KMEND" db import --db "$db" "$w/secdb.json" >/dev/null || not_ok "import the secdb"
expect_eq "the image has both findings" "CVE-2023-42363 CVE-2023-45853" \
  "$("$KMEND" scan --db "$db" -f json "oci:$w/alpine:3.18" | jq -r '[.results[0].findings[].id] | sort | join(" ")')"

export SOURCE_DATE_EPOCH=1700000000
patch_tool patch --db "$db" --mirror "http://127.0.0.1:$apt_port" --mirror-key "$w/test.rsa.pub" \
  --to "oci:$w/out:patched" "oci:$w/alpine:3.18"
expect_eq "patch-tool exit 0" "0" "$rc"
[ "$rc" = 0 ] || echo "# $err"
expect_eq "both packages, from and to" "busybox 1.36.1-r0 1.36.1-r5,zlib 1.2.13-r1 1.3.1-r0" \
  "$(jq -r '[.packages[] | "\(.name) \(.from) \(.to)"] | join(",")' <<<"$out")"
expect_eq "busybox's .post-upgrade does more than place files: said, the rebuild preferred" \
  "true its post-upgrade: line 3 runs /bin/busybox --install -s" \
  "$(jq -r '"\(.prefer_rebuild) \(.packages[0].scripts)"' <<<"$out")"
expect_eq "zlib's scripts: none" "null" "$(jq -r '.packages[1].scripts' <<<"$out")"
expect_eq "zlib's old files no package ships any more: removed" "2" "$(jq -r '.packages[1].removed' <<<"$out")"
expect_contains "the changed /etc/zlib.conf is kept, and said" \
  "/etc/zlib.conf was changed in the image: kept; zlib's new version is beside it as /etc/zlib.conf.apk-new" \
  "$(jq -r '.warnings[].message' <<<"$out")"

after=$("$KMEND" scan --db "$db" -f json "oci:$w/out:patched")
expect_eq "a rescan is clean" "[]" "$(jq -c '[.results[0].findings[].id]' <<<"$after")"
expect_eq "the inventory reads the new versions" "busybox=1.36.1-r5 zlib=1.3.1-r0" \
  "$("$KMEND" inventory --format json "oci:$w/out:patched" | jq -r '[.packages[] | "\(.name)=\(.version)"] | sort | join(" ")')"

umoci unpack --rootless --image "$w/out:patched" "$w/bundle" >"$w/umoci.log" 2>&1 || not_ok "umoci unpack" "$(tail -3 "$w/umoci.log")"
f="$w/bundle/rootfs"
expect_eq "the new library, and its link moved to it" "zlib 1.3.1 libz.so.1.3.1" "$(cat "$f/lib/libz.so.1.3.1") $(readlink "$f/lib/libz.so.1")"
expect_eq "the old library and the file only the old version had are gone" "no no" \
  "$([ -e "$f/lib/libz.so.1.2.13" ] && echo yes || echo no) $([ -e "$f/usr/share/zlib/old-only.txt" ] && echo yes || echo no)"
expect_eq "a new directory's file" "zlib 1.3.1 readme" "$(cat "$f/usr/share/doc/zlib/README")"
expect_eq "the user's /etc/zlib.conf kept, the new one beside it" "level=1  # the user's own|level=9" \
  "$(cat "$f/etc/zlib.conf")|$(cat "$f/etc/zlib.conf.apk-new")"
expect_eq "modes from the package" "755" "$(stat -c %a "$f/lib/libz.so.1.3.1")"
zlib=$(awk 'BEGIN{RS=""} /\nP:zlib\n/' "$f/lib/apk/db/installed")
expect_contains "the record has the index's control checksum" \
  "C:$(tar -xzOf "$w/mirror/v3.18/main/x86_64/APKINDEX.tar.gz" APKINDEX 2>/dev/null | awk 'BEGIN{RS=""} /\nP:zlib\n/' | sed -n 's/^C://p')" "$zlib"
expect_contains "and each file's SHA-1 as apk keeps it" \
  "R:README
Z:Q1$(printf 'zlib 1.3.1 readme\n' | openssl dgst -sha1 -binary | base64)" "$zlib"
expect_eq "the other records are as they were" \
  "$(awk 'BEGIN{RS=""; ORS="\n\n"} !/\nP:(zlib|busybox)\n/' "$r/lib/apk/db/installed")" \
  "$(awk 'BEGIN{RS=""; ORS="\n\n"} !/\nP:(zlib|busybox)\n/' "$f/lib/apk/db/installed")"
done_testing
