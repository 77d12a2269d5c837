# Registry credentials and tokens: any length (cloud tokens run to several KiB; a 255-byte cut
# once made long ones fail as a wrong password), never sent to a plain-HTTP token server the
# user did not name, never in kmend's output; and a libcurl too old is refused by name.
# Debian's real docker-registry with token auth from test/registry/token-server.py, whose
# realm is reached through test/registry/proxy.py (pass mode) to count what reaches it.
. "$KMEND_SOURCE/test/registry/setup.bash"

# A 5000-byte password (deterministic), and tokens padded to over 12 KiB.
password=$(for i in $(seq 500); do printf 'pw%08d' "$i"; done)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/token.key" -out "$w/token.crt" -days 2 -subj /CN=kmend-token >/dev/null 2>&1
tport=$(free_port)
TOKEN_LOG="$w/tokens" TOKEN_PADDING=12000 python3 "$KMEND_SOURCE/test/registry/token-server.py" "$tport" "$w/token.key" "$w/token.crt" kmend "$password" kmend-issuer kmend-registry &
pids+=($!)
wait_port "$tport" || not_ok "token server starts"
aport=$(free_port)
python3 "$KMEND_SOURCE/test/registry/proxy.py" "$aport" "$tport" pass "$w/realm-requests" &
pids+=($!)
wait_port "$aport" || not_ok "realm proxy starts"
start_registry token "$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: kmend-registry\n    issuer: kmend-issuer\n    rootcertbundle: %s' "$aport" "$w/token.crt")"
reg="127.0.0.1:$port"
skopeo copy --quiet --dest-tls-verify=false --dest-creds "kmend:$password" "oci:$img/oci:12" "docker://$reg/kmend/debian:12" ||
  not_ok "push with the long password"
auth_b64=$(printf 'kmend:%s' "$password" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$reg" "$auth_b64" >"$DOCKER_CONFIG/config.json"

# The realm is plain HTTP and not named: refused before any request reaches it.
: >"$w/realm-requests"
run_kmend inventory --no-cache --insecure-registry "$reg" "$reg/kmend/debian:12"
expect_eq "plain-HTTP realm not named: exit 3" "3" "$rc"
expect_contains "plain-HTTP realm not named: says why" "will not send the credentials for $reg to the token server http://127.0.0.1:$aport/token over plain HTTP" "$err"
expect_eq "plain-HTTP realm not named: nothing reached it" "0" "$(wc -l <"$w/realm-requests")"
refused_err=$err

# Named: a 5000-byte password and a 12 KiB token work.
: >"$w/tokens"
run_kmend inventory --no-cache --format json --insecure-registry "$reg" --insecure-registry "127.0.0.1:$aport" "$reg/kmend/debian:12"
expect_eq "long password and long token: exit 0, all packages" "0 89" "$rc $(jq '.packages | length' <<<"$out" 2>/dev/null)"
expect_eq "long password and long token: one token issued" "1" "$(wc -l <"$w/tokens")"

# A wrong long password: refused, and the secret is nowhere in what kmend says.
printf '{"auths": {"%s": {"username": "kmend", "password": "%sx"}}}\n' "$reg" "$password" >"$DOCKER_CONFIG/config.json"
run_kmend inventory --no-cache --insecure-registry "$reg" --insecure-registry "127.0.0.1:$aport" "$reg/kmend/debian:12"
expect_eq "wrong long password: exit 3" "3" "$rc"
expect_contains "wrong long password: the token server refused them" "the token server refused the credentials" "$err"
wrong_err=$err

# Past KMEND_CREDENTIAL_MAX (64 KiB): an error naming the file, not a silent cut.
big=$(head -c 70000 /dev/zero | tr '\0' 'k')
printf '{"auths": {"%s": {"username": "kmend", "password": "%s"}}}\n' "$reg" "$big" >"$DOCKER_CONFIG/config.json"
run_kmend inventory --no-cache --insecure-registry "$reg" "$reg/kmend/debian:12"
expect_eq "credential over the limit: exit 2" "2" "$rc"
expect_contains "credential over the limit: names the file and the limit" "$DOCKER_CONFIG/config.json: a credential longer than kmend's limit of 65536 bytes" "$err"
big_err=$err

for e in "$refused_err" "$wrong_err" "$big_err"; do
  case "$e" in
    *"${password:0:40}"* | *"${auth_b64:0:40}"* | *kkkkkkkkkkkkkkkkkkkk* | *Authorization* | *Bearer* | *Basic\ *) leaked=yes ;;
  esac
done
expect_eq "no password, Authorization value or token in any error" "" "${leaked:-}"

# A libcurl older than kmend needs: named, with its version, before anything is looked up.
mkdir -p "$w/oldcurl"
cat >"$w/oldcurl/curl.c" <<'C'
#include <curl/curl.h>
static curl_version_info_data old = {.age = CURLVERSION_NOW, .version = "7.68.0", .version_num = 0x074400};
curl_version_info_data *curl_version_info(CURLversion v) { (void)v; return &old; }
C
cc -shared -fPIC -o "$w/oldcurl/libcurl.so.4" "$w/oldcurl/curl.c" || not_ok "build the old libcurl stand-in"
LD_LIBRARY_PATH="$w/oldcurl" run_kmend inventory --no-cache --insecure-registry "$reg" "$reg/kmend/debian:12"
expect_eq "old libcurl: refused (exit 2)" "2" "$rc"
expect_contains "old libcurl: says which version and which is needed" "libcurl 7.68.0 is older than 7.85.0, the oldest kmend works with (install libcurl4 7.85.0 or later" "$err"
done_testing
