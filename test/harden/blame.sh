# kmend scan --blame: each finding's layer and part (base or application) on an image with two
# application layers on top of a base, told by the history, by --base and by the base
# annotations (the base pushed to a docker-registry on 127.0.0.1), in every report format.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
harden_scratch
harden_images
expected=$(cat "$H/expected-blame.tsv")
scan() { run_kmend scan --db "$db" --cache-dir "$w/cache" "$@"; }
blamed() { jq -r '.results[0].findings[] | "\(.package)\t\(.layer.index + 1)\t\(.layer.part)"' <<<"$out" | LC_ALL=C sort -u; }

# The history: the base's CMD ["bash"] is followed by the application's layers.
scan --blame -f json "oci:$H/oci:app"
expect_eq "history: exit 0" "0" "$rc"
expect_eq "history: each finding's layer and part" "$expected" "$(blamed)"
expect_eq "history: the source and the split" '{"source":"history","base":null,"base_digest":null,"base_layers":3,"layers":5}' \
  "$(jq -c '.results[0].blame' <<<"$out")"
expect_eq "history: the layers are the image's diff_ids" "$(jq -r '.rootfs.diff_ids[3]' "$H/oci/blobs/sha256/$(jq -r '.config.digest' "$H/oci/blobs/sha256/$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "app") | .digest' "$H/oci/index.json" | cut -d: -f2)" | cut -d: -f2)")" \
  "$(jq -r '[.results[0].findings[] | select(.package == "perl-base") | .layer.diff_id] | unique | .[]' <<<"$out")"
expect_eq "history: no warning" "[]" "$(jq -c '.results[0].warnings' <<<"$out")"

scan --blame "oci:$H/oci:app"
expect_contains "table: the base line" "Base: (told by the image's history), layers 1-3 of 5; application: layers 4-5" "$out"
expect_eq "table: the LAYER column" "$expected" \
  "$(awk '$2 ~ /^(CVE|GHSA)-/ { print $1 "\t" $5 "\t" $6 }' <<<"$out" | LC_ALL=C sort -u)"
scan "oci:$H/oci:app"
expect_eq "without --blame: no LAYER column" "" "$(grep -e LAYER -e '^Base:' <<<"$out")"
scan -f json "oci:$H/oci:app"
expect_eq "without --blame: no layer in JSON" "null null" "$(jq -r '"\(.results[0].blame) \(.results[0].findings[0].layer)"' <<<"$out")"

scan --blame -f sarif "oci:$H/oci:app"
expect_eq "sarif: layer part and index per result" "$expected" \
  "$(jq -r '.runs[0].results[].properties | "\(.package)\t\(.layer_index + 1)\t\(.layer_part)"' <<<"$out" | LC_ALL=C sort -u)"
expect_eq "sarif: the source" "history" "$(jq -r '[.runs[0].results[].properties.blame_source] | unique | .[]' <<<"$out")"

scan --blame -f cyclonedx "oci:$H/oci:app"
expect_eq "cyclonedx: the part of each vulnerable package" "$(cut -f1,3 <<<"$expected")" \
  "$(jq -r '.components[0].components[] | select(.name == "liblzma5" or .name == "libpcre2-8-0" or .name == "perl-base") | "\(.name)\t\(.properties[] | select(.name == "kmend:layer_part") | .value)"' <<<"$out" | LC_ALL=C sort)"
expect_eq "cyclonedx: the source and the base's layers" "history 3" \
  "$(jq -r '[.components[0].properties[] | select(.name == "kmend:blame_source" or .name == "kmend:base_layers") | .value] | join(" ")' <<<"$out")"

# Without history or annotations nothing tells: every part is unknown, and a warning says why.
share_layout "$H/oci" "$w/oci"
restamp "$w/oci" app app-plain 'del(.history)'
scan --blame -f json "oci:$w/oci:app-plain"
expect_eq "no history: unknown parts" "$(cut -f1,2 <<<"$expected" | sed 's/$/\tunknown/')" "$(blamed)"
expect_eq "no history: the source" "unknown" "$(jq -r '.results[0].blame.source' <<<"$out")"
expect_contains "no history: the warning says what to do" "the image config has no history; name the base with --base" "$out"

# --base: its layers are the image's first three.
scan --base "oci:$H/oci:base" -f json "oci:$w/oci:app-plain"
expect_eq "--base: each finding's layer and part" "$expected" "$(blamed)"
expect_eq "--base: the source and the base" "option oci:$H/oci:base 3" \
  "$(jq -r '.results[0].blame | "\(.source) \(.base) \(.base_layers)"' <<<"$out")"
expect_eq "--base: the base's digest" "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "base") | .digest' "$H/oci/index.json")" \
  "$(jq -r '.results[0].blame.base_digest' <<<"$out")"
scan --base "oci:$H/oci:base" "oci:$w/oci:app-plain"
expect_contains "--base: the table's base line" "Base: oci:$H/oci:base (named with --base), layers 1-3 of 5; application: layers 4-5" "$out"
# A --base the image is not built on is said, and the next source is tried (the history).
scan --base "oci:$H/oci:12-fixed" -f json "oci:$H/oci:app"
expect_eq "wrong --base: the history tells instead" "history $expected" "$(jq -r '.results[0].blame.source' <<<"$out") $(blamed)"
expect_contains "wrong --base: warned" "oci:$H/oci:12-fixed is not this image's base" "$(jq -r '.results[0].warnings[].message' <<<"$out")"
scan --base "oci:$w/missing:x" "oci:$H/oci:app"
expect_eq "a --base that cannot be read: exit 2" "2" "$rc"
expect_contains "a --base that cannot be read: named" "$w/missing" "$err"

# The base annotations: the base pushed to a registry, the application naming it.
start_registry reg
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:base" "docker://127.0.0.1:$port/kmend/base:12"
base_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$port/kmend/base:12")
restamp "$w/oci" app app-annotated 'del(.history)' \
  ".annotations = {\"org.opencontainers.image.base.name\": \"127.0.0.1:$port/kmend/base:12\", \"org.opencontainers.image.base.digest\": \"$base_digest\"}"
scan --blame --insecure-registry "127.0.0.1:$port" -f json "oci:$w/oci:app-annotated"
expect_eq "annotations: each finding's layer and part" "$expected" "$(blamed)"
expect_eq "annotations: the source and the base" "annotation 127.0.0.1:$port/kmend/base:12 $base_digest 3" \
  "$(jq -r '.results[0].blame | "\(.source) \(.base) \(.base_digest) \(.base_layers)"' <<<"$out")"
scan --blame --insecure-registry "127.0.0.1:$port" "oci:$w/oci:app-annotated"
expect_contains "annotations: the table's base line" "Base: 127.0.0.1:$port/kmend/base:12 (named by the image's annotations), layers 1-3 of 5" "$out"
# Annotations naming an image that is not the base, or one that cannot be read: warned, and the
# history tells.
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:12-fixed" "docker://127.0.0.1:$port/kmend/other:1"
restamp "$w/oci" app app-wrong-base '.' \
  ".annotations = {\"org.opencontainers.image.base.name\": \"127.0.0.1:$port/kmend/other:1\"}"
scan --blame --insecure-registry "127.0.0.1:$port" -f json "oci:$w/oci:app-wrong-base"
expect_eq "annotated base that is not the base: the history tells" "history $expected" "$(jq -r '.results[0].blame.source' <<<"$out") $(blamed)"
expect_contains "annotated base that is not the base: warned" "(127.0.0.1:$port/kmend/other:1) is not the image's base" "$(jq -r '.results[0].warnings[].message' <<<"$out")"
restamp "$w/oci" app app-gone-base '.' \
  ".annotations = {\"org.opencontainers.image.base.name\": \"127.0.0.1:$port/kmend/gone:1\", \"org.opencontainers.image.base.digest\": \"not-a-digest\"}"
scan --blame --insecure-registry "127.0.0.1:$port" -f json "oci:$w/oci:app-gone-base"
expect_eq "annotated base that is gone: the history tells" "history" "$(jq -r '.results[0].blame.source' <<<"$out")"
expect_contains "annotated base that is gone: warned" "127.0.0.1:$port/kmend/gone:1) cannot be read" "$(jq -r '.results[0].warnings[].message' <<<"$out")"
# An annotation naming a local path is not followed: only registry references are.
restamp "$w/oci" app app-local-base '.' \
  ".annotations = {\"org.opencontainers.image.base.name\": \"oci:$H/oci:base\"}"
scan --blame -f json "oci:$w/oci:app-local-base"
expect_eq "annotated local path: the history tells" "history" "$(jq -r '.results[0].blame.source' <<<"$out")"
expect_contains "annotated local path: not followed" "is not a registry reference: not followed" "$(jq -r '.results[0].warnings[].message' <<<"$out")"
done_testing
