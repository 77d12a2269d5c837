# Helpers for tests that serve the local apt repository (test/images/apt-repo) on 127.0.0.1.
# Sourced after test/lib.sh and test/registry.bash (free_port, wait_port); expects $w (a
# scratch directory) and adds the processes it starts to the array pids (kill them at exit).

# apt_repo_serve DIR: python's http.server for DIR on 127.0.0.1; sets $apt_port.
apt_repo_serve() {
  apt_port=$(free_port)
  python3 -m http.server --bind 127.0.0.1 "$apt_port" --directory "$1" >"$w/http-$apt_port.log" 2>&1 &
  pids+=($!)
  wait_port "$apt_port" || { not_ok "serve $1 over HTTP" "$(cat "$w/http-$apt_port.log")"; done_testing; }
}

# apt_repo_release DIST_DIR SUITE CODENAME: write DIST_DIR/Release for the indexes below it, as
# Debian's security archive labels its own (used by the image builder and by tests' variants).
apt_repo_release() {
  (cd "$1" && apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=Debian -o APT::FTPArchive::Release::Label=Debian-Security \
    -o APT::FTPArchive::Release::Suite="$2" -o APT::FTPArchive::Release::Codename="$3" \
    -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main \
    release .) >"$1/Release.new" && mv "$1/Release.new" "$1/Release"
}

# apt_repo_sign DIST_DIR GNUPGHOME: InRelease and Release.gpg for DIST_DIR/Release.
apt_repo_sign() {
  GNUPGHOME=$2 gpg --batch -q --yes --clearsign -o "$1/InRelease" "$1/Release" &&
    GNUPGHOME=$2 gpg --batch -q --yes -abs -o "$1/Release.gpg" "$1/Release"
}

# apt_repo_reindex REPO_DIR: Packages and Packages.xz of dists/bookworm-security from the pool.
apt_repo_reindex() {
  local dist="$1/dists/bookworm-security/main/binary-amd64"
  (cd "$1" && apt-ftparchive packages pool/updates/main) >"$dist/Packages" &&
    rm -f "$dist/Packages.xz" && xz -k -9 "$dist/Packages"
}
