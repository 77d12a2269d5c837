# kmend fix's package plan for the real Debian 12 test image against a real, signed local apt
# repository (test/images/apt-repo) served on 127.0.0.1: the versions chosen are what apt itself
# chooses (apt-get install --dry-run in a podman container of the image, pointed at the same
# repository); signatures, checksums, refusals; and the download and install steps run for real
# in containers of the image.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/podman.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
w=$(mktemp -d)
pids=()
names=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for n in "${names[@]}"; do podman rm -f "$n" >/dev/null 2>&1; done
  GNUPGHOME="$w/gnupg" gpgconf --kill all 2>/dev/null
  rm -rf "$w"
}
trap cleanup EXIT
tool="$KMEND_BUILD/test/plan-tool"
image="oci:$img/oci:12"
dist=dists/bookworm-security

# A repository of our own to serve and to tamper with, and the test key's GnuPG home.
cp -a "$repo/repo" "$w/repo"
cp -a "$repo/gnupg" "$w/gnupg"
apt_repo_serve "$w/repo"
url="http://127.0.0.1:$apt_port"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
run_kmend scan --db "$w/vuln.db" --no-cache --format json "$image"
echo "$out" >"$w/scan.json"

# plan ARGS...: the plan tool against the served repository; $out, $err, $rc.
plan() { run_capture "$tool" --mirror "$url" "$@" "$image"; }

# --- the plan ---
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "plan: exit 0" "0" "$rc"
echo "$out" >"$w/plan.json"
# Expected: every vulnerable binary at the repository's version of it (the lowest there).
jq -r '.results[0].findings[].package' "$w/scan.json" | sort -u >"$w/vulnerable"
expected=$(join -t$'\t' "$w/vulnerable" <(cut -f1,2 "$repo/packages.txt" | sort) | tr '\t' '=' | LC_ALL=C sort)
actual=$(jq -r '.packages[] | "\(.name)=\(.version)"' "$w/plan.json" | LC_ALL=C sort)
expect_eq "plan: the fixed version of every vulnerable binary" "$expected" "$actual"
expect_eq "plan: there is something to fix (a real vulnerable image)" "yes" "$([ -n "$expected" ] && echo yes)"
expect_eq "plan: nothing refused" "[]" "$(jq -c .refused "$w/plan.json")"
expect_eq "plan: no finding left" "[]" "$(jq -c .remaining "$w/plan.json")"
bad=""
while IFS=$'\t' read -r name file sha size u; do
  f="$w/repo/$file"
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sha" ] || bad="$bad $name:sha256"
  [ "$(stat -c %s "$f")" = "$size" ] || bad="$bad $name:size"
  [ "$u" = "$url/$file" ] || bad="$bad $name:url"
  grep -q "^Filename: $file\$" "$w/repo/$dist/main/binary-amd64/Packages" || bad="$bad $name:filename"
done < <(jq -r '.packages[] | [.name, .filename, .sha256, .size, .url] | @tsv' "$w/plan.json")
expect_eq "plan: file name, URL, SHA-256 and size are the repository's" "" "$bad"
expect_contains "plan: suites the mirror lacks are warned about" "no suite bookworm-updates there" "$(jq -r '.warnings[].message' "$w/plan.json")"

# An armored key works as well as a binary one.
plan --db "$w/vuln.db" --mirror-key "$repo/key.asc"
expect_eq "plan with an armored --mirror-key: the same packages" "$actual" "$(jq -r '.packages[] | "\(.name)=\(.version)"' <<<"$out" | LC_ALL=C sort)"

# --- what the image configures, read from the inventory's one pass over its layers ---
"$tool" --repos "$image" >"$w/repos.json"
expect_eq "the image's sources.list, read from the image" "etc/apt/sources.list:1 http://deb.debian.org/debian bookworm main" \
  "$(jq -r '.repos[] | "\(.origin) \(.url) \(.suite) \(.components | join(","))"' "$w/repos.json")"
expect_eq "its keyrings: the image's trusted.gpg.d" "$(cd "$img/rootfs" && ls etc/apt/trusted.gpg.d/* | LC_ALL=C sort)" \
  "$(jq -r '.repos[0].keys[]' "$w/repos.json" | LC_ALL=C sort)"
"$tool" --repos --mirror "$url" "$image" >"$w/mirror-repos.json"
expect_eq "--mirror: the image's suite and its release's security and updates suites, on the mirror" \
  "$url bookworm $url bookworm-security $url bookworm-updates" \
  "$(jq -r '[.repos[] | "\(.url) \(.suite)"] | join(" ")' "$w/mirror-repos.json")"
expect_eq "the image config: Cmd and Env kept for the hand-over" '["bash"] PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$(jq -c .run.cmd "$w/plan.json") $(jq -r '.run.env[0]' "$w/plan.json")"

# Debian's own InRelease (fetched by apt while the repository was built) checked with the
# image's own armored keyrings: the signature verifies, so what stops the plan is the index
# the test does not serve, or, past Valid-Until, the date.
apt_repo_serve "$repo/debian"
debian_url="http://127.0.0.1:$apt_port"
release_date=$(date -d "$(sed -n 's/^Date: //p' "$repo/debian/dists/bookworm-security/InRelease")" +%s)
until_date=$(date -d "$(sed -n 's/^Valid-Until: //p' "$repo/debian/dists/bookworm-security/InRelease")" +%s)
"$tool" --db "$w/vuln.db" --mirror "$debian_url" --now $((release_date + 3600)) "$image" >/dev/null 2>"$w/debian.err"
expect_contains "Debian's InRelease verifies with the image's keyrings (then its index is missing here)" \
  "$debian_url/dists/bookworm-security/main/binary-amd64/Packages.xz: the Release lists it, but the server answered HTTP 404" "$(cat "$w/debian.err")"
"$tool" --db "$w/vuln.db" --mirror "$debian_url" --now $((until_date + 86400)) "$image" >/dev/null 2>"$w/debian.err"
expect_contains "Debian's InRelease past its Valid-Until: refused as apt refuses it" \
  "$debian_url/dists/bookworm-security/InRelease: expired on" "$(cat "$w/debian.err")"

# --- what cannot be fixed at start: crafted images, refused for the whole image ---
# refused NAME RUN-CONFIG FILES...: an image of the files (relative to $w/crafted) with that
# config; prints "fixable code" of its plan.
mkdir -p "$w/crafted/etc" "$w/crafted/var/lib/dpkg" "$w/crafted/bin" "$w/crafted/usr/bin" "$w/crafted/usr/lib/apt"
cp "$img/rootfs/etc/os-release" "$w/crafted/etc/os-release"
cp "$img/rootfs/etc/passwd" "$w/crafted/etc/passwd"
cp "$img/rootfs/var/lib/dpkg/status" "$w/crafted/var/lib/dpkg/status"
for p in bin/sh usr/bin/dpkg usr/lib/apt/apt-helper; do echo "$p" >"$w/crafted/$p"; done
refused() {
  local name=$1 run=$2
  shift 2
  (cd "$w/crafted" && tar -cf "$w/$name.tar" "$@")
  OCI_RUN_CONFIG=$run oci_layout "$w/crafted-oci" "$name" "$w/$name.tar"
  "$tool" --findings "$w/scan.json" --mirror "$url" --mirror-key "$repo/key.gpg" "oci:$w/crafted-oci:$name" | jq -r '"\(.fixable) \(.refused[0].code // "none") \(.refused[0].message // "")"'
}
all=(etc var bin usr)
expect_eq "the image's User is root by uid: fixable (nothing refused)" "true none " "$(refused uid0 '{"User": "0:0"}' "${all[@]}" | sed 's/ [^ ]*$/ /')"
expect_eq "a non-root User: refused, the user named" "false not-root the image runs as user 'nobody' (uid 65534): only root can install packages" \
  "$(refused nobody '{"User": "nobody"}' "${all[@]}")"
expect_eq "no /bin/sh (distroless): refused" "false no-shell the image has no /bin/sh to run the install step" \
  "$(refused distroless null etc var usr)"
rm "$w/crafted/usr/bin/dpkg"
expect_eq "no dpkg: refused" "false no-package-manager the image has no dpkg to install packages with" \
  "$(refused nodpkg null "${all[@]}")"
printf 'ID=plan9\nVERSION_ID=4\n' >"$w/crafted/etc/os-release"
expect_eq "an unknown distribution: refused" "false unknown-distribution kmend does not know how to install packages on plan9" \
  "$(refused plan9 null "${all[@]}")"

# --- the cross-check with apt itself ---
podman_setup
podman_load_debian12 "$img"
# apt_dry_run NAME...: what apt-get install --dry-run chooses in a container of the image whose
# only source is the served repository (its key given with signed-by).
apt_dry_run() {
  podman run --rm --network host -v "$repo/key.gpg:/kmend-test-key.gpg:ro" "$debian12_podman_ref" sh -c '
    echo "deb [signed-by=/kmend-test-key.gpg] '"$url"' bookworm-security main" >/etc/apt/sources.list
    apt-get -qq update >/dev/null && apt-get install --dry-run --no-install-recommends "$@"' sh "$@" 2>&1 |
    sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\?(\([^ ]*\) .*/\1=\3/p' | LC_ALL=C sort
}
# shellcheck disable=SC2046
expect_eq "apt chooses what kmend chose" "$actual" "$(apt_dry_run $(jq -r '.packages[].name' "$w/plan.json"))"

# Every package of the repository as if vulnerable at its version there: the plan takes
# every binary of each source and the dependencies the new versions need (apt's libapt-pkg
# for apt), and apt agrees.
jq -n --rawfile pk "$repo/packages.txt" '{results: [{findings: [$pk | split("\n")[] | select(. != "") | split("\t") |
  {id: "TEST-\(.[0])", package: .[0], source: .[2], fixed: .[1], fixed_in: .[1]}]}]}' >"$w/all.json"
plan --findings "$w/all.json" --mirror-key "$repo/key.gpg"
expect_eq "every package: exit 0" "0" "$rc"
all=$(jq -r '.packages[] | "\(.name)=\(.version)"' <<<"$out" | LC_ALL=C sort)
expect_eq "every package: the whole repository is planned" "$(cut -f1,2 "$repo/packages.txt" | tr '\t' '=' | LC_ALL=C sort)" "$all"
# shellcheck disable=SC2046
expect_eq "every package: apt chooses the same" "$all" "$(apt_dry_run $(cut -f1 "$repo/packages.txt"))"

# --- refusals ---
jq '.results[0].findings += [{id: "TEST-LATER", package: "perl-base", source: "perl", fixed: "5.36.0-7+deb12u99", fixed_in: "5.36.0-7+deb12u99"},
  {id: "TEST-UNFIXED", package: "libpcre2-8-0", source: "pcre2", fixed: null, fixed_in: null}]' "$w/scan.json" >"$w/later.json"
plan --findings "$w/later.json" --mirror-key "$repo/key.gpg"
expect_eq "a version not in the repository: exit 0 (a refusal, not an error)" "0" "$rc"
expect_eq "a version not in the repository: refused for perl" "not-in-repository perl" \
  "$(jq -r '.refused[] | select(.code == "not-in-repository") | "\(.code) \(.source)"' <<<"$out")"
expect_contains "a version not in the repository: named, with the newest there" \
  "perl 5.36.0-7+deb12u99 fixes its findings, but the repositories do not have it (newest there: $(grep '^perl-base' "$repo/packages.txt" | cut -f2))" "$out"
expect_contains "a version not in the repository: the better repair named" "kmend harden" "$(jq -r '.refused[0].repair' <<<"$out")"
expect_eq "a version not in the repository: perl-base stays, the others are planned" "no perl-base" \
  "$(jq -r 'if any(.packages[]; .name == "perl-base") then "perl-base planned" else "no perl-base" end' <<<"$out")"
expect_eq "no fixed version published: reported" "no-fix-published pcre2" \
  "$(jq -r '.refused[] | select(.code == "no-fix-published") | "\(.code) \(.source)"' <<<"$out")"
expect_contains "the findings that remain are listed" "TEST-LATER" "$(jq -r '.remaining[].id' <<<"$out")"

# A dependency that is not installed: perl-base's entry gains one, the index is signed again.
cp -a "$w/repo" "$w/dep"
sed -i '/^Package: perl-base$/,/^$/s/^Pre-Depends: /Pre-Depends: libkmend-not-installed (>= 1), /' "$w/dep/$dist/main/binary-amd64/Packages"
rm "$w/dep/$dist/main/binary-amd64/Packages.xz"
xz -k "$w/dep/$dist/main/binary-amd64/Packages"
apt_repo_release "$w/dep/$dist" stable-security bookworm-security
apt_repo_sign "$w/dep/$dist" "$w/gnupg"
saved=$url
apt_repo_serve "$w/dep"
url="http://127.0.0.1:$apt_port"
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "a dependency not installed: refused for perl" "dependency-not-installed perl" \
  "$(jq -r '.refused[] | "\(.code) \(.source)"' <<<"$out")"
expect_contains "a dependency not installed: the dependency named" "needs libkmend-not-installed (>= 1), which is not installed in the image" "$out"
expect_eq "a dependency not installed: the other sources are still planned" "liblzma5 libpcre2-8-0" "$(jq -r '[.packages[].name] | join(" ")' <<<"$out")"
url=$saved

# --- signatures and checksums ---
plan --db "$w/vuln.db"
expect_eq "no key for the mirror: exit 3" "3" "$rc"
expect_contains "no key for the mirror: the signature does not verify" "$url/$dist/InRelease: the signature does not verify: made by a key the image does not trust" "$err"
expect_contains "no key for the mirror: what to do" "--mirror-key" "$err"

# tamper SUFFIX COMMAND: a copy of the repository changed by COMMAND (run in it), served.
tamper() {
  cp -a "$w/repo" "$w/$1"
  (cd "$w/$1" && eval "$2")
  apt_repo_serve "$w/$1"
  url="http://127.0.0.1:$apt_port"
}
tamper bad-sig "sed -i 's/^Suite: stable-security/Suite: stable-securitx/' $dist/InRelease"
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "a changed InRelease: exit 3" "3" "$rc"
expect_contains "a changed InRelease: a BAD signature" "the signature does not verify: it is BAD" "$err"

tamper bad-index "printf 'Package: evil\n' | xz >$dist/main/binary-amd64/Packages.xz"
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "an index with a wrong checksum: exit 3" "3" "$rc"
expect_contains "an index with a wrong checksum: named, with the Release's checksum" \
  "$url/$dist/main/binary-amd64/Packages.xz: has SHA-256" "$err"
expect_contains "an index with a wrong checksum: where the expected one comes from" "but $url/$dist/InRelease says" "$err"

tamper other-suite "sed -i 's/^Codename: bookworm-security/Codename: bullseye-security/; s/^Suite: .*/Suite: oldstable-security/' $dist/Release && rm $dist/InRelease && GNUPGHOME=$w/gnupg gpg --batch -q --yes -abs -o $dist/Release.gpg $dist/Release"
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "another suite's Release, signed: exit 3" "3" "$rc"
expect_contains "another suite's Release: refused by name" "is the Release of suite 'oldstable-security' (codename 'bullseye-security'), not of 'bookworm-security'" "$err"

tamper unsigned "rm $dist/InRelease $dist/Release.gpg"
plan --db "$w/vuln.db" --mirror-key "$repo/key.gpg"
expect_eq "an unsigned mirror: exit 3" "3" "$rc"
expect_contains "an unsigned mirror: refused, with the option that accepts it" "is not signed" "$err"
expect_contains "an unsigned mirror: the option named" "--allow-unsigned" "$err"
plan --db "$w/vuln.db" --allow-unsigned
expect_eq "an unsigned mirror with --allow-unsigned: exit 0" "0" "$rc"
expect_eq "an unsigned mirror with --allow-unsigned: the same plan" "$actual" "$(jq -r '.packages[] | "\(.name)=\(.version)"' <<<"$out" | LC_ALL=C sort)"
expect_contains "an unsigned mirror with --allow-unsigned: warned" "accepted because of --allow-unsigned" "$(jq -r '.warnings[].message' <<<"$out")"
url=$saved

# --- the steps, run for real ---
"$tool" --db "$w/vuln.db" --mirror "$url" --mirror-key "$repo/key.gpg" --dir /kmend-fix \
  --download-script "$w/download.sh" --install-argv "$w/install.argv" \
  --orig sh --orig -c --orig 'a=$1; shift; dpkg-query -W -f "\${Package}=\${Version}\n" "$@"; printf "[%s]\n" ran "$0" "$a"' \
  --orig "it's \$(HOME) \"q\"" --orig "" --orig liblzma5 --orig libpcre2-8-0 --orig perl-base "$image" >/dev/null
expect_eq "the steps are written" "0" "$?"
mapfile -d '' install <"$w/install.argv"
printf '%s' "${install[2]}" >"$w/install.sh"
expect_eq "download step: POSIX sh (dash -n)" "" "$(dash -n "$w/download.sh" 2>&1)"
expect_eq "install step: POSIX sh (dash -n)" "" "$(dash -n "$w/install.sh" 2>&1)"
expect_eq "install argv: /bin/sh -c SCRIPT then the original command" "/bin/sh -c sh -c" "${install[0]} ${install[1]} ${install[3]} ${install[4]}"

mkdir -p "$w/vol"
# step NAME VOLUME ARGV...: run a container of the image with the volume at /kmend-fix.
step() {
  local name=$1 vol=$2
  shift 2
  names+=("$name")
  podman run --name "$name" --network host -v "$vol:/kmend-fix" "$debian12_podman_ref" "$@" >"$w/$name.out" 2>"$w/$name.err"
  rc=$?
  podman rm -f "$name" >/dev/null 2>&1
}
step kmend-fix-dl "$w/vol" /bin/sh -c "$(cat "$w/download.sh")"
expect_eq "download step: exit 0" "0" "$rc"
expect_eq "download step: every file, with its SHA-256" "" \
  "$(jq -r '.packages[] | "\(.sha256)  \(.file)"' "$w/plan.json" | (cd "$w/vol" && sha256sum -c --quiet 2>&1))"
step kmend-fix-dl2 "$w/vol" /bin/sh -c "$(cat "$w/download.sh")"
expect_eq "download step again: exit 0" "0" "$rc"
expect_contains "download step again: nothing fetched twice" "is here already" "$(cat "$w/kmend-fix-dl2.err")"

# The install step, in one container started twice (a restart keeps its filesystem).
names+=(kmend-fix-in)
podman create --name kmend-fix-in --network host -v "$w/vol:/kmend-fix" "$debian12_podman_ref" "${install[@]}" >/dev/null
podman start -a kmend-fix-in >"$w/in1.out" 2>"$w/in1.err"
expect_eq "install step: exit 0" "0" "$?"
expect_eq "install step: the original command ran after, with its arguments byte for byte" \
  "$(printf '%s\n' "$actual" | sed 's/$//'; printf '[ran]\n[%s]\n[]\n' "it's \$(HOME) \"q\"")" \
  "$(cat "$w/in1.out")"
expect_contains "install step: dpkg installed the files" "Setting up perl-base" "$(cat "$w/in1.err")"
podman start -a kmend-fix-in >"$w/in2.out" 2>"$w/in2.err"
expect_eq "install step again (a restart): exit 0" "0" "$?"
expect_contains "install step again: nothing installed twice" "every package is installed at its fixed version already" "$(cat "$w/in2.err")"
expect_eq "install step again: the same output" "$(cat "$w/in1.out")" "$(cat "$w/in2.out")"
podman commit -q kmend-fix-in kmend-test/fixed:pkgfix >/dev/null
audit=$(podman run --rm kmend-test/fixed:pkgfix dpkg --audit 2>&1)
expect_eq "after the install: dpkg --audit is clean" "" "$audit"
podman save -q --format oci-archive -o "$w/fixed.tar" kmend-test/fixed:pkgfix
podman rmi -f kmend-test/fixed:pkgfix >/dev/null 2>&1
run_kmend scan --db "$w/vuln.db" --no-cache --format json "oci-archive:$w/fixed.tar"
expect_eq "after the install: a rescan finds nothing left to fix" "0" "$(jq '[.results[0].findings[] | select(.fixed != null)] | length' <<<"$out")"

# A file changed in the volume after the download: the install step refuses it, loudly, and
# the original command does not run.
cp -a "$w/vol" "$w/vol-bad"
f=$(jq -r '.packages[0].file' "$w/plan.json")
printf 'x' >>"$w/vol-bad/$f"
step kmend-fix-bad "$w/vol-bad" "${install[@]}"
expect_eq "a corrupted file in the volume: the install step fails" "1" "$rc"
expect_contains "a corrupted file in the volume: named" "kmend: $f is missing or does not have the SHA-256 kmend recorded" "$(cat "$w/kmend-fix-bad.err")"
expect_eq "a corrupted file in the volume: the original command did not run" "" "$(cat "$w/kmend-fix-bad.out")"

# On the server after planning: a corrupted file, and a version that has left the repository.
f=$(jq -r '.packages[0].filename' "$w/plan.json")
printf 'x' >>"$w/repo/$f"
mkdir -p "$w/vol2"
step kmend-fix-dl-bad "$w/vol2" /bin/sh -c "$(cat "$w/download.sh")"
expect_eq "a file corrupted on the server: the download step fails" "1" "$rc"
expect_contains "a file corrupted on the server: apt-helper's hash check says so" "Hash Sum mismatch" "$(cat "$w/kmend-fix-dl-bad.err")"
expect_contains "a file corrupted on the server: kmend names the URL" "kmend: cannot download $url/$f" "$(cat "$w/kmend-fix-dl-bad.err")"
expect_eq "a file corrupted on the server: no file left behind" "" "$(ls "$w/vol2")"
rm "$w/repo/$f"
step kmend-fix-dl-gone "$w/vol2" /bin/sh -c "$(cat "$w/download.sh")"
expect_eq "a version that left the repository: the download step fails" "1" "$rc"
expect_contains "a version that left the repository: apt-helper's 404" "404" "$(cat "$w/kmend-fix-dl-gone.err")"
expect_contains "a version that left the repository: kmend names the URL" "kmend: cannot download $url/$f" "$(cat "$w/kmend-fix-dl-gone.err")"
done_testing
