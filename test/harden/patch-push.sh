# Registry push against Debian's real docker-registry: whole and chunked uploads, blobs the
# registry has skipped (HEAD), cross-repository mounts, htpasswd and token auth (a mount's
# token names both repositories), and a proxy that spoils uploads: a corrupted or cut upload
# is started again, one corrupted every time fails with the registry's words, and a registry
# that claims another digest or size than kmend sent is not believed.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
. "$KMEND_SOURCE/test/harden/patch.bash"
patch_scratch
src="oci:$img/oci:12"
layers=$(skopeo inspect "$src" | jq -c '.Layers')
copy() { patch_tool copy "$@"; }
blobs() { jq -r '.blobs | "\(.present) \(.mounted) \(.written)"' <<<"$out"; }
start_proxy() { # MODE: a patch-proxy.py in front of the registry on $port; sets $pport
  pport=$(free_port)
  : >"$w/counts-$1"
  python3 "$KMEND_SOURCE/test/harden/patch-proxy.py" "$pport" "$port" "$1" "$w/counts-$1" &
  pids+=($!)
  wait_port "$pport" || not_ok "proxy $1 starts"
}
uploads() { grep -c "^POST /v2/$1/blobs/uploads/ " "$2"; } # REPO COUNTS: uploads started

start_registry plain
reg="127.0.0.1:$port"
copy --insecure-registry "$reg" "$src" "$reg/kmend/a:1"
expect_eq "whole uploads: exit 0, every blob written" "0 0 0 3" "$rc $(blobs)"
expect_eq "the registry serves the manifest kmend computed" "$(jq -r .digest <<<"$out")" \
  "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/kmend/a:1")"
expect_eq "and its layers" "$layers" "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/a:1" | jq -c .Layers)"
copy --insecure-registry "$reg" "$src" "$reg/kmend/a:2"
expect_eq "again: every blob is there already (HEAD), none sent" "0 3 0 0" "$rc $(blobs)"
copy --insecure-registry "$reg" "$reg/kmend/a:1" "$reg/kmend/b:1"
expect_eq "to another repository of the registry: every blob mounted" "0 0 3 0" "$rc $(blobs)"
expect_eq "the mounted image is whole" "$layers" "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/b:1" | jq -c .Layers)"

# Chunks: PATCH with Content-Range, none larger than asked, then the closing PUT.
start_proxy pass
copy --chunk 4000000 --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/chunked:1"
expect_eq "chunked: exit 0, every blob written" "0 0 0 3" "$rc $(blobs)"
big=$(skopeo inspect --raw "$src" | jq '[.layers[].size | select(. > 4000000)] | map((. + 3999999) / 4000000 | floor) | add')
expect_eq "one PATCH per 4 MB chunk of the big layer" "$big" "$(grep -c '^PATCH /v2/kmend/chunked/blobs/uploads/' "$w/counts-pass")"
expect_eq "no chunk over the size asked" "" "$(awk '$1 == "PATCH" && $3 > 4000000' "$w/counts-pass")"
expect_eq "the chunked image is whole" "$layers" "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/chunked:1" | jq -c .Layers)"

# A corrupted upload: the registry refuses its digest, kmend starts that blob again.
start_proxy corrupt-first
copy --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/c1:1"
expect_eq "corrupted once: exit 0, every blob written" "0 0 0 3" "$rc $(blobs)"
expect_eq "the spoiled upload was started again (4 uploads for 3 blobs)" "4" "$(uploads kmend/c1 "$w/counts-corrupt-first")"
expect_eq "the image is whole" "$layers" "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/c1:1" | jq -c .Layers)"
start_proxy corrupt-all
copy --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/c2:1"
expect_eq "corrupted every time: exit 3" "3" "$rc"
expect_contains "the error gives the registry's words" "DIGEST_INVALID" "$err"
expect_contains "and names the blob" "$(jq -r '.[0]' <<<"$layers")" "$err"
expect_eq "tried 1 + KMEND_HTTP_RETRIES times, then gave up" "5" "$(uploads kmend/c2 "$w/counts-corrupt-all")"
expect_eq "no image was named" "1" "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/c2:1" >/dev/null 2>&1; echo $?)"

# A cut upload (half the bytes, then silence and a closed connection): started again.
for chunk in 0 4000000; do
  start_proxy cut-first
  copy --chunk "$chunk" --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/cut$chunk:1"
  expect_eq "cut once (chunk size $chunk): exit 0, the image whole" "0 $layers" \
    "$rc $(skopeo inspect --tls-verify=false "docker://$reg/kmend/cut$chunk:1" | jq -c .Layers)"
done

# A registry that says it stored another digest, or has another size under the digest.
start_proxy wrong-digest
copy --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/wrong:1"
expect_eq "a wrong Docker-Content-Digest: exit 3" "3" "$rc"
expect_contains "says what the registry claimed" "the registry stored $(jq -r '.[0]' <<<"$layers") as sha256:0000000000000000000000000000000000000000000000000000000000000000" "$err"
start_proxy lost-blob
copy --insecure-registry "127.0.0.1:$pport" "$src" "127.0.0.1:$pport/kmend/a:3"
expect_eq "a HEAD with another size: exit 3" "3" "$rc"
expect_contains "says so" "with 3 bytes, not" "$err"

# htpasswd (Basic): the credentials from auth.json; a wrong password refused, never printed.
htpasswd -Bbn kmend 's3cret-pw' >"$w/htpasswd" 2>/dev/null
start_registry basic "$(printf 'auth:\n  htpasswd:\n    realm: kmend\n    path: %s' "$w/htpasswd")"
breg="127.0.0.1:$port"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$breg" "$(printf 'kmend:s3cret-pw' | base64 -w0)" >"$DOCKER_CONFIG/config.json"
copy --insecure-registry "$breg" "$src" "$breg/kmend/a:1"
expect_eq "htpasswd: exit 0, every blob written" "0 0 0 3" "$rc $(blobs)"
copy --insecure-registry "$breg" "$breg/kmend/a:1" "$breg/kmend/b:1"
expect_eq "htpasswd: mounted within the registry" "0 0 3 0" "$rc $(blobs)"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$breg" "$(printf 'kmend:wrong-pw' | base64 -w0)" >"$DOCKER_CONFIG/config.json"
copy --insecure-registry "$breg" "$src" "$breg/kmend/c:1"
expect_eq "htpasswd, wrong password: exit 3" "3" "$rc"
expect_contains "refused as credentials" "check the credentials" "$err"
case "$err$out" in *wrong-pw* | *s3cret* | *Basic\ *) leaked=yes ;; esac
expect_eq "no password in what patch-tool printed" "" "${leaked:-}"

# Token auth: tokens for pull,push; a mount's token names both repositories.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/token.key" -out "$w/token.crt" -days 2 -subj /CN=kmend-token >/dev/null 2>&1
tport=$(free_port)
TOKEN_LOG="$w/tokens" python3 "$KMEND_SOURCE/test/registry/token-server.py" "$tport" "$w/token.key" "$w/token.crt" kmend tok-pw kmend-issuer kmend-registry &
pids+=($!)
wait_port "$tport" || not_ok "token server starts"
start_registry token "$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: kmend-registry\n    issuer: kmend-issuer\n    rootcertbundle: %s' "$tport" "$w/token.crt")"
treg="127.0.0.1:$port"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$treg" "$(printf 'kmend:tok-pw' | base64 -w0)" >"$DOCKER_CONFIG/config.json"
: >"$w/tokens"
copy --insecure-registry "$treg" --insecure-registry "127.0.0.1:$tport" "$src" "$treg/kmend/a:1"
expect_eq "token auth: exit 0, every blob written" "0 0 0 3" "$rc $(blobs)"
expect_eq "a token for pull and push was issued" "1" "$(grep -c -E "^repository:kmend/a:(pull,push|push,pull)$" "$w/tokens")"
: >"$w/tokens"
copy --insecure-registry "$treg" --insecure-registry "127.0.0.1:$tport" "$treg/kmend/a:1" "$treg/kmend/b:1"
expect_eq "token auth: mounted" "0 0 3 0" "$rc $(blobs)"
both=$(awk '/(^| )repository:kmend\/a:pull( |$)/ && /(^| )repository:kmend\/b:(pull,push|push,pull)( |$)/' "$w/tokens")
expect_eq "the mount's token names both repositories, as two scopes" "2" "$(wc -w <<<"$both")"

expect_eq "the mounted image is whole" "$layers" \
  "$(skopeo inspect --tls-verify=false --creds kmend:tok-pw "docker://$treg/kmend/b:1" | jq -c .Layers)"
done_testing
