# kmend harden, newer-base: an application (a small C program and its data file, two layers on
# a base) whose base annotations name its base in a docker-registry on 127.0.0.1. harden lists
# the base's tags, takes the next release on its line, and writes the multi-stage Dockerfile
# that moves the application's own files onto it, keeping its configuration; built with podman
# build it runs the program and rescans clean. A base of another distribution is refused
# unless --other-distro, and then the dynamically linked program is named as what would break.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/podman.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
harden_scratch
harden_images
podman_setup
start_registry reg
reg="127.0.0.1:$port"
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:base" "docker://$reg/kmend/debian:12.4"
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:12-fixed" "docker://$reg/kmend/debian:12.5"
skopeo copy --quiet --dest-tls-verify=false "oci:$H/oci:12-fixed" "docker://$reg/kmend/debian:13.0"
base_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/kmend/debian:12.4")
d125=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/kmend/debian:12.5")
share_layout "$H/oci" "$w/oci"
restamp "$w/oci" app app-annotated 'del(.history)' \
  ".annotations = {\"org.opencontainers.image.base.name\": \"$reg/kmend/debian:12.4\", \"org.opencontainers.image.base.digest\": \"$base_digest\"}"
skopeo copy --quiet --dest-tls-verify=false "oci:$w/oci:app-annotated" "docker://$reg/kmend/app:1"
app_digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/kmend/app:1")
harden() { run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "$reg" --strategy newer-base "$@"; }

harden --target high -f json "$reg/kmend/app:1"
expect_eq "exit 0" "0" "$rc"
expect_eq "the base named by the annotations" "annotation $reg/kmend/debian:12.4 3" \
  "$(jq -r '.blame | "\(.source) \(.base) \(.base_layers)"' <<<"$out")"
expect_eq "the next base on its line, recommended" "0 $reg/kmend/debian:12.5 $d125" \
  "$(jq -r '"\(.recommended) \(.plan[0].ref) \(.plan[0].digest)"' <<<"$out")"
expect_eq "the other major left out" "another major" "$(jq -r '.plan[0].candidates[] | select(.ref | endswith(":13.0")) | .skipped' <<<"$out")"
targeted=$(jq -c '.targeted' <<<"$out")
expect_eq "it fixes every targeted finding (the application's pinned packages come anew)" "$targeted" "$(jq -c '.plan[0].fixes' <<<"$out")"
jq -r '.plan[0].dockerfile' <<<"$out" >"$w/Dockerfile"
expect_eq "the stages: the application pinned, the new base pinned" \
  "FROM $reg/kmend/app@$app_digest AS application
FROM $reg/kmend/debian@$d125" "$(grep '^FROM' "$w/Dockerfile")"
expect_eq "the application's own files: its directory, nothing a package owns" \
  'COPY --from=application ["/opt/hello-app", "/opt/hello-app"]' "$(grep '^COPY' "$w/Dockerfile")"
expect_contains "the note counts its files" "move the application (2 files of its own)" "$(jq -r '.plan[0].note' <<<"$out")"

mkdir -p "$w/ctx"
tags+=(localhost/kmend-test/harden-moved:1)
if podman build --quiet -t localhost/kmend-test/harden-moved:1 -f "$w/Dockerfile" "$w/ctx" >"$w/build.log" 2>&1; then
  ok "podman build of the multi-stage Dockerfile"
else
  not_ok "podman build of the multi-stage Dockerfile" "$(tail -20 "$w/build.log")"
fi
expect_eq "the moved application runs as before" "hello from the application layers" "$(podman run --rm localhost/kmend-test/harden-moved:1)"
expect_eq "its configuration is kept" \
  "$(skopeo inspect --tls-verify=false --config "docker://$reg/kmend/app:1" | jq -c '.config | {Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Labels}')" \
  "$(podman image inspect localhost/kmend-test/harden-moved:1 | jq -c '.[0].Config | {Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Labels} | del(.Labels["io.buildah.version"])')"
podman push --quiet --tls-verify=false localhost/kmend-test/harden-moved:1 "docker://$reg/kmend/app:1-moved" >"$w/push.log" 2>&1 ||
  not_ok "push the moved image" "$(cat "$w/push.log")"
expect_eq "the moved image rescans clean for every targeted finding" "[]" \
  "$("$KMEND" scan --db "$db" --cache-dir "$w/cache" --insecure-registry "$reg" -f json "$reg/kmend/app:1-moved" |
    jq -c --argjson t "$targeted" '[.results[0].findings[].id | select(. as $i | $t | index($i))] | unique')"

# --build does the same, and stops with the target met.
tags+=(localhost/kmend-test/harden-moved:2)
harden --target high --build --to localhost/kmend-test/harden-moved:2 -f json "$reg/kmend/app:1"
expect_eq "--build: one step, the target met" "1 newer-base true []" \
  "$(jq -c -r '"\(.build.steps | length) \(.build.steps[0].strategy) \(.build.target_met) \(.build.steps[0].left)"' <<<"$out")"

# A base of another distribution: a crafted Alpine base (its os-release only).
mkdir -p "$w/alpine/etc" "$w/alpine/lib/apk/db"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' >"$w/alpine/etc/os-release"
: >"$w/alpine/lib/apk/db/installed"
tar -C "$w/alpine" -cf "$w/alpine.tar" etc lib
oci_layout "$w/alpine-oci" 3.19 "$w/alpine.tar"
skopeo copy --quiet --dest-tls-verify=false "oci:$w/alpine-oci:3.19" "docker://$reg/kmend/alpine:3.19"
harden --target high --base-candidates "$reg/kmend/alpine:3.19" -f json "$reg/kmend/app:1"
expect_eq "another distribution: not without --other-distro" "false" "$(jq -r '.plan[0].available' <<<"$out")"
expect_contains "another distribution: said" "is another distribution (alpine, the image debian): allow it with --other-distro" "$(jq -r '.plan[0].note' <<<"$out")"
harden --target high --other-distro --base-candidates "$reg/kmend/alpine:3.19" -f json "$reg/kmend/app:1"
expect_eq "--other-distro: considered" "true" "$(jq -r '.plan[0].available' <<<"$out")"
expect_contains "--other-distro: the dynamically linked program named, with what it needs" \
  "1 dynamically linked binary, e.g. /opt/hello-app/bin/hello-app (needs /lib64/ld-linux-x86-64.so.2, libc.so.6)" \
  "$(jq -r '.plan[0].note' <<<"$out")"
done_testing
