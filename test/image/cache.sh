# The blob and layer caches hold what private registries serve: files 0600 in directories
# 0700, created with O_EXCL|O_NOFOLLOW and renamed into place, read without following links.
# A link planted where a cache file goes is neither followed nor written through. The images
# come from a real docker-registry on 127.0.0.1.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/registry.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"' EXIT

mkdir -p "$w/root/etc" "$w/root/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$w/root/etc/os-release"
printf 'Package: a\nStatus: install ok installed\nVersion: 1.0-1\n' >"$w/root/var/lib/dpkg/status"
tar cf "$w/root.tar" -C "$w/root" . && gzip -n "$w/root.tar"
oci_layout "$w/img" t "$w/root.tar.gz"
start_registry plain
ref="127.0.0.1:$port/kmend/cached:t"
skopeo copy --quiet --dest-tls-verify=false "oci:$w/img:t" "docker://$ref"

cache="$w/cache"
umask 022
run_kmend inventory --insecure-registry "127.0.0.1:$port" --cache-dir "$cache" --format json "$ref"
expect_eq "cold: the package" "0 a" "$rc $(jq -r '.packages[].name' <<<"$out" | paste -sd' ')"
expect_eq "cache files are 0600" "600" "$(find "$cache" -type f -printf '%m\n' | sort -u | paste -sd' ')"
expect_eq "cache directories are 0700" "700" "$(find "$cache" -type d -printf '%m\n' | sort -u | paste -sd' ')"
expect_eq "no temporary file is left behind" "" "$(find "$cache" -name '*tmp*')"
blobs=$(find "$cache/blobs" -type f | wc -l)
expect_eq "blobs cached: config and layer" "2" "$blobs"

# Plant links where cache files are: each points at a file of ours that must stay unchanged.
echo "precious" >"$w/precious"
layer_blob=$(find "$cache/blobs" -type f -size +200c | head -1)
for f in "$layer_blob" $(find "$cache/layers" -type f); do
  rm "$f" && ln -s "$w/precious" "$f"
done
run_kmend inventory --insecure-registry "127.0.0.1:$port" --cache-dir "$cache" --format json "$ref"
expect_eq "planted links: the image is read again from the registry" "0 a" "$rc $(jq -r '.packages[].name' <<<"$out" | paste -sd' ')"
expect_eq "planted links: their target is untouched" "precious" "$(cat "$w/precious")"
expect_eq "planted links: replaced by private files, not followed" "" \
  "$(find "$cache" -type l)"
expect_eq "the refilled cache files are 0600 too" "600" "$(find "$cache" -type f -printf '%m\n' | sort -u | paste -sd' ')"
done_testing
