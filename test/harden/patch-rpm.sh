# The patch strategy on a RHEL-family image. As test/fix/packages_dnf.sh does, the image is
# crafted (only Debian's mirror is reachable here): older bzip2 packages built here with
# rpmbuild and installed into its root with this machine's rpm (files and a real sqlite rpm
# database), a %config(noreplace) file the user changed, a file only the old version has; the
# repository is the real createrepo_c one of EL9 bzip2 (test/fixtures/repo/el9-bzip2, its real
# zstd-compressed packages), re-signed with the image's key and served on 127.0.0.1. Checked:
# versions and files read back, the rpm database (rpm -qa, rpm -V on the unpacked image),
# whiteouts, the changed config kept with .rpmnew.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
. "$KMEND_SOURCE/test/harden/patch.bash"
harden_scratch
command -v rpmbuild >/dev/null || { not_ok "rpmbuild is installed (tools/debian-packages: rpm)"; done_testing; }
fixture="$KMEND_SOURCE/test/fixtures/repo/el9-bzip2"

# The old packages: bzip2-libs with a library, its link, a config file and a file the new
# version lacks; bzip2 with a program.
mkdir -p "$w/src"
cat >"$w/bzip2.spec" <<'EOF'
Name: bzip2
Version: 1.0.8
Release: 8.el9
Summary: an older bzip2 for kmend's tests
License: BSD
BuildArch: x86_64
%description
stub
%package libs
Summary: an older bzip2-libs for kmend's tests
%description libs
stub
%install
mkdir -p %{buildroot}/usr/lib64 %{buildroot}/usr/bin %{buildroot}/etc %{buildroot}/usr/share/bzip2
echo 'libbz2 1.0.6' >%{buildroot}/usr/lib64/libbz2.so.1.0.6
ln -s libbz2.so.1.0.6 %{buildroot}/usr/lib64/libbz2.so.1
echo 'level=9' >%{buildroot}/etc/bzip2.conf
echo 'only in 1.0.8-8' >%{buildroot}/usr/share/bzip2/old-only
printf '#!/bin/sh\necho old bzip2\n' >%{buildroot}/usr/bin/bzip2
chmod 755 %{buildroot}/usr/bin/bzip2
%files
/usr/bin/bzip2
%files libs
/usr/lib64/libbz2.so.1.0.6
/usr/lib64/libbz2.so.1
%config(noreplace) /etc/bzip2.conf
/usr/share/bzip2/old-only
EOF
rpmbuild --define "_topdir $w/rpmbuild" --define "_build_id_links none" --define "__brp_strip %{nil}" \
  -bb "$w/bzip2.spec" >"$w/rpmbuild.log" 2>&1 || { not_ok "build the old packages" "$(tail -5 "$w/rpmbuild.log")"; done_testing; }
r="$w/rootfs"
mkdir -p "$r/var/lib/rpm" "$r/etc/yum.repos.d" "$r/etc/pki/rpm-gpg"
rpm --root "$r" --dbpath /var/lib/rpm --initdb
rpm --root "$r" --dbpath /var/lib/rpm -i --nodeps --noscripts --ignorearch "$w"/rpmbuild/RPMS/x86_64/*.rpm 2>"$w/rpm-i.log" ||
  { not_ok "install the old packages into the image's root" "$(cat "$w/rpm-i.log")"; done_testing; }
rm -f "$r/var/lib/rpm/.rpm.lock"
echo 'level=1  # the user changed it' >"$r/etc/bzip2.conf"

export GNUPGHOME="$w/gnupg"
mkdir -m 700 "$GNUPGHOME"
trap 'GNUPGHOME="$w/gnupg" gpgconf --kill all 2>/dev/null; harden_cleanup' EXIT
gpg --batch -q --passphrase '' --quick-gen-key 'kmend test rpm repository <rpm-repo@kmend.invalid>' rsa3072 sign never 2>/dev/null
gpg --batch -q --armor --export >"$r/etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test"
printf 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\n' >"$r/etc/os-release"
printf '[baseos]\nname=BaseOS\nbaseurl=http://dl.rockylinux.org/9/BaseOS/x86_64/os/\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-kmend-test\n' >"$r/etc/yum.repos.d/rocky.repo"
tar -C "$r" -cf "$w/layer.tar" . && gzip -n "$w/layer.tar"
oci_layout "$w/rocky" 9 "$w/layer.tar.gz"
cp -a "$fixture" "$w/repo"
gpg --batch -q --yes --armor --detach-sign -o "$w/repo/repodata/repomd.xml.asc" "$w/repo/repodata/repomd.xml"
apt_repo_serve "$w/repo"

cat >"$w/osv.json" <<'EOF'
{"id": "RLSA-TEST:0001", "summary": "bzip2: an advisory for kmend's tests", "modified": "2026-01-01T00:00:00Z",
 "affected": [
  {"package": {"ecosystem": "Rocky Linux:9", "name": "bzip2"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.8-10.el9"}]}]},
  {"package": {"ecosystem": "Rocky Linux:9", "name": "bzip2-libs"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.8-10.el9"}]}]}]}
EOF
db="$w/vuln.db"
"$KMEND" db import --db "$db" "$w/osv.json" >/dev/null || not_ok "import the advisory"
expect_eq "the image has the finding in both packages" "bzip2 bzip2-libs" \
  "$("$KMEND" scan --db "$db" -f json "oci:$w/rocky:9" | jq -r '[.results[0].findings[].package] | sort | join(" ")')"

export SOURCE_DATE_EPOCH=1700000000
patch_tool patch --db "$db" --mirror "http://127.0.0.1:$apt_port" --to "oci:$w/out:patched" "oci:$w/rocky:9"
expect_eq "patch-tool exit 0" "0" "$rc"
[ "$rc" = 0 ] || echo "# $err"
expect_eq "both packages, from and to" "bzip2 1.0.8-8.el9 1.0.8-18.el9,bzip2-libs 1.0.8-8.el9 1.0.8-18.el9" \
  "$(jq -r '[.packages[] | "\(.name) \(.from) \(.to)"] | join(",")' <<<"$out")"
expect_eq "their scripts (none) place nothing more" "false" "$(jq -r '.prefer_rebuild' <<<"$out")"
expect_eq "bzip2-libs: the old library, the old-only file and the config it no longer has removed" \
  "3" "$(jq -r '.packages[1].removed' <<<"$out")"
expect_contains "the config file the user changed is saved aside, as rpm does, and said" \
  "/etc/bzip2.conf was changed in the image and bzip2-libs 1.0.8-18.el9 no longer has it: saved as /etc/bzip2.conf.rpmsave" \
  "$(jq -r '.warnings[].message' <<<"$out")"

expect_eq "a rescan is clean" "[]" "$("$KMEND" scan --db "$db" -f json "oci:$w/out:patched" | jq -c '[.results[0].findings[].id]')"
expect_eq "the inventory reads the new versions from the rpm database" "bzip2-libs=1.0.8-18.el9 bzip2=1.0.8-18.el9" \
  "$("$KMEND" inventory --format json "oci:$w/out:patched" | jq -r '[.packages[] | "\(.name)=\(.version)"] | sort | join(" ")')"

umoci unpack --rootless --image "$w/out:patched" "$w/bundle" >"$w/umoci.log" 2>&1 || not_ok "umoci unpack" "$(tail -3 "$w/umoci.log")"
f="$w/bundle/rootfs"
expect_eq "rpm reads the patched database" "bzip2-1.0.8-18.el9.x86_64 bzip2-libs-1.0.8-18.el9.x86_64" \
  "$(rpm --root "$f" --dbpath /var/lib/rpm -qa 2>/dev/null | grep bzip2 | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "rpm -V: every file of the new packages as their headers say (mtimes aside)" "" \
  "$(rpm --root "$f" --dbpath /var/lib/rpm -V --nodeps --nomtime bzip2-libs bzip2 2>&1)"
expect_eq "the new library, its links" "libbz2.so.1.0.8 libbz2.so.1.0.8" \
  "$(readlink "$f/usr/lib64/libbz2.so.1") $(readlink "$f/usr/lib64/libbz2.so.1.0")"
expect_eq "the old library and the old-only file are gone" "no no" \
  "$([ -e "$f/usr/lib64/libbz2.so.1.0.6" ] && echo yes || echo no) $([ -e "$f/usr/share/bzip2/old-only" ] && echo yes || echo no)"
expect_eq "the user's /etc/bzip2.conf saved aside, the file gone" "level=1  # the user changed it no" \
  "$(cat "$f/etc/bzip2.conf.rpmsave") $([ -e "$f/etc/bzip2.conf" ] && echo yes || echo no)"
expect_eq "the real bzip2 program replaced the stub" \
  "$(rpm -qp --nosignature --qf '[%{FILENAMES} %{FILEDIGESTS}\n]' "$fixture/bzip2-1.0.8-18.el9.x86_64.rpm" 2>/dev/null | sed -n 's|^/usr/bin/bzip2 ||p')" \
  "$(sha256sum <"$f/usr/bin/bzip2" | cut -d' ' -f1)"
done_testing
