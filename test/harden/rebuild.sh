# kmend harden, rebuild: the Dockerfile harden writes (FROM the image pinned by digest, the
# vulnerable packages upgraded with apt-get from a local signed apt repository on 127.0.0.1)
# built with podman build (runc, the test-only CONTAINERS_CONF) rescans clean for what it
# targeted; the same through --build, and as a patch to the user's own Dockerfile.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/podman.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
harden_scratch
harden_images
podman_setup
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
start_registry reg
r="127.0.0.1:$port/kmend/debian"
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:12" "docker://$r:12.4"
d124=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$r:12.4")
apt_repo_serve "$repo/repo"
mirror="http://127.0.0.1:$apt_port/"
harden() {
  run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$port" \
    --mirror "$mirror" --mirror-key "$repo/key.asc" --strategy rebuild "$@"
}
targeted_left() { # IMAGE: the targeted ids the image still has, as JSON
  "$KMEND" scan --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$port" -f json "$1" |
    jq -c --argjson t "$2" '[.results[0].findings[].id | select(. as $i | $t | index($i))] | unique'
}

harden --target fixable -f json "$r:12.4"
expect_eq "exit 0" "0" "$rc"
expect_eq "rebuild is recommended" "0 rebuild true" "$(jq -r '"\(.recommended) \(.plan[0].strategy) \(.plan[0].available)"' <<<"$out")"
targeted=$(jq -c '.targeted' <<<"$out")
expect_eq "it fixes every targeted finding (all have fixes)" "$targeted" "$(jq -c '.plan[0].fixes' <<<"$out")"
jq -r '.plan[0].dockerfile' <<<"$out" >"$w/Dockerfile"
expect_eq "FROM the image pinned by digest" "FROM $r@$d124" "$(grep '^FROM' "$w/Dockerfile")"
expect_eq "exactly the vulnerable packages, at their fixed versions" \
  "$("$KMEND" scan --db "$db" --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$port" -f json "$r:12.4" | jq -r '[.results[0].findings[] | "\(.package)=\(.fixed_in)"] | unique | .[]')" \
  "$(sed -n 's/^ *\([a-z0-9.+-]*=[^ ;\\]*\).*/\1/p' "$w/Dockerfile")"
expect_contains "the versions are kmend fix's resolution against the mirror" "the versions kmend fix resolves in the repositories" "$(jq -r '.plan[0].note' <<<"$out")"
expect_contains "caches cleared in the same layer" "apt-get clean; \\" "$(cat "$w/Dockerfile")"

mkdir -p "$w/ctx"
tags+=(localhost/kmend-test/harden-rebuild:1)
if podman build --quiet --network=host -t localhost/kmend-test/harden-rebuild:1 -f "$w/Dockerfile" "$w/ctx" >"$w/build.log" 2>&1; then
  ok "podman build of the Dockerfile"
else
  not_ok "podman build of the Dockerfile" "$(tail -20 "$w/build.log")"
fi
podman push --quiet --tls-verify=false localhost/kmend-test/harden-rebuild:1 "docker://$r:12.4-rebuilt" >"$w/push.log" 2>&1 ||
  not_ok "push the rebuilt image" "$(cat "$w/push.log")"
expect_eq "the rebuilt image rescans clean for every targeted finding" "[]" "$(targeted_left "$r:12.4-rebuilt" "$targeted")"
expect_eq "the upgraded packages are the fixed versions" \
  "$(sed -n 's/^ *\([a-z0-9.+-]*\)=\([^ ;\\]*\).*/\1\t\2/p' "$w/Dockerfile" | LC_ALL=C sort)" \
  "$(podman run --rm localhost/kmend-test/harden-rebuild:1 dpkg-query -W -f '${Package}\t${Version}\n' $(sed -n 's/^ *\([a-z0-9.+-]*\)=.*/\1/p' "$w/Dockerfile") | LC_ALL=C sort)"
expect_eq "apt's lists and the mirror's files are gone" "" \
  "$(podman run --rm localhost/kmend-test/harden-rebuild:1 sh -c 'ls /var/lib/apt/lists | grep -v -e ^lock$ -e ^partial$; ls /tmp')"

# --build: the same, built and rescanned by kmend.
tags+=(localhost/kmend-test/harden-built:1)
harden --target fixable --build --to localhost/kmend-test/harden-built:1 -f json "$r:12.4"
expect_eq "--build: exit 0" "0" "$rc"
expect_eq "--build: one step, the target met" "1 rebuild true []" \
  "$(jq -c -r '"\(.build.steps | length) \(.build.steps[0].strategy) \(.build.target_met) \(.build.steps[0].left)"' <<<"$out")"
expect_eq "--build: the built image and its digest" "localhost/kmend-test/harden-built:1 yes" \
  "$(jq -r '.build.steps[0] | "\(.image) \(.digest | test("^sha256:[0-9a-f]{64}$") | if . then "yes" else "no" end)"' <<<"$out")"
expect_eq "--build: every targeted finding fixed" "$targeted" "$(jq -c '.build.steps[0].fixed' <<<"$out")"
expect_contains "--build: why it stopped" "the target is met" "$(jq -r '.build.stopped' <<<"$out")"
expect_eq "--build: the image is in podman's storage" "0" "$(podman image exists localhost/kmend-test/harden-built:1; echo $?)"

# The loop: the next release on the line fixes part (perl-base, libpcre2-8-0: test/images/harden's
# "base"), the rebuild on top of it the rest (liblzma5).
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:base" "docker://$r:12.5"
tags+=(localhost/kmend-test/harden-loop:1)
harden --target fixable --build --to localhost/kmend-test/harden-loop:1 --strategy newer-image,rebuild -f json "$r:12.4"
expect_eq "loop: exit 0" "0" "$rc"
expect_eq "loop: the newer tag, then the rebuild on it; the target met" "newer-image $r:12.5|rebuild localhost/kmend-test/harden-loop:1|true" \
  "$(jq -r '[(.build.steps[] | "\(.strategy) \(.image)"), (.build.target_met | tostring)] | join("|")' <<<"$out")"
expect_eq "loop: what the newer tag left is what the rebuild fixed" \
  "$(jq -c '[.build.steps[0].left[]]' <<<"$out")" \
  "$(jq -c '[.build.steps[1].fixed[] as $f | $f | select(. as $x | ($out0 | index($x)) | not)]' --argjson out0 "$(jq -c '.build.steps[0].fixed' <<<"$out")" <<<"$out")"
expect_eq "loop: something was left after the first step" "true" "$(jq '.build.steps[0].left | length > 0' <<<"$out")"
expect_contains "loop: why it stopped" "the target is met: localhost/kmend-test/harden-loop:1" "$(jq -r '.build.stopped' <<<"$out")"

# The user's Dockerfile: the upgrade goes into its final stage, as a patch that applies.
mkdir -p "$w/app"
printf 'FROM %s AS tools\nRUN echo built >/built\n\n# the application\nFROM %s\nCOPY --from=tools /built /opt/built\nCMD ["cat", "/opt/built"]\n' "$r:12.4" "$r:12.4" >"$w/app/Dockerfile"
cp "$w/app/Dockerfile" "$w/app/Dockerfile.orig"
tags+=(localhost/kmend-test/harden-user:1)
harden --target fixable --dockerfile "$w/app/Dockerfile" --build --to localhost/kmend-test/harden-user:1 -f json "$r:12.4"
expect_eq "--dockerfile: exit 0" "0" "$rc"
jq -r '.plan[0].patch' <<<"$out" >"$w/patch.diff"
expect_eq "--dockerfile: kmend leaves the user's file as it was" "same" "$(cmp -s "$w/app/Dockerfile.orig" "$w/app/Dockerfile" && echo same)"
expect_eq "--dockerfile: the patch names the file" "--- a/$w/app/Dockerfile" "$(head -1 "$w/patch.diff")"
(cd "$w/app" && patch -s Dockerfile <"$w/patch.diff") && ok "--dockerfile: the patch applies" || not_ok "--dockerfile: the patch applies" "$(cat "$w/patch.diff")"
expect_eq "--dockerfile: the patched file is the plan's Dockerfile" "$(jq -r '.plan[0].dockerfile' <<<"$out")" "$(cat "$w/app/Dockerfile")"
expect_eq "--dockerfile: the first stage is untouched" "2" "$(grep -c -x -F -e "FROM $r:12.4 AS tools" -e 'RUN echo built >/built' "$w/app/Dockerfile")"
expect_eq "--dockerfile: the upgrade follows the final FROM" "RUN set -e; \\" "$(grep -A1 -x "FROM $r:12.4" "$w/app/Dockerfile" | tail -1)"
expect_eq "--dockerfile: built, target met" "true []" "$(jq -c -r '"\(.build.target_met) \(.build.steps[0].left)"' <<<"$out")"
expect_eq "--dockerfile: the built image runs the user's command" "built" "$(podman run --rm localhost/kmend-test/harden-user:1)"
done_testing
