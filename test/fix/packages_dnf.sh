# kmend fix's package plan for a RHEL-family image. Only Debian's mirror is reachable from these
# machines, so the image is crafted (os-release, a .repo file, a signing key, the programs the
# steps need, and a real rpm database made with rpm --justdb from stub packages built here
# with rpmbuild) and the repository is a real createrepo_c one (test/fixtures/repo/el9-bzip2,
# see its PROVENANCE.md), served on 127.0.0.1 as it is, re-signed with a test key, or
# tampered with. The download step runs for real here (curl and sha256sum of this machine);
# the install step, which needs the image's rpm, is checked for syntax and content only.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; GNUPGHOME="$w/gnupg" gpgconf --kill all 2>/dev/null; rm -rf "$w"' EXIT
tool="$KMEND_BUILD/test/plan-tool"
fixture="$KMEND_SOURCE/test/fixtures/repo/el9-bzip2"
command -v rpmbuild >/dev/null || { not_ok "rpmbuild is installed (tools/debian-packages: rpm)"; done_testing; }

# The image's rpm database: bzip2 and bzip2-libs 1.0.8-8.el9, from stub packages.
cat >"$w/bzip2.spec" <<'EOF'
Name: bzip2
Version: 1.0.8
Release: 8.el9
Summary: stub of an older bzip2 for kmend's tests
License: BSD
BuildArch: x86_64
%description
stub
%package libs
Summary: stub of an older bzip2-libs
%description libs
stub
%files
%files libs
EOF
rpmbuild --define "_topdir $w/rpmbuild" --define "_build_id_links none" -bb "$w/bzip2.spec" >"$w/rpmbuild.log" 2>&1 ||
  { not_ok "build the stub packages" "$(tail -5 "$w/rpmbuild.log")"; done_testing; }
r="$w/rootfs"
mkdir -p "$r/var/lib/rpm" "$r/etc/yum.repos.d" "$r/etc/pki/rpm-gpg" "$r/usr/bin" "$r/etc/dnf"
rpm --root "$r" --dbpath /var/lib/rpm --initdb
rpm --root "$r" --dbpath /var/lib/rpm -i --justdb --nodeps --noscripts --ignorearch "$w"/rpmbuild/RPMS/x86_64/*.rpm 2>/dev/null
rm -f "$r/var/lib/rpm/.rpm.lock"

export GNUPGHOME="$w/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch -q --passphrase '' --quick-gen-key 'kmend test rpm repository <rpm-repo@kmend.invalid>' rsa3072 sign never 2>/dev/null
gpg --batch -q --armor --export >"$r/etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test"
printf 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\n' >"$r/etc/os-release"
printf '[main]\ngpgcheck=1\n' >"$r/etc/dnf/dnf.conf"
cat >"$r/etc/yum.repos.d/rocky.repo" <<'EOF'
[baseos]
name=Rocky Linux $releasever - BaseOS
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test
EOF
for p in bin/sh usr/bin/rpm usr/bin/curl usr/bin/sha256sum; do mkdir -p "$r/$(dirname "$p")"; echo "$p" >"$r/$p"; done
tar -C "$r" -cf "$w/layer.tar" .
oci_layout "$w/rocky" 9 "$w/layer.tar"
image="oci:$w/rocky:9"

jq -n '{results: [{findings: [{id: "CVE-TEST-BZIP2", package: "bzip2-libs", source: "bzip2", fixed: "1.0.8-10.el9", fixed_in: "1.0.8-10.el9"}]}]}' >"$w/findings.json"
plan() { run_capture "$tool" --findings "$w/findings.json" "$@" "$image"; }

# The repository as published: signed by its author's key, which the image does not trust.
cp -a "$fixture" "$w/asis"
apt_repo_serve "$w/asis"
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "a repomd.xml signed by a key the image does not have: exit 3" "3" "$rc"
expect_contains "a repomd.xml signed by a key the image does not have: named" \
  "repodata/repomd.xml: the signature does not verify: made by a key the image does not trust" "$err"
expect_contains "a repomd.xml signed by a key the image does not have: the image's key was tried" "etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test" "$err"

# Re-signed with the key the image trusts.
cp -a "$fixture" "$w/signed"
gpg --batch -q --yes --armor --detach-sign -o "$w/signed/repodata/repomd.xml.asc" "$w/signed/repodata/repomd.xml"
apt_repo_serve "$w/signed"
url="http://127.0.0.1:$apt_port"
plan --mirror "$url" --dir "$w/vol" --download-script "$w/download.sh" --install-script "$w/install.sh"
expect_eq "plan: exit 0" "0" "$rc"
expect_eq "plan: the dnf family" "dnf x86_64" "$(jq -r '"\(.family) \(.arch)"' <<<"$out")"
expect_eq "plan: every installed binary of bzip2 at the repository's version" "bzip2=1.0.8-18.el9 bzip2-libs=1.0.8-18.el9" \
  "$(jq -r '[.packages[] | "\(.name)=\(.version)"] | join(" ")' <<<"$out")"
expect_eq "plan: installed versions from the rpm database" "1.0.8-8.el9 1.0.8-8.el9" "$(jq -r '[.packages[].installed] | join(" ")' <<<"$out")"
bad=""
while IFS=$'\t' read -r file sha size u; do
  [ "$(sha256sum "$w/signed/$file" | cut -d' ' -f1)" = "$sha" ] || bad="$bad $file:sha256"
  [ "$(stat -c %s "$w/signed/$file")" = "$size" ] || bad="$bad $file:size"
  [ "$u" = "$url/$file" ] || bad="$bad $file:url"
done < <(jq -r '.packages[] | [.filename, .sha256, .size, .url] | @tsv' <<<"$out")
expect_eq "plan: file, SHA-256 and size from primary.xml, and the file's own" "" "$bad"
expect_contains "plan: what the image must provide itself (glibc is not in this repository) is said" \
  "libc.so.6(GLIBC_2.34)(64bit): no package in the repositories provides it" "$(jq -r '.warnings[].message' <<<"$out")"

expect_eq "download step: POSIX sh (dash -n)" "" "$(dash -n "$w/download.sh" 2>&1)"
expect_eq "install step: POSIX sh (dash -n)" "" "$(dash -n "$w/install.sh" 2>&1)"
mkdir -p "$w/vol"
dash "$w/download.sh" 2>"$w/dl.err"
expect_eq "download step: exit 0" "0" "$?"
expect_eq "download step: every file there with its SHA-256" "" \
  "$(jq -r '.packages[] | "\(.sha256)  \(.file)"' <<<"$out" | (cd "$w/vol" && sha256sum -c --quiet 2>&1))"
install=$(cat "$w/install.sh")
expect_contains "install step: gpgcheck: the image's key imported" "rpm --import '/etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test'" "$install"
expect_contains "install step: gpgcheck: each package's signature checked first" 'rpm -K "$kmend_f"' "$install"
expect_contains "install step: rpm -U of what is not installed at its version" "rpm -U \$kmend_todo" "$install"
expect_contains "install step: installed versions asked of rpm" "grep -qxF '1.0.8-18.el9.x86_64'" "$install"

# An unsigned repomd.xml: refused unless --allow-unsigned.
cp -a "$fixture" "$w/unsigned"
rm "$w/unsigned/repodata/repomd.xml.asc"
apt_repo_serve "$w/unsigned"
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "an unsigned mirror: exit 3" "3" "$rc"
expect_contains "an unsigned mirror: said, with the option" "--allow-unsigned" "$err"
plan --mirror "http://127.0.0.1:$apt_port" --allow-unsigned
expect_eq "an unsigned mirror with --allow-unsigned: exit 0" "0" "$rc"
expect_contains "an unsigned mirror with --allow-unsigned: warned" "accepted because of --allow-unsigned" "$(jq -r '.warnings[].message' <<<"$out")"

# primary.xml that is not the one repomd.xml names.
cp -a "$w/signed" "$w/badprimary"
p=$(ls "$w/badprimary"/repodata/*-primary.xml.gz)
zcat "$p" | sed 's/1.0.8-18/1.0.8-99/' | gzip -n >"$p.new" && mv "$p.new" "$p"
apt_repo_serve "$w/badprimary"
plan --mirror "http://127.0.0.1:$apt_port"
expect_eq "a primary.xml with a wrong checksum: exit 3" "3" "$rc"
expect_contains "a primary.xml with a wrong checksum: named, with where the checksum comes from" "-primary.xml.gz: has SHA-256" "$err"
expect_contains "a primary.xml with a wrong checksum: repomd.xml named" "repodata/repomd.xml says" "$err"

# A fixed version the repository does not have.
jq '.results[0].findings[0].fixed_in = "1.0.8-20.el9" | .results[0].findings[0].fixed = "1.0.8-20.el9"' "$w/findings.json" >"$w/later.json"
"$tool" --findings "$w/later.json" --mirror "$url" "$image" >"$w/later-plan.json"
expect_eq "a version not in the repository: refused" "not-in-repository bzip2" \
  "$(jq -r '.refused[] | "\(.code) \(.source)"' "$w/later-plan.json")"
expect_contains "a version not in the repository: the newest there named" "newest there: 1.0.8-18.el9" "$(jq -r '.refused[0].message' "$w/later-plan.json")"
done_testing
