# Small OCI images for the matching and update suites: real package databases (or dpkg status
# files written to a purpose) under the os-release each distribution ships. Sourced; needs $w
# and test/oci-layout.bash. Each function prints the image reference it made.

# image NAME: an OCI layout of $w/NAME's content, tagged t; prints "oci:DIR:t".
image() {
  tar cf "$w/$1.tar" -C "$w/$1" . && oci_layout "$w/$1-oci" t "$w/$1.tar" && echo "oci:$w/$1-oci:t"
}

# dpkg_image NAME OS-RELEASE: a Debian-family image of that os-release, the dpkg status from
# standard input (deb's entries).
dpkg_image() {
  mkdir -p "$w/$1/var/lib/dpkg" "$w/$1/etc"
  printf '%s' "$2" >"$w/$1/etc/os-release"
  cat >"$w/$1/var/lib/dpkg/status"
  image "$1"
}

# A status entry: PACKAGE VERSION [SOURCE-FIELD]; SOURCE-FIELD as dpkg writes it ("txt2man
# (1.5.5-4)" for a binNMU, "glibc" when the versions agree).
deb() {
  printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\n' "$1"
  [ -n "${3:-}" ] && printf 'Source: %s\n' "$3"
  printf 'Version: %s\n\n' "$2"
}

# Debian sid as its images ship it: no VERSION_ID, no VERSION_CODENAME (unstable's data).
# Packages older than the sid fixes of test/fixtures/feeds/debian-tracker-json-subset's
# vunnel-debian.json; txt2man is a binNMU (1.5.5-4+b1 built from 1.5.5-4); ant has the CVE
# list's unfixed, unimportant entry.
sid_image() {
  {
    deb libjs-prototype 1.6.0.1-1 prototypejs
    deb txt2man 1.5.5-4+b1 'txt2man (1.5.5-4)'
    deb chromium 97.0.4692.99-1
    deb backupninja 0.8-1
    deb libsope1 5.12.1-1 sope
    deb ant 1.10.12-1
  } | dpkg_image sid 'PRETTY_NAME="Debian GNU/Linux sid"
NAME="Debian GNU/Linux"
ID=debian
HOME_URL="https://www.debian.org/"
'
}

# Debian 11 with foot and putty, which the CVE list marks <no-dsa> there.
bullseye_image() {
  { deb foot 1.6.4-1; deb putty 0.74-1; } | dpkg_image bullseye 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
ID=debian
VERSION_ID="11"
VERSION_CODENAME=bullseye
'
}

# Ubuntu 22.04: libc6 from glibc 2.35-0ubuntu3.6 lacks USN-6737-1's fix (2.35-0ubuntu3.7).
ubuntu_image() {
  { deb libc6 2.35-0ubuntu3.6 glibc; deb libc-bin 2.35-0ubuntu3.7 glibc; } | dpkg_image ubu 'ID=ubuntu
VERSION_ID="22.04"
VERSION_CODENAME=jammy
'
}

# CentOS 7 with a real rpm database (go-rpmdb's centos7-plain, Berkeley DB) and the
# os-release CentOS 7 ships.
centos7_image() {
  mkdir -p "$w/c7/var/lib/rpm" "$w/c7/etc"
  cp "$KMEND_SOURCE/test/fixtures/pkgdb/go-rpmdb/centos7-plain/Packages" "$w/c7/var/lib/rpm/Packages"
  printf '%s' 'NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
' >"$w/c7/etc/os-release"
  image c7
}
