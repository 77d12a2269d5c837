# kmend harden, newer-image: the Debian 12 test image pushed to a docker-registry on 127.0.0.1
# under several tags: older and current releases (vulnerable), the next release (the same image
# with the security updates installed), and decoys that fix as much but change the line (another
# major, another variant, a tag that is no version). harden recommends the next release, with
# its digest and the findings it fixes. The same from an OCI layout's own tags.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
harden_scratch
harden_images
start_registry reg
r="127.0.0.1:$port/kmend/debian"
push() { skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:$1" "docker://$r:$2"; }
push 12 12.3
push 12 12.4
push 12-fixed 12.5
push 12-fixed 12.6-slim
push 12-fixed 13.0
push 12-fixed latest
digest_of() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$r:$1"; }
d125=$(digest_of 12.5)
d124=$(digest_of 12.4)

harden() { run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$port" "$@"; }
all="$r:12.3,$r:12.5,$r:12.6-slim,$r:13.0,$r:latest"
harden --target fixable --candidates "$all" --strategy newer-image -f json "$r:12.4"
expect_eq "exit 0" "0" "$rc"
expect_eq "the image and its digest" "$r:12.4 $d124" "$(jq -r '"\(.image) \(.digest)"' <<<"$out")"
expect_eq "one step, recommended" "1 0 newer-image" "$(jq -r '"\(.plan | length) \(.recommended) \(.plan[0].strategy)"' <<<"$out")"
expect_eq "the next release on the line, with its digest" "$r:12.5 $d125" "$(jq -r '.plan[0] | "\(.ref) \(.digest)"' <<<"$out")"
targeted=$(jq -c '.targeted' <<<"$out")
expect_eq "it fixes every targeted finding" "$targeted" "$(jq -c '.plan[0].fixes' <<<"$out")"
expect_eq "the targeted findings are the scan's fixable ones" \
  "$("$KMEND" scan --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$port" -f json --ignore-unfixed "$r:12.4" | jq -c '[.results[0].findings[].id] | unique')" "$targeted"
expect_eq "there are findings to fix" "16" "$(jq '.targeted | length' <<<"$out")"
expect_eq "nothing remains" "[]" "$(jq -c '.plan[0].remaining' <<<"$out")"
expect_eq "why each decoy was left out" \
  "$r:12.3	not newer
$r:12.5	null
$r:12.6-slim	another variant
$r:13.0	another major
$r:latest	not a version" "$(jq -r '.plan[0].candidates[] | "\(.ref)\t\(.skipped)"' <<<"$out")"
expect_eq "the candidate scanned: its digest, fixes and what it leaves" "$d125 16 0" \
  "$(jq -r '.plan[0].candidates[] | select(.skipped == null) | "\(.digest) \(.fixes) \(.remaining)"' <<<"$out")"
# The layer cache: the layers the tags share were read once (the base layers of 12.4 and 12.5).
expect_eq "shared layers read once: one cache entry per distinct layer" "3" "$(find "$w/cache" -path '*layers*' -type f | wc -l)"

harden --target high --candidates "$all" --strategy newer-image "$r:12.4"
expect_contains "table: the step, recommended" "1. newer-image  [recommended]" "$out"
expect_contains "table: the image and digest" "image: $r:12.5 ($d125)" "$out"
expect_contains "table: what it fixes" "fixes 15: CVE-2025-15649" "$out"
expect_contains "table: the decoy of another major" "$r:13.0: left out, another major" "$out"
expect_contains "table: the recommendation" "Recommended: step 1, newer-image" "$out"

# The newest on the line wins when two fix as much; a candidate that cannot be read is said.
push 12-fixed 12.5.1
harden --target fixable --candidates "$r:12.5,$r:12.5.1,$r:12.9" --strategy newer-image -f json "$r:12.4"
expect_eq "of two that fix as much, the newer" "$r:12.5.1" "$(jq -r '.plan[0].ref' <<<"$out")"
expect_contains "a candidate that cannot be read" "cannot be read" "$(jq -r '.plan[0].candidates[] | select(.ref == "'"$r:12.9"'") | .skipped' <<<"$out")"

# Nothing newer on the line: the step is there, not available, and nothing is recommended.
harden --target fixable --candidates "$r:12.3,$r:13.0" --strategy newer-image -f json "$r:12.4"
expect_eq "nothing on the line: not available, no recommendation" "false null no newer tag on the line" \
  "$(jq -r '"\(.plan[0].available) \(.recommended) \(.plan[0].note)"' <<<"$out")"

# Without --candidates, the repository's tags are listed through the registry API, every page:
# a thousand tags that sort first ("0-pad-NNNN", another variant) push the real ones to page 2.
harden --target fixable --strategy newer-image -f json "$r:12.4"
expect_eq "listed tags: the next release, with its digest" "$r:12.5.1 $(digest_of 12.5.1)" "$(jq -r '.plan[0] | "\(.ref) \(.digest)"' <<<"$out")"
expect_eq "listed tags: every other tag considered" "12.3 12.5 12.5.1 12.6-slim 13.0 latest" \
  "$(jq -r '[.plan[0].candidates[].ref | sub(".*:"; "")] | sort | join(" ")' <<<"$out")"
# A registry that pages its tag list (2 a page, proxy.py in front of the real one): every page
# is followed; a next page on another host is refused.
proxy_port=$(free_port)
python3 "$KMEND_SOURCE/test/registry/proxy.py" "$proxy_port" "$port" paged-tags "$w/counts" &
pids+=($!)
wait_port "$proxy_port" || not_ok "the paging proxy starts"
p="127.0.0.1:$proxy_port/kmend/debian"
run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$proxy_port" \
  --target fixable --strategy newer-image -f json "$p:12.4"
expect_eq "paged tags: the next release" "$p:12.5.1" "$(jq -r '.plan[0].ref' <<<"$out")"
expect_eq "paged tags: every tag seen" "12.3 12.5 12.5.1 12.6-slim 13.0 latest" \
  "$(jq -r '[.plan[0].candidates[].ref | sub(".*:"; "")] | sort | join(" ")' <<<"$out")"
expect_eq "paged tags: four pages asked for" "4" "$(grep -c '/tags/list' "$w/counts")"
proxy_port=$(free_port)
python3 "$KMEND_SOURCE/test/registry/proxy.py" "$proxy_port" "$port" paged-tags-elsewhere "$w/counts2" &
pids+=($!)
wait_port "$proxy_port" || not_ok "the paging proxy starts"
run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$proxy_port" \
  --target fixable --strategy newer-image -f json "127.0.0.1:$proxy_port/kmend/debian:12.4"
expect_eq "a next page on another host: refused, the step not available" "false" "$(jq -r '.plan[0].available' <<<"$out")"
expect_contains "a next page on another host: said" "next page is not on 127.0.0.1:$proxy_port" "$(jq -r '.plan[0].note' <<<"$out")"
expect_eq "a next page on another host: never asked" "" "$(grep -v "127.0.0.1:$proxy_port" "$w/counts2")"

# An OCI layout's own tags are listed: the same choice without --candidates.
share_layout "$H/oci" "$w/oci"
man() { jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | "\(.digest) \(.size)"' "$w/oci/index.json"; }
for t in 12:12.4 12:12.3 12-fixed:12.5 12-fixed:12.6-slim 12-fixed:13.0; do
  read -r d s <<<"$(man "${t%%:*}")"
  index_add "$w/oci" "${t#*:}" application/vnd.oci.image.manifest.v1+json "$d" "$s"
done
harden --target fixable --strategy newer-image -f json "oci:$w/oci:12.4"
expect_eq "layout tags: the next release" "oci:$w/oci:12.5" "$(jq -r '.plan[0].ref' <<<"$out")"
expect_eq "layout tags: every other tag considered" "12 12-fixed 12.3 12.5 12.6-slim 13.0 app base" \
  "$(jq -r '[.plan[0].candidates[].ref | sub(".*:"; "")] | sort | join(" ")' <<<"$out")"
harden --target fixable --strategy newer-image -f json "oci:$w/oci:app"
expect_eq "a tag that is no version: no line to follow" "false" "$(jq -r '.plan[0].available' <<<"$out")"
expect_contains "a tag that is no version: said" "is not a version" "$(jq -r '.plan[0].note' <<<"$out")"
done_testing
