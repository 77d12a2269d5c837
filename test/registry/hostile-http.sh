# kmend against a registry that misbehaves at the HTTP level: Debian's real docker-registry on
# 127.0.0.1 behind test/registry/proxy.py, which writes its answers by hand: headers in pieces
# and after pauses (under ASan with detect_stack_use_after_return=1, as test/run and CI run
# it, this caught the header callback writing into a returned stack frame), very long
# headers, chunked bodies with trailers, bodies longer or shorter than their Content-Length,
# and servers that stall in the body or in the headers ($KMEND_HTTP_TIMEOUT, docs/inventory.md).
. "$KMEND_SOURCE/test/registry/setup.bash"

"$KMEND" inventory --no-cache --format json "oci:$img/oci:12" >"$w/oci.json"
want=$(jq -c .packages "$w/oci.json" | sha256sum)
start_registry plain
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://127.0.0.1:$port/kmend/debian:12"

# proxy MODE: a proxy in that mode in front of the registry; sets $pport.
proxy() {
  pport=$(free_port)
  : >"$w/$1.counts"
  python3 "$KMEND_SOURCE/test/registry/proxy.py" "$pport" "$port" "$1" "$w/$1.counts" &
  pids+=($!)
  wait_port "$pport" || not_ok "$1: proxy starts"
}

# Answers that are odd but valid HTTP: the same image as from the OCI layout.
for mode in split-headers long-headers chunked-trailers long-body; do
  proxy "$mode"
  run_kmend inventory --no-cache --format json --insecure-registry "127.0.0.1:$pport" "127.0.0.1:$pport/kmend/debian:12"
  expect_eq "$mode: exit 0, the same packages as oci:" "0 $want" "$rc $(jq -c .packages <<<"$out" 2>/dev/null | sha256sum)"
  expect_eq "$mode: nothing on stderr" "" "$err"
  blobs=$(grep -c '^GET /v2/kmend/debian/blobs/sha256:' "$w/$mode.counts")
  if [ "$mode" = long-body ]; then
    # The surplus stays on the connection and spoils the next answer on it: that request is
    # tried again on a new connection, and the answer is still right.
    expect_eq "$mode: the next request on that connection was tried again" "yes" "$([ "$blobs" -gt 3 ] && echo yes)"
  else
    expect_eq "$mode: the config and both layers came through the proxy, once each" "3" "$blobs"
  fi
done

# A body cut short: a network error naming the blob, and nothing cached.
proxy short-body
run_kmend inventory --cache-dir "$w/cache" --insecure-registry "127.0.0.1:$pport" "127.0.0.1:$pport/kmend/debian:12"
expect_eq "short body: exit 3" "3" "$rc"
expect_contains "short body: names the blob" "127.0.0.1:$pport/v2/kmend/debian/blobs/sha256:" "$err"
expect_contains "short body: says it was cut" "transfer closed with 512 bytes remaining" "$err"
expect_eq "short body: no blob kept in the cache" "0" "$(find "$w/cache" -path '*blobs/sha256/*' -size +1k 2>/dev/null | wc -l)"

# A server that stops sending mid-body, and one that stops after its status line.
proxy stall
KMEND_HTTP_TIMEOUT=2 run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$pport" "127.0.0.1:$pport/kmend/debian:12"
expect_eq "stalled body: exit 3" "3" "$rc"
expect_contains "stalled body: names the blob and the wait" "/v2/kmend/debian/blobs/sha256:" "$err"
expect_contains "stalled body: gives up after KMEND_HTTP_TIMEOUT" "the server sent nothing for 2 seconds (KMEND_HTTP_TIMEOUT=SECONDS waits longer" "$err"
proxy stall-headers
KMEND_HTTP_TIMEOUT=1 run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$pport" "127.0.0.1:$pport/kmend/debian:12"
expect_eq "stalled headers: exit 3" "3" "$rc"
expect_contains "stalled headers: names the manifest and the wait" "127.0.0.1:$pport/v2/kmend/debian/manifests/12: the server sent nothing for 1 seconds" "$err"
expect_eq "stalled headers: tried 1 + 4 times" "5" "$(grep -c '^GET /v2/kmend/debian/manifests/12 ' "$w/stall-headers.counts")"
KMEND_HTTP_TIMEOUT=soon run_kmend inventory --no-cache --insecure-registry "127.0.0.1:$pport" "127.0.0.1:$pport/kmend/debian:12"
expect_contains "a KMEND_HTTP_TIMEOUT that is not a number is refused" "KMEND_HTTP_TIMEOUT: not a number of seconds from 1 to 86400: 'soon'" "$err"
done_testing
