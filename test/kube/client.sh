# lib/kube_client (with lib/kubeconfig and lib/http) against test/kube/apiserver.py: there is no
# real Kubernetes API server on these machines (see apiserver.py's docstring). Client
# certificates and bearer tokens, from kubeconfig data and from exec plugins that issue them;
# server-side apply and conflicts; lists over pages; watches across a dropped connection and a
# 410 Gone; no secret in any output.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
. "$KMEND_SOURCE/test/kube/apiserver.bash"
trap 'stop_apiserver; rm -rf "$w"' EXIT
tok=kmend-s3cr3t-token-$RANDOM$RANDOM
start_apiserver --token "$tok" --bookmark-seconds 0.5 --namespaces default,shop
drv="$KMEND_BUILD/test/kube_driver"
b64() { base64 -w0 <"$1"; }
mkdir -p "$w/bin"
export PATH="$w/bin:$PATH"

# kubeconfig NAME CLUSTER-EXTRA USER-YAML: a one-context kubeconfig.
kubeconfig() {
  cat >"$w/$1" <<YAML
apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: $server
$2
contexts:
- name: test
  context: {cluster: test, user: me, namespace: default}
users:
- name: me
  user:
$3
YAML
}
ca="    certificate-authority-data: $(b64 "$w/pki/ca.crt")"
kubeconfig cert.yaml "$ca" "    client-certificate-data: $(b64 "$w/pki/client.crt")
    client-key-data: $(b64 "$w/pki/client.key")"
# A plugin that issues the server's bearer token, valid an hour, and counts its runs.
cat >"$w/bin/kmend-test-token-plugin" <<SH
#!/bin/sh
echo run >>"$w/token-plugin.runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' \
  "$tok" "\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
SH
kubeconfig token-exec.yaml "$ca" "    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kmend-test-token-plugin
      interactiveMode: IfAvailable"
# A v1 plugin that issues the client certificate and key.
jq -n --rawfile c "$w/pki/client.crt" --rawfile k "$w/pki/client.key" \
  '{apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: {clientCertificateData: $c, clientKeyData: $k}}' >"$w/cert-cred.json"
printf '#!/bin/sh\ncat "%s"\n' "$w/cert-cred.json" >"$w/bin/kmend-test-cert-plugin"
chmod +x "$w/bin/kmend-test-token-plugin" "$w/bin/kmend-test-cert-plugin"
kubeconfig cert-exec.yaml "$ca" "    exec: {apiVersion: client.authentication.k8s.io/v1, command: kmend-test-cert-plugin, interactiveMode: Never}"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=other -days 1 \
  -keyout "$w/other.key" -out "$w/other.crt" 2>/dev/null
kubeconfig wrong-ca.yaml "    certificate-authority: $w/other.crt" "    token: $tok"
kubeconfig insecure.yaml "    insecure-skip-tls-verify: true" "    token: $tok"
kubeconfig bad-token.yaml "$ca" "    token: wrong-$tok"
K() { "$drv" --kubeconfig "$w/$1" "${@:2}"; }
log=$w/all-output

expect_eq "client certificate from kubeconfig data: list namespaces" "default shop" \
  "$(K cert.yaml list Namespace -A | tee -a "$log" | jq -r '.names | sort | join(" ")')"
expect_eq "client certificate from a v1 exec plugin" 2 \
  "$(K cert-exec.yaml list Namespace -A 2>>"$log" | jq -r .count)"
expect_eq "insecure-skip-tls-verify with a static token" 2 \
  "$(K insecure.yaml list Namespace -A 2>>"$log" | jq -r .count)"
K wrong-ca.yaml list Namespace -A >>"$log" 2>"$w/err"
expect_eq "a CA that did not sign the server's certificate: an error" 3 "$?"
expect_contains "the error names the server" "127.0.0.1" "$(cat "$w/err")"
cat "$w/err" >>"$log"
K bad-token.yaml list Namespace -A >>"$log" 2>"$w/err"
expect_eq "a token the server refuses: an error" 3 "$?"
expect_contains "401 with the server's Status and a hint" "answered 401: Unauthorized" "$(cat "$w/err")"
cat "$w/err" >>"$log"

# Server-side apply with a token from the exec plugin, which runs once for all requests.
cat >"$w/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers: [{name: app, image: "registry.example/web:1"}]
YAML
# (Three documents: three requests in one run.)
{ cat "$w/web.yaml"; printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n'; } >"$w/three.yaml"
K token-exec.yaml apply "$w/three.yaml" kmend >"$w/out3" 2>>"$log"
expect_eq "the exec plugin ran once for three requests, its token cached" "3 1" \
  "$(wc -l <"$w/out3") $(grep -c run "$w/token-plugin.runs")"
head -1 "$w/out3" >"$w/out"
expect_eq "apply creates the Deployment (token from the exec plugin)" Deployment "$(jq -r .kind "$w/out")"
rv=$(jq -r .resourceVersion "$w/out")
K token-exec.yaml get Deployment default web >"$w/out" 2>>"$log"
expect_eq "get: booleans stay booleans through the YAML reader" true \
  "$(jq .spec.template.spec.hostNetwork "$w/out")"
expect_eq "get: kmend is the field manager" kmend "$(jq -r '.metadata.managedFields[0].manager' "$w/out")"
sed 's/replicas: 1/replicas: 4/' "$w/web.yaml" >"$w/scale.yaml"
K cert.yaml apply "$w/scale.yaml" hpa >>"$log" 2>"$w/err"
expect_eq "apply: another manager's change to kmend's field is a conflict" 3 "$?"
expect_contains "conflict: the manager and field are named" 'conflict with "kmend" using apps/v1: .spec.replicas' "$(cat "$w/err")"
expect_contains "conflict: the hint says how to force" "--force-conflicts" "$(cat "$w/err")"
K cert.yaml apply "$w/scale.yaml" hpa force >>"$log" 2>&1
expect_eq "apply: force takes the field over" 4 "$(K cert.yaml get Deployment default web | jq .spec.replicas)"
sed 's/name: web}/name: "Web;rm -rf"}/' "$w/web.yaml" >"$w/badname.yaml"
K cert.yaml apply "$w/badname.yaml" kmend >>"$log" 2>"$w/err"
expect_contains "a name that is not a Kubernetes name never reaches a URL" "not a valid Deployment name" "$(cat "$w/err")"
K cert.yaml get Deployment default nothing >>"$log" 2>"$w/err"
expect_contains "get: 404 is not found" "(not found)" "$(cat "$w/err")"

# Lists over pages: 1,010 ConfigMaps, 500 a page.
python3 - "$w/many.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1010):
        f.write("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm%04d, namespace: shop, labels: {tier: t%d}}\n" % (i, i % 2))
PY
K cert.yaml apply "$w/many.yaml" kmend >/dev/null 2>>"$log"
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/requests"
K cert.yaml list ConfigMap shop >"$w/out" 2>>"$log"
expect_eq "list: every object once over three pages" "1010 1010" \
  "$(jq -r '"\(.count) \(.names | unique | length)"' "$w/out")"
expect_eq "list: the pages asked with limit and continue" 2 \
  "$(curl -sS --cacert "$w/pki/ca.crt" "$server/_test/requests" | jq '[.[] | select(.[1] | test("configmaps.*limit=500&continue="))] | length')"
expect_eq "list: a label selector" 505 "$(K cert.yaml list ConfigMap shop tier=t1 | jq .count)"
expect_eq "list: all namespaces (two more in default)" 1012 "$(K cert.yaml list ConfigMap -A | jq .count)"

# Watches: events after a resourceVersion, across a dropped connection.
rv=$(K cert.yaml list ConfigMap shop | jq -r .rv)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: shop}\n' a >"$w/a.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: shop}\n' b >"$w/b.yaml"
K cert.yaml watch ConfigMap shop "$rv" 20 2 >"$w/watch" 2>>"$log" &
wpid=$!
sleep 1
K cert.yaml apply "$w/a.yaml" kmend >/dev/null
sleep 0.5
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/drop-watches"
sleep 0.5
K cert.yaml apply "$w/b.yaml" kmend >/dev/null
wait $wpid
expect_eq "watch: the events on both sides of the dropped connection, once each" "ADDED a ADDED b" \
  "$(jq -r 'select(.type) | "\(.type) \(.name)"' "$w/watch" | xargs)"
expect_eq "watch: it reconnected from the last resourceVersion" true \
  "$(jq 'select(.reconnects) | .reconnects >= 1 and .relists == 0' "$w/watch")"
# 410 Gone: a resourceVersion the server no longer has makes kmend list again and go on.
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/compact"
K cert.yaml watch ConfigMap shop "$rv" 10 2 >"$w/watch" 2>>"$log" &
wpid=$!
for _ in $(seq 100); do grep -q RELISTED "$w/watch" && break; sleep 0.1; done
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n' >"$w/c.yaml"
K cert.yaml apply "$w/c.yaml" kmend >/dev/null
wait $wpid
expect_eq "watch: after 410 the whole list, then the events after it" "RELISTED 1012 ADDED c" \
  "$(jq -r 'select(.type) | "\(.type) \(.count // .name)"' "$w/watch" | xargs)"
expect_eq "watch: one relist" 1 "$(jq 'select(.relists) | .relists' "$w/watch")"

# No secret reached any output.
key=$(grep -v -- ----- "$w/pki/client.key" | head -1)
expect_eq "no token or key in any output or error" "" \
  "$(grep -F -e "$tok" -e "$key" "$log" "$w/err" "$w/watch" "$w/out")"
expect_eq "the server logged no error" "" "$(grep -i -E 'traceback|error' "$w/server.log")"
done_testing
