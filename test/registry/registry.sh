# kmend inventory against a real registry: Debian's docker-registry on 127.0.0.1, holding the
# real Debian 12 test image, with no auth, htpasswd Basic auth, and Bearer tokens from
# test/registry/token-server.py; a misbehaving proxy (test/registry/proxy.py) in front of it
# for retries, redirects to blob storage and corrupt blobs.
. "$KMEND_SOURCE/test/registry/setup.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
here="$KMEND_SOURCE/test/registry"

packages() { jq -r '.packages[] | "\(.name)\t\(.version)"' | LC_ALL=C sort; }
oci_json="$w/oci.json"
"$KMEND" inventory --no-cache --format json "oci:$img/oci:12" >"$oci_json"

# --- Plain HTTP, no auth.
start_registry plain
plain=$port
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://127.0.0.1:$plain/kmend/debian:12"
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/debian:12"
expect_eq "plain: exit 0" "0" "$rc"
expect_eq "plain: packages equal dpkg-query on the rootfs" "$(cat "$img/dpkg-query.txt")" "$(packages <<<"$out")"
expect_eq "plain: same packages and layers as oci:" "$(jq -c .packages "$oci_json")" "$(jq -c .packages <<<"$out")"
expect_eq "plain: same manifest digest as oci:" "$(jq -r .image.digest "$oci_json")" "$(jq -r .image.digest <<<"$out")"
expect_eq "plain: same image ID as oci:" "$(jq -r .image.id "$oci_json")" "$(jq -r .image.id <<<"$out")"
expect_eq "plain: no progress when stderr is not a terminal" "" "$err"
# On a terminal (script(1) gives the command one), large layers show their progress.
tty_out=$(script -qec "$KMEND inventory --no-cache --insecure-registry 127.0.0.1:$plain 127.0.0.1:$plain/kmend/debian:12" /dev/null)
expect_contains "plain: progress on a terminal" "% of 9" "$tty_out"
digest=$(jq -r .image.digest "$oci_json")
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$plain" "docker://127.0.0.1:$plain/kmend/debian@$digest"
expect_eq "by digest: exit 0, same packages" "0 $(jq -c .packages "$oci_json")" "$rc $(jq -c .packages <<<"$out")"
run_kmend inventory --no-cache "127.0.0.1:$plain/kmend/debian:12"
expect_eq "plain HTTP without --insecure-registry: exit 3" "3" "$rc"
expect_contains "plain HTTP without --insecure-registry: says what to do" "pass --insecure-registry 127.0.0.1:$plain" "$err"
run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/nothing:12"
expect_eq "unknown repository: exit 2" "2" "$rc"
expect_contains "unknown repository: names it" "127.0.0.1:$plain/kmend/nothing" "$err"

# The blob cache: a first run fills it, the layer cache answers the second.
"$KMEND" inventory --cache-dir "$w/cache" --format json --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/debian:12" >"$w/c1.json"
expect_eq "blob cache holds the two layers and the config" "3" "$(ls "$w/cache/blobs/sha256" | wc -l)"
expect_eq "cached blobs are the blobs" "$(ls "$img/oci/blobs/sha256" | LC_ALL=C sort | grep -Fx -f <(ls "$w/cache/blobs/sha256") | wc -l)" "3"
"$KMEND" inventory --cache-dir "$w/cache" --format json --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/debian:12" >"$w/c2.json"
expect_eq "second run from the caches: same answer" "$(cat "$w/c1.json")" "$(cat "$w/c2.json")"

# A multi-platform index: --platform picks, a missing platform is named.
cp -r "$img/oci" "$w/multi"
man=$(jq -r '.manifests[0].digest' "$w/multi/index.json")
msize=$(jq -r '.manifests[0].size' "$w/multi/index.json")
jq -nc --arg d "$man" --argjson s "$msize" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {os: "linux", architecture: "amd64"}},
              {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {os: "linux", architecture: "arm64", variant: "v8"}}]}' >"$w/index"
idx=$(blob "$w/multi" "$w/index")
index_add "$w/multi" multi application/vnd.oci.image.index.v1+json "$idx" "$(stat -c %s "$w/index")"
skopeo copy --quiet --all --dest-tls-verify=false "oci:$w/multi:multi" "docker://127.0.0.1:$plain/kmend/multi:1"
run_kmend inventory --no-cache --format json --platform linux/arm64 --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/multi:1"
expect_eq "index: linux/arm64 resolves; digest is the index's" "0 $idx" "$rc $(jq -r .image.digest <<<"$out")"
run_kmend inventory --no-cache --platform linux/s390x --insecure-registry "127.0.0.1:$plain" "127.0.0.1:$plain/kmend/multi:1"
expect_eq "index: no linux/s390x: exit 2" "2" "$rc"
expect_contains "index: lists the platforms" "(the index has: linux/amd64, linux/arm64/v8)" "$err"

# --- htpasswd Basic auth.
htpasswd -Bbn kmend s3cret >"$w/htpasswd"
start_registry basic "$(printf 'auth:\n  htpasswd:\n    realm: kmend-test\n    path: %s' "$w/htpasswd")"
basic=$port
skopeo copy --quiet --dest-tls-verify=false --dest-creds kmend:s3cret "oci:$img/oci:12" "docker://127.0.0.1:$basic/kmend/debian:12"
run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$basic" "127.0.0.1:$basic/kmend/debian:12"
expect_eq "basic: 401 without credentials: exit 3" "3" "$rc"
expect_contains "basic: says credentials are needed and how" "requires credentials (HTTP 401) (log in" "$err"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$basic" "$(printf kmend:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$basic" "127.0.0.1:$basic/kmend/debian:12"
expect_eq "basic: credentials from \$DOCKER_CONFIG/config.json" "0 $(jq -c .packages "$oci_json")" "$rc $(jq -c .packages <<<"$out")"
rm "$DOCKER_CONFIG/config.json"
mkdir -p "$XDG_RUNTIME_DIR/containers"
printf '{"auths": {"http://127.0.0.1:%s": {"username": "kmend", "password": "s3cret"}}}\n' "$basic" >"$XDG_RUNTIME_DIR/containers/auth.json"
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$basic" "127.0.0.1:$basic/kmend/debian:12"
expect_eq "basic: credentials from containers/auth.json" "0 89" "$rc $(jq '.packages | length' <<<"$out")"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$basic" "$(printf kmend:wrong | base64)" >"$XDG_RUNTIME_DIR/containers/auth.json"
run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$basic" "127.0.0.1:$basic/kmend/debian:12"
expect_eq "basic: wrong password: exit 3" "3" "$rc"
expect_contains "basic: wrong password: says to check them" "check the credentials" "$err"
rm -f "$XDG_RUNTIME_DIR/containers/auth.json"

# --- Bearer tokens.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/token.key" -out "$w/token.crt" -days 2 -subj /CN=kmend-token >/dev/null 2>&1
tport=$(free_port)
python3 "$here/token-server.py" "$tport" "$w/token.key" "$w/token.crt" kmend t0ken kmend-issuer kmend-registry &
pids+=($!)
wait_port "$tport" || { not_ok "token server starts"; done_testing; }
start_registry token "$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: kmend-registry\n    issuer: kmend-issuer\n    rootcertbundle: %s' "$tport" "$w/token.crt")"
token=$port
skopeo copy --quiet --dest-tls-verify=false --dest-creds kmend:t0ken "oci:$img/oci:12" "docker://127.0.0.1:$token/kmend/debian:12" ||
  not_ok "push to the token registry" "$(tail -3 "$w/token/log")"
run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$token" "127.0.0.1:$token/kmend/debian:12"
expect_eq "bearer: token server refuses anonymous: exit 3" "3" "$rc"
expect_contains "bearer: says so" "the token server requires credentials" "$err"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$token" "$(printf kmend:t0ken | base64)" >"$DOCKER_CONFIG/config.json"
# The token server speaks plain HTTP: the credentials go there only once it is named.
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$token" "127.0.0.1:$token/kmend/debian:12"
expect_eq "bearer: no credentials to a plain-HTTP token server not named insecure: exit 3" "3" "$rc"
expect_contains "bearer: says why and what to do" "will not send the credentials for 127.0.0.1:$token to the token server http://127.0.0.1:$tport/token over plain HTTP (if that server is yours and the network trusted, pass --insecure-registry 127.0.0.1:$tport)" "$err"
run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$token" --insecure-registry "127.0.0.1:$tport" "127.0.0.1:$token/kmend/debian:12"
expect_eq "bearer: challenge, token, then the image" "0 $(jq -c .packages "$oci_json")" "$rc $(jq -c .packages <<<"$out")"

# --- The proxy: redirects to another host (credentials must not follow), retries, corruption.
for mode in redirect flaky corrupt; do
  pport=$(free_port)
  printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$pport" "$(printf kmend:t0ken | base64)" >"$DOCKER_CONFIG/config.json"
  : >"$w/$mode.counts"
  python3 "$here/proxy.py" "$pport" "$token" "$mode" "$w/$mode.counts" &
  pids+=($!)
  wait_port "$pport"
  run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$pport" --insecure-registry "localhost:$pport" --insecure-registry "127.0.0.1:$tport" "127.0.0.1:$pport/kmend/debian:12"
  case $mode in
    redirect)
      expect_eq "redirect: blobs fetched from the other host" "0 89" "$rc $(jq '.packages | length' <<<"$out" 2>/dev/null)"
      expect_eq "redirect: blob requests reached localhost" "yes" "$(grep -q "/blobs/.* localhost:$pport" "$w/$mode.counts" && echo yes)"
      ;;
    flaky)
      expect_eq "flaky: 503 and 429 retried until it works" "0 89" "$rc $(jq '.packages | length' <<<"$out" 2>/dev/null)"
      # 503, then 429 (Retry-After: 1), then 401 answered with a token, then the manifest.
      expect_eq "flaky: the manifest was asked for four times" "4" "$(grep -c "GET /v2/kmend/debian/manifests/12 " "$w/$mode.counts")"
      ;;
    corrupt)
      expect_eq "corrupt blob from the registry: exit 2" "2" "$rc"
      expect_contains "corrupt blob: digest mismatch named" "does not match its digest" "$err"
      ;;
  esac
done
done_testing
