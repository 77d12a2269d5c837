# Writing OCI layouts (oci:DIR[:TAG]): a new layout, more tags in one, a tag moved, writers at
# the same time; and what must never happen: a directory that is not a layout written into, an
# unnamed image replacing others, a failed write leaving a broken layout or a changed
# index.json behind.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
. "$KMEND_SOURCE/test/harden/patch.bash"
patch_scratch
src="oci:$img/oci:12"
tags_of() { jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | sort | join(" ")' "$1/index.json"; }
leftovers() { find "$1" -name '*.kmend-tmp.*' | wc -l; }

patch_tool copy "$src" "oci:$w/l:a"
expect_eq "a new layout: exit 0, every blob written" "0 0 3" "$rc $(jq -r '.blobs | "\(.present) \(.written)"' <<<"$out")"
expect_eq "its oci-layout file" '1.0.0' "$(jq -r .imageLayoutVersion "$w/l/oci-layout")"
expect_eq "umoci reads it" "0" "$(umoci stat --image "$w/l:a" >/dev/null 2>&1; echo $?)"
expect_eq "skopeo reads the same layers" "$(skopeo inspect "$src" | jq -c .Layers)" "$(skopeo inspect "oci:$w/l:a" | jq -c .Layers)"
a_digest=$(jq -r .digest <<<"$out")

patch_tool copy "$src" "oci:$w/l:b"
expect_eq "another tag: the blobs are there already" "0 3 0" "$rc $(jq -r '.blobs | "\(.present) \(.written)"' <<<"$out")"
expect_eq "both tags listed" "a b" "$(tags_of "$w/l")"

# A tag moved to another image: the old entry replaced, the other tag kept.
printf 'x\n' >"$w/x.txt" && tar -C "$w" -cf "$w/x.tar" x.txt
OCI_RUN_CONFIG='{"Cmd":["true"]}' oci_layout "$w/other" o "$w/x.tar"
patch_tool copy "oci:$w/other:o" "oci:$w/l:a"
expect_eq "a tag moved: exit 0, still two tags" "0 a b" "$rc $(tags_of "$w/l")"
expect_eq "a names the new image, b the old" "$(jq -r .digest <<<"$out") $a_digest" \
  "$(jq -r '.manifests | map({(.annotations["org.opencontainers.image.ref.name"]): .digest}) | add | "\(.a) \(.b)"' "$w/l/index.json")"

# No tag, in a layout that holds other images: refused, nothing changed.
before=$(sha256sum <"$w/l/index.json")
patch_tool copy "$src" "oci:$w/l"
expect_eq "no tag among other images: exit 3" "3" "$rc"
expect_contains "says to name it" "name the image: oci:$w/l:TAG" "$err"
expect_eq "index.json untouched" "$before" "$(sha256sum <"$w/l/index.json")"

# A directory that holds something else is never made a layout.
mkdir -p "$w/home-like" && echo precious >"$w/home-like/notes.txt"
patch_tool copy "$src" "oci:$w/home-like:t"
expect_eq "a directory that is not a layout: exit 3" "3" "$rc"
expect_contains "says why" "holds no OCI layout" "$err"
expect_eq "and is left as it was" "notes.txt" "$(ls "$w/home-like")"

# A write that fails half-way (the source's layer is corrupt): a new layout stays a valid,
# empty one; an existing one keeps its index.json; no temporary file is left.
mkdir -p "$w/bad" && cp -a "$img/oci/." "$w/bad/"
big=$(skopeo inspect --raw "$src" | jq -r '.layers | max_by(.size) | .digest' | cut -d: -f2)
chmod u+w "$w/bad/blobs/sha256/$big"
printf 'X' | dd of="$w/bad/blobs/sha256/$big" bs=1 seek=1000000 conv=notrunc status=none
patch_tool copy "oci:$w/bad:12" "oci:$w/fresh:t"
expect_eq "a corrupt source: exit 3" "3" "$rc"
expect_contains "the digest mismatch is named" "$big" "$err"
expect_eq "the new layout is valid and names no image" "1.0.0 0" \
  "$(jq -r .imageLayoutVersion "$w/fresh/oci-layout") $(jq '.manifests | length' "$w/fresh/index.json")"
expect_eq "umoci reads it" "0" "$(umoci ls --layout "$w/fresh" >/dev/null 2>&1; echo $?)"
patch_tool copy "oci:$w/bad:12" "oci:$w/l:c"
expect_eq "a layout that has the blob already never reads the corrupt copy" "0" "$rc"
patch_tool copy "oci:$w/other:o" "oci:$w/small:o"
before=$(sha256sum <"$w/small/index.json")
patch_tool copy "oci:$w/bad:12" "oci:$w/small:c"
expect_eq "into a layout without it: exit 3, index.json untouched" "3 $before" "$rc $(sha256sum <"$w/small/index.json")"
expect_eq "no temporary file left anywhere" "0 0" "$(leftovers "$w/fresh") $(leftovers "$w/small")"

# index.json that is not an index: refused, left alone.
mkdir -p "$w/broken" && echo '{"imageLayoutVersion":"1.0.0"}' >"$w/broken/oci-layout" && echo 'nope' >"$w/broken/index.json"
patch_tool copy "$src" "oci:$w/broken:t"
expect_eq "an index.json that is not JSON: exit 3, untouched" "3 nope" "$rc $(cat "$w/broken/index.json")"

# Writers at the same time (the layout's directory is locked while index.json is updated).
for t in p1 p2 p3 p4; do "$KMEND_BUILD/test/patch-tool" copy "$src" "oci:$w/l:$t" >/dev/null 2>&1 & done
wait
expect_eq "four writers at once: every tag kept" "a b c p1 p2 p3 p4" "$(tags_of "$w/l")"
done_testing
