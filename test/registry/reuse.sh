# One run, several images, one registry: connections, HTTP/2, schemes and tokens are reused.
# Debian's real docker-registry on 127.0.0.1 (plain HTTP behind test/registry/proxy.py, which
# counts connections and requests; TLS, whose access log names each request's protocol and
# client port; token auth with test/registry/token-server.py, which logs the tokens it
# issues). Before this, a scan of four images opened 20 connections (an HTTPS attempt per
# image, then one connection per request) and fetched one token per image.
. "$KMEND_SOURCE/test/registry/setup.bash"
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null

# --- Plain HTTP: one HTTPS attempt for the host, then one connection for everything.
start_registry plain
for r in a b c d; do
  skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://127.0.0.1:$port/kmend/$r:12"
done
pport=$(free_port)
python3 "$KMEND_SOURCE/test/registry/proxy.py" "$pport" "$port" pass "$w/requests" "$w/connections" &
pids+=($!)
wait_port "$pport" || not_ok "the counting proxy starts"
: >"$w/requests"
: >"$w/connections"
reg="127.0.0.1:$pport"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "$reg" "$reg/kmend/a:12" "$reg/kmend/b:12" "$reg/kmend/c:12" "$reg/kmend/d:12"
expect_eq "plain: four images scanned" "0 4" "$rc $(jq '.results | length' <<<"$out")"
expect_eq "plain: each manifest and blob asked for once (4 x 4 requests)" "16 16" \
  "$(wc -l <"$w/requests") $(sort -u "$w/requests" | wc -l)"
expect_eq "plain: one HTTPS attempt for the host, not one per image" "1" "$(grep -c '^tls ' "$w/connections")"
expect_eq "plain: one HTTP connection for all 16 requests" "1" "$(grep -c '^http ' "$w/connections")"

# --- TLS: HTTP/2 where the registry offers it, one connection.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$w/tls.key" -out "$w/tls.crt" \
  -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
tport=$(free_port)
mkdir -p "$w/tls"
printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n  tls:\n    certificate: %s\n    key: %s\n' \
  "$w/tls/data" "$tport" "$w/tls.crt" "$w/tls.key" >"$w/tls/config.yml"
docker-registry serve "$w/tls/config.yml" >"$w/tls/log" 2>&1 &
pids+=($!)
wait_port "$tport" || not_ok "the TLS registry starts" "$(cat "$w/tls/log")"
for r in a b; do
  skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://127.0.0.1:$tport/kmend/$r:12"
done
: >"$w/tls/log"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "127.0.0.1:$tport" "127.0.0.1:$tport/kmend/a:12" "127.0.0.1:$tport/kmend/b:12"
expect_eq "tls: two images scanned" "0 2" "$rc $(jq '.results | length' <<<"$out")"
expect_eq "tls: 8 requests, every one over HTTP/2" "8 8" \
  "$(grep -ac '"GET /v2/' "$w/tls/log") $(grep -ac '"GET /v2/.* HTTP/2.0"' "$w/tls/log")"
expect_eq "tls: all on one connection" "1" \
  "$(grep -ao 'http.request.remoteaddr="[^"]*"' "$w/tls/log" | sort -u | wc -l)"

# --- Tokens: one per repository scope for the run, not one per image.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/token.key" -out "$w/token.crt" -days 2 -subj /CN=kmend-token >/dev/null 2>&1
aport=$(free_port)
TOKEN_LOG="$w/tokens" python3 "$KMEND_SOURCE/test/registry/token-server.py" "$aport" "$w/token.key" "$w/token.crt" kmend t0ken kmend-issuer kmend-registry &
pids+=($!)
wait_port "$aport" || not_ok "token server starts"
start_registry token "$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: kmend-registry\n    issuer: kmend-issuer\n    rootcertbundle: %s' "$aport" "$w/token.crt")"
for r in debian:12 debian:again other:12; do
  skopeo copy --quiet --dest-tls-verify=false --dest-creds kmend:t0ken "oci:$img/oci:12" "docker://127.0.0.1:$port/kmend/$r"
done
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf kmend:t0ken | base64 -w0)" >"$DOCKER_CONFIG/config.json"
: >"$w/tokens"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "127.0.0.1:$port" --insecure-registry "127.0.0.1:$aport" \
  "127.0.0.1:$port/kmend/debian:12" "127.0.0.1:$port/kmend/debian:again" "127.0.0.1:$port/kmend/other:12"
expect_eq "tokens: three images scanned" "0 3" "$rc $(jq '.results | length' <<<"$out")"
expect_eq "tokens: one token per repository, reused by the second tag" \
  "repository:kmend/debian:pull|repository:kmend/other:pull" "$(paste -sd'|' "$w/tokens")"
done_testing
