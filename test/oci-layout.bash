# Helpers that write small OCI image layouts from layer files, for tests that need images
# crafted to a purpose (hostile, whiteouts). Sourced by test scripts; defines functions only.

# blob DIR FILE: store FILE as a blob of layout DIR; prints its digest.
blob() {
  local d
  d=$(sha256sum <"$2" | cut -c1-64)
  mkdir -p "$1/blobs/sha256"
  cp "$2" "$1/blobs/sha256/$d"
  echo "sha256:$d"
}

# descriptor MEDIATYPE DIGEST SIZE
descriptor() {
  jq -nc --arg m "$1" --arg d "$2" --argjson s "$3" '{mediaType: $m, digest: $d, size: $s}'
}

# oci_layout DIR TAG LAYER...: an image of the given layer files (gzip, zstd or plain tar),
# its config listing their diff_ids, tagged TAG in DIR/index.json. A file LAYER.diffid beside a
# layer gives its diff_id ("sha256:<hex>"), so that a huge tar is not decompressed to hash it.
# OCI_RUN_CONFIG (JSON, may be unset) becomes the config's "config" object (User, Cmd...).
oci_layout() {
  local dir=$1 tag=$2 layers="[]" diff_ids="[]" f d plain cfg man
  shift 2
  mkdir -p "$dir"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$dir/oci-layout"
  for f in "$@"; do
    d=$(blob "$dir" "$f")
    if [ -f "$f.diffid" ]; then
      plain=$(cut -c8-71 "$f.diffid")
    else
      plain=$( (zstd -dc "$f" 2>/dev/null || gzip -dc "$f" 2>/dev/null || cat "$f") | sha256sum | cut -c1-64)
    fi
    layers=$(jq -c --argjson e "$(descriptor application/vnd.oci.image.layer.v1.tar+gzip "$d" "$(stat -c %s "$f")")" '. + [$e]' <<<"$layers")
    diff_ids=$(jq -c --arg e "sha256:$plain" '. + [$e]' <<<"$diff_ids")
  done
  jq -nc --argjson ids "$diff_ids" --argjson run "${OCI_RUN_CONFIG:-null}" \
    '{architecture: "amd64", os: "linux", rootfs: {type: "layers", diff_ids: $ids}} + (if $run then {config: $run} else {} end)' >"$dir/config.json"
  cfg=$(blob "$dir" "$dir/config.json")
  jq -nc --argjson c "$(descriptor application/vnd.oci.image.config.v1+json "$cfg" "$(stat -c %s "$dir/config.json")")" \
    --argjson l "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: $l}' >"$dir/manifest.json"
  man=$(blob "$dir" "$dir/manifest.json")
  rm -f "$dir/config.json"
  index_add "$dir" "$tag" application/vnd.oci.image.manifest.v1+json "$man" "$(stat -c %s "$dir/manifest.json")"
  rm -f "$dir/manifest.json"
}

# index_add DIR TAG MEDIATYPE DIGEST SIZE: tag a blob in DIR/index.json.
index_add() {
  local idx="$1/index.json"
  [ -f "$idx" ] || echo '{"schemaVersion": 2, "manifests": []}' >"$idx"
  jq -c --arg t "$2" --arg m "$3" --arg d "$4" --argjson s "$5" \
    '.manifests += [{mediaType: $m, digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $t}}]' \
    "$idx" >"$idx.new" && mv "$idx.new" "$idx"
}
