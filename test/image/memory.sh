# Bounded memory on hostile layers: a tar may repeat a wanted path or inflate wanted files; the
# last entry wins (as in tar), kept bytes are capped per file, per layer and per image
# (lib/kmend_limits.h) with an error naming the limit, and peak memory (GNU time's maximum
# resident set) stays under 256 MB whatever the layer holds. Layers are made by
# test/image/tarstream.py: deterministic, streamed, never held whole in memory or on disk.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
limit_kb=$((256 * 1024))

# layer NAME SPEC...: a zstd layer from tarstream specs, with its diff_id beside it.
layer() {
  local name=$1
  shift
  python3 "$KMEND_SOURCE/test/image/tarstream.py" "$w/$name.tar.zst.diffid" "$@" | zstd -q -c >"$w/$name.tar.zst"
}
# measured ARGS...: run kmend under GNU time; $rc, $out, $err as run_kmend, $peak_kb. Under
# ASan (CI), freed memory waits in a quarantine of 256 MB by default: the sanitizer's memory,
# not kmend's. A 16 MB quarantine still catches use after free of the small allocations and
# lets the big buffers go, so that the peak measured is kmend's own.
measured() {
  run_capture env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
    /usr/bin/time -o "$w/time" -f %M "$KMEND" "$@"
  peak_kb=$(tail -1 "$w/time")
}
under_limit() {
  if [ "$peak_kb" -lt "$limit_kb" ]; then ok "$1: peak memory $((peak_kb / 1024)) MB < 256 MB"; else not_ok "$1: peak memory $((peak_kb / 1024)) MB, over 256 MB"; fi
}
stanza() { printf 'Package: %s\\nStatus: install ok installed\\nVersion: %s\\n' "$1" "$2"; }
os_release='etc/os-release:64:ID=debian\nVERSION_ID=12\n'

# 1. Eight 256 MB copies of var/lib/dpkg/status, 2 GiB of tar in a 68 KB zstd layer: before,
# every copy was kept (2.6 GB of memory). A copy over the per-file limit is refused at once.
specs=()
for i in 1 2 3 4 5 6 7 8; do specs+=("var/lib/dpkg/status:256M:$(stanza "p$i" "$i")"); done
layer bomb "$os_release" "${specs[@]}"
size=$(stat -c %s "$w/bomb.tar.zst")
[ "$size" -lt 100000 ] && ok "the bomb layer is $((size / 1024)) KB of zstd for 2 GiB of tar" || not_ok "the bomb layer is small" "$size bytes"
oci_layout "$w/bomb" t "$w/bomb.tar.zst"
measured inventory --no-cache "oci:$w/bomb:t"
expect_eq "eight 256 MB copies: exit 2" "2" "$rc"
expect_contains "eight 256 MB copies: names the file and the limit" \
  "'var/lib/dpkg/status' is 268435456 bytes, over kmend's limit of 67108864" "$err"
under_limit "eight 256 MB copies"

# 2. Eight 60 MB copies, each under the per-file limit: the last one wins, and only it is kept
# (before: all eight, 624 MB).
specs=()
for i in 1 2 3 4 5 6 7 8; do specs+=("var/lib/dpkg/status:60M:$(stanza "p$i" "$i")"); done
layer copies "$os_release" "${specs[@]}"
oci_layout "$w/copies" t "$w/copies.tar.zst"
measured inventory --no-cache --format json "oci:$w/copies:t"
expect_eq "eight 60 MB copies: the last entry wins" "0 p8=8" "$rc $(jq -r '.packages[] | "\(.name)=\(.version)"' <<<"$out" | paste -sd' ')"
under_limit "eight 60 MB copies"
# The same through the layer cache: written once, then read back field by field.
measured inventory --cache-dir "$w/cache" --format json "oci:$w/copies:t"
measured inventory --cache-dir "$w/cache" --format json "oci:$w/copies:t"
expect_eq "eight 60 MB copies, from the cache: the same" "0 p8=8" "$rc $(jq -r '.packages[] | "\(.name)=\(.version)"' <<<"$out" | paste -sd' ')"
under_limit "eight 60 MB copies, from the cache"
cached=$(find "$w/cache/layers" -type f -printf '%m\n' | sort -u | paste -sd' ')
dirs=$(find "$w/cache" -type d -printf '%m\n' | sort -u | paste -sd' ')
expect_eq "the layer cache: files 0600, directories 0700" "600 700" "$cached $dirs"

# 3. Distinct wanted files adding up past the per-layer limit (96 MB).
layer wide "$os_release" "var/lib/dpkg/status.d/a:60M:$(stanza a 1)" "var/lib/dpkg/status.d/b:60M:$(stanza b 1)"
oci_layout "$w/wide" t "$w/wide.tar.zst"
measured inventory --no-cache "oci:$w/wide:t"
expect_eq "two 60 MB files in one layer: exit 2" "2" "$rc"
expect_contains "two 60 MB files in one layer: the per-layer limit" "more than 96 MB in this layer, over kmend's limit per layer" "$err"
under_limit "two 60 MB files in one layer"

# 4. Layers that each stay under the per-layer limit, adding up past the per-image one (128 MB).
for n in a b c; do layer "tall-$n" "var/lib/dpkg/status.d/$n:50M:$(stanza "$n" 1)"; done
oci_layout "$w/tall" t "$w/tall-a.tar.zst" "$w/tall-b.tar.zst" "$w/tall-c.tar.zst"
measured inventory --no-cache "oci:$w/tall:t"
expect_eq "three layers of 50 MB: exit 2" "2" "$rc"
expect_contains "three layers of 50 MB: the per-image limit" "with what the lower layers keep, over kmend's limit per image" "$err"
under_limit "three layers of 50 MB"

# 5. Entries without content count too: 150,000 whiteouts where the walker looks.
layer many "150000*var/lib/dpkg/status.d/.wh.p{n}:0"
oci_layout "$w/many" t "$w/many.tar.zst"
measured inventory --no-cache "oci:$w/many:t"
expect_eq "150,000 whiteouts: exit 2" "2" "$rc"
expect_contains "150,000 whiteouts: the entry limit" "more than 100000 package database files, links and whiteouts in one layer" "$err"
under_limit "150,000 whiteouts"
done_testing
