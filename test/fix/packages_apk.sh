# kmend fix's package plan for an Alpine image. Only Debian's mirror is reachable from these
# machines, so the image is crafted (os-release, lib/apk/db/installed, /etc/apk, the programs
# the steps need) and the repository is written here the way abuild and apk index write one
# (test/fix/make_apk_repo.py: real gzip members, real RSA signatures), served on 127.0.0.1.
# Alpine's own signed index is checked in the unit tests (test/fixtures/repo). The download
# step runs for real here (wget and sha256sum of this machine); the install step, which needs
# apk, is checked for syntax and content only.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$w"' EXIT
tool="$KMEND_BUILD/test/plan-tool"
make_repo="$KMEND_SOURCE/test/fix/make_apk_repo.py"

# Two keys: the repository's, and one the image does not trust.
openssl genrsa -out "$w/test.rsa" 2048 2>/dev/null
openssl rsa -in "$w/test.rsa" -pubout -out "$w/test.rsa.pub" 2>/dev/null
openssl genrsa -out "$w/other.rsa" 2048 2>/dev/null
packages=(
  "busybox|1.36.1-r2|busybox|so:libc.musl-x86_64.so.1|/bin/sh cmd:busybox=1.36.1-r2"
  "busybox|1.36.1-r5|busybox|so:libc.musl-x86_64.so.1|/bin/sh cmd:busybox=1.36.1-r5"
  "ssl_client|1.36.1-r2|busybox|so:libc.musl-x86_64.so.1 so:libssl.so.3"
  "ssl_client|1.36.1-r5|busybox|so:libc.musl-x86_64.so.1 so:libssl.so.3"
  "libcrypto3|3.1.4-r1|openssl|so:libc.musl-x86_64.so.1 musl>=1.2.4-r2|so:libcrypto.so.3=3"
  "libssl3|3.1.4-r1|openssl|so:libc.musl-x86_64.so.1 so:libcrypto.so.3|so:libssl.so.3=3"
  "musl|1.2.4-r2|musl||so:libc.musl-x86_64.so.1=1"
  "zlib|1.3-r1|zlib|so:libc.musl-x86_64.so.1 so:libkmend-missing.so.1|so:libz.so.1=1.3"
)
mirror="$w/mirror/v3.18/main"
python3 "$make_repo" "$w/test.rsa" test.rsa.pub "$mirror" x86_64 "${packages[@]}" ||
  { not_ok "write the test apk repository"; done_testing; }
apt_repo_serve "$w/mirror"
url="http://127.0.0.1:$apt_port"

# The image: Alpine 3.18 with older busybox, openssl and musl.
r="$w/rootfs"
mkdir -p "$r/etc/apk/keys" "$r/lib/apk/db" "$r/bin" "$r/sbin" "$r/usr/bin"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n' >"$r/etc/os-release"
printf 'https://dl-cdn.alpinelinux.org/alpine/v3.18/main\n# a comment\n@edge https://dl-cdn.alpinelinux.org/alpine/edge/main\n' >"$r/etc/apk/repositories"
cp "$w/test.rsa.pub" "$r/etc/apk/keys/test.rsa.pub"
installed() { printf 'C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:%s\nV:%s\nA:x86_64\nS:1\nI:1\no:%s\n\n' "$@"; }
{
  installed busybox 1.36.1-r0 busybox
  installed ssl_client 1.36.1-r0 busybox
  installed libcrypto3 3.1.2-r0 openssl
  installed libssl3 3.1.2-r0 openssl
  installed musl 1.2.4-r1 musl
  installed zlib 1.2.13-r1 zlib
} >"$r/lib/apk/db/installed"
echo busybox >"$r/bin/busybox"
echo apk >"$r/sbin/apk"
ln -s busybox "$r/bin/sh"
ln -s /bin/busybox "$r/usr/bin/wget"
ln -s /bin/busybox "$r/usr/bin/sha256sum"
tar -C "$r" -cf "$w/layer.tar" .
oci_layout "$w/alpine" 3.18 "$w/layer.tar"
image="oci:$w/alpine:3.18"

finding() { jq -nc --arg p "$1" --arg s "$2" --arg f "$3" '{id: "CVE-TEST-\($s)", package: $p, source: $s, fixed: $f, fixed_in: $f}'; }
jq -n --argjson a "$(finding busybox busybox 1.36.1-r1)" --argjson b "$(finding libcrypto3 openssl 3.1.4-r0)" \
  '{results: [{findings: [$a, $b]}]}' >"$w/findings.json"

plan() { run_capture "$tool" --findings "$w/findings.json" "$@" "$image"; }

plan --mirror "$url" --dir "$w/vol" --download-script "$w/download.sh" --install-script "$w/install.sh"
expect_eq "plan: exit 0" "0" "$rc"
expect_eq "plan: the apk family" "apk x86_64" "$(jq -r '"\(.family) \(.arch)"' <<<"$out")"
expect_eq "plan: the lowest fixing version of each origin, every installed binary of it, and musl for libcrypto3" \
  "busybox=1.36.1-r2 libcrypto3=3.1.4-r1 libssl3=3.1.4-r1 musl=1.2.4-r2 ssl_client=1.36.1-r2" \
  "$(jq -r '[.packages[] | "\(.name)=\(.version)"] | join(" ")' <<<"$out")"
expect_contains "plan: musl is there because libcrypto3 needs it" "needed by libcrypto3 (musl (>= 1.2.4-r2))" \
  "$(jq -r '.packages[] | select(.name == "musl") | .reason' <<<"$out")"
bad=""
while IFS=$'\t' read -r name ver sha size u; do
  f="$mirror/x86_64/$name-$ver.apk"
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sha" ] || bad="$bad $name:sha256"
  [ "$(stat -c %s "$f")" = "$size" ] || bad="$bad $name:size"
  [ "$u" = "$url/v3.18/main/x86_64/$name-$ver.apk" ] || bad="$bad $name:url"
done < <(jq -r '.packages[] | [.name, .version, .sha256, .size, .url] | @tsv' <<<"$out")
expect_eq "plan: each file's SHA-256 and size, and its URL in Alpine's layout" "" "$bad"
expect_contains "plan: the tagged repository is skipped, and said" "tagged repository @edge" "$(jq -r '.warnings[].message' <<<"$out")"

jq -n --argjson a "$(finding busybox busybox 1.36.1-r1)" '{results: [{findings: [$a]}]}' >"$w/one.json"
"$tool" --findings "$w/one.json" --mirror "$url" --prefer newest "$image" >"$w/newest.json"
expect_eq "--prefer newest: the newest version" "busybox=1.36.1-r5 ssl_client=1.36.1-r5" \
  "$(jq -r '[.packages[] | "\(.name)=\(.version)"] | join(" ")' "$w/newest.json")"

jq -n --argjson a "$(finding zlib zlib 1.3-r0)" '{results: [{findings: [$a]}]}' >"$w/zlib.json"
"$tool" --findings "$w/zlib.json" --mirror "$url" "$image" >"$w/zlib-plan.json"
expect_eq "a soname nothing provides: planned, taken as the image's, and said" "zlib=1.3-r1" \
  "$(jq -r '[.packages[] | "\(.name)=\(.version)"] | join(" ")' "$w/zlib-plan.json")"
expect_contains "a soname nothing provides: the warning names it" "so:libkmend-missing.so.1: no package in the repositories provides it" \
  "$(jq -r '.warnings[].message' "$w/zlib-plan.json")"

# --- the download step, run; the install step, read ---
expect_eq "download step: POSIX sh (dash -n)" "" "$(dash -n "$w/download.sh" 2>&1)"
expect_eq "install step: POSIX sh (dash -n)" "" "$(dash -n "$w/install.sh" 2>&1)"
mkdir -p "$w/vol"
dash "$w/download.sh" 2>"$w/dl.err"
expect_eq "download step: exit 0" "0" "$?"
expect_eq "download step: every file there with its SHA-256" "" \
  "$(jq -r '.packages[] | "\(.sha256)  \(.file)"' <<<"$out" | (cd "$w/vol" && sha256sum -c --quiet 2>&1))"
expect_contains "install step: apk add of the files, from the network-less directory" \
  "apk add --no-network --no-cache \$kmend_files" "$(cat "$w/install.sh")"
expect_contains "install step: skips what lib/apk/db/installed lists at the planned version" \
  "[ \"\`kmend_installed 'busybox'\`\" = '1.36.1-r2' ] || kmend_todo=\"\$kmend_todo busybox-1.36.1-r2.apk\"" "$(cat "$w/install.sh")"
printf 'x' >>"$mirror/x86_64/busybox-1.36.1-r2.apk"
rm -rf "$w/vol"/*
dash "$w/download.sh" 2>"$w/dl2.err"
expect_eq "a file changed on the server after planning: the download step fails" "1" "$?"
expect_contains "a file changed on the server after planning: named" "busybox-1.36.1-r2.apk does not have the SHA-256 kmend recorded" "$(cat "$w/dl2.err")"

# --- refusals of the index and of the packages ---
plan --mirror "$url"
expect_eq "a package changed on the server: exit 3" "3" "$rc"
expect_contains "a package changed on the server: the signed index pins it" "busybox-1.36.1-r2.apk: its files do not have the SHA-256 its control part names" "$err"

mirror2="$w/mirror2/v3.18/main"
python3 "$make_repo" "$w/other.rsa" other.rsa.pub "$mirror2" x86_64 "${packages[@]}"
apt_repo_serve "$w/mirror2"
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "an index signed by a key the image does not have: exit 3" "3" "$rc"
expect_contains "an index signed by a key the image does not have: named" "is signed by other.rsa.pub, a key the image does not trust" "$err"
plan --mirror "http://127.0.0.1:$apt_port" --mirror-key "$w/test.rsa.pub"
expect_eq "--mirror-key of another key does not help" "3" "$rc"

mirror3="$w/mirror3/v3.18/main"
python3 "$make_repo" "$w/test.rsa" test.rsa.pub "$mirror3" x86_64 "${packages[@]}"
# A control part that is not the one the index pins: the package of another build.
python3 "$make_repo" "$w/test.rsa" test.rsa.pub "$w/rebuilt" x86_64 "libssl3|3.1.4-r1|openssl|so:libc.musl-x86_64.so.1 so:libcrypto.so.3|so:libssl.so.3=3 so:extra"
cp "$w/rebuilt/x86_64/libssl3-3.1.4-r1.apk" "$mirror3/x86_64/"
apt_repo_serve "$w/mirror3"
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "a package whose control part differs from the index: exit 3" "3" "$rc"
expect_contains "a package whose control part differs from the index: named" "libssl3-3.1.4-r1.apk: its control part does not have the checksum the signed index gives" "$err"
# The index itself changed after signing.
python3 - "$mirror3/x86_64/APKINDEX.tar.gz" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[-20] ^= 1
open(p, "wb").write(d)
EOF
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "an index changed after signing: exit 3" "3" "$rc"
expect_contains "an index changed after signing: refused" "its signature by test.rsa.pub does not verify" "$err"

# --- what cannot be fixed at start ---
cp -a "$r" "$w/noapk"
rm "$w/noapk/sbin/apk"
tar -C "$w/noapk" -cf "$w/noapk.tar" .
oci_layout "$w/alpine" noapk "$w/noapk.tar"
"$tool" --findings "$w/findings.json" --mirror "$url" "oci:$w/alpine:noapk" >"$w/noapk.json"
expect_eq "no apk in the image: refused for the whole image" "false no-package-manager" \
  "$(jq -r '"\(.fixable) \(.refused[0].code)"' "$w/noapk.json")"
expect_contains "no apk in the image: the better repair named" "kmend harden" "$(jq -r '.refused[0].repair' "$w/noapk.json")"
done_testing
