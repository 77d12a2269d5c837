# README.md's first command on this machine: its kmend commands (everything after tools/setup,
# which test/fresh/readme.sh runs on a fresh machine) print what the README shows, and the scan
# finds exactly what dpkg's own version comparison finds when the example image's dpkg status
# is set against the feed: computed here with dpkg-query, jq and dpkg --compare-versions, not
# with kmend.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/examples.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$KMEND_SOURCE" || exit 1

blocks=$(python3 test/markdown.py blocks README.md)
command=$(jq -r 'select(.info | test("^sh run-by=(.*,)?test/fresh/readme.sh(,|$)")) | .text | split("\n")[0]' <<<"$blocks" | head -n 1)
shown=$(jq -r 'select(.info | test("^text run-by=(.*,)?test/fresh/readme.sh(,|$)")) | .text' <<<"$blocks")
case $command in
  "tools/setup && "*) ok "README.md's first command starts with tools/setup" ;;
  *) not_ok "README.md's first command starts with tools/setup" "it is: $command"; done_testing ;;
esac
rest=${command#tools/setup && }
sandbox="$w/sandbox"
examples_sandbox "$sandbox"
# What the README shows after tools/setup's last line ("kmend built: ...").
grep -q '^kmend built: ' <<<"$shown" || not_ok "README.md shows tools/setup's last line, 'kmend built: ...'"
examples_check "README.md: $rest" "$rest" "$(sed '1,/^kmend built: /d' <<<"$shown")" "$sandbox"
scan_output=$(cat "$sandbox/.output")

# The feed it imports and the image it scans, from the command itself.
parts=${rest// && /$'\n'}
feed=$(sed -n 's|^build/src/kmend db import ||p' <<<"$parts")
image=$(sed -n 's|^build/src/kmend scan ||p' <<<"$parts")
case $image in
  oci:*:*) ;;
  *) not_ok "the README scans an oci: layout with a tag" "it scans: $image"; done_testing ;;
esac
[ -f "$feed" ] || { not_ok "the README imports a feed file" "it imports: $feed"; done_testing; }
layout=${image#oci:}
tag=${layout##*:}
layout=${layout%:*}

# The image's dpkg status, read from its layers with jq and tar (the last layer that has one).
manifest=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$layout/index.json")
mkdir -p "$w/admin"
for layer in $(jq -r '.layers[].digest' "$layout/blobs/sha256/${manifest#sha256:}"); do
  tar -xzOf "$layout/blobs/sha256/${layer#sha256:}" ./var/lib/dpkg/status >"$w/status" 2>/dev/null &&
    mv "$w/status" "$w/admin/status"
done
[ -s "$w/admin/status" ] || { not_ok "the example image has a dpkg status"; done_testing; }

# Installed packages as dpkg reads them: name, version, source name, source version.
dpkg-query --admindir="$w/admin" -W \
  -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n' |
  awk -F'\t' '$1 ~ /^ii/ { print $2 "\t" $3 "\t" $4 "\t" $5 }' >"$w/installed"
# The feed's bookworm entries for those source packages: source, id, status, fixed, urgency.
jq -r --rawfile s <(cut -f3 "$w/installed" | sort -u) '
  ($s | split("\n") | map(select(. != ""))) as $srcs | $srcs[] as $src | .[$src] // {} |
  to_entries[] | select(.value.releases.bookworm) | .value.releases.bookworm as $r |
  [$src, .key, $r.status, ($r.fixed_version // ""), ($r.urgency // "")] | @tsv' "$feed" >"$w/entries"
# A package is affected when its source version sorts before the fixed version (dpkg decides),
# or when the entry is open; fixed_version "0" means never affected. Urgency to severity as
# docs/scan.md says.
while IFS=$'\t' read -r pkg version src srcversion; do
  while IFS=$'\t' read -r _ id status fixed urgency; do
    case $status in
      resolved)
        if [ "$fixed" = 0 ] || ! dpkg --compare-versions "$srcversion" lt "$fixed"; then continue; fi ;;
      open | undetermined) fixed=null ;;
      *) continue ;;
    esac
    urgency=${urgency%%\**}
    case $urgency in
      unimportant) severity=negligible ;;
      "" | "not yet assigned") severity=unknown ;;
      *) severity=$urgency ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$id" "$severity" "$version" "$fixed"
  done < <(awk -F'\t' -v s="$src" '$1 == s' "$w/entries")
done <"$w/installed" | LC_ALL=C sort >"$w/expected"
count=$(wc -l <"$w/expected")
[ "$count" -gt 0 ] || not_ok "dpkg finds vulnerable packages in the example image"

examples_run "$sandbox" "kmend scan --format json $image" "$w/scan.json"
jq -r '.results[].findings[] | [.package, .id, .severity, .installed, (.fixed // "null")] | @tsv' \
  "$w/scan.json" | LC_ALL=C sort >"$w/actual"
expect_eq "the scan's findings are the $count that dpkg's comparison finds" \
  "$(cat "$w/expected")" "$(cat "$w/actual")"
by_severity=$(for s in critical high medium low negligible unknown; do
  printf '%s: %s, ' "$s" "$(cut -f3 "$w/expected" | grep -c -x "$s")"
done)
expect_contains "the README's scan prints the total dpkg's comparison gives" \
  "Total: $count (${by_severity%, })" "$scan_output"

# The bundled image is what examples/make-images.sh makes, byte for byte.
cp -r "$KMEND_SOURCE/examples" "$KMEND_SOURCE/test" "$w/"
(cd "$w" && bash examples/make-images.sh >/dev/null)
expect_eq "examples/images is reproducible" "" "$(diff -r "$w/examples/images" "$KMEND_SOURCE/examples/images")"
done_testing
