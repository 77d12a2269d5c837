/* lib/kubeconfig: kubectl's merge rules, relative paths, in-cluster, exec plugins (EKS, GKE). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kubeconfig.h"

static char dir[] = "/tmp/kmend-test-kubeconfig.XXXXXX";

/* Every secret the files and plugins below hold: no error text may contain one. */
static const char *const secrets[] = {
    "static-token-s3cr3t", "file-token-s3cr3t", "k8s-aws-v1.eks-s3cr3t", "ya29.gke-s3cr3t",
    "PRIVATE-KEY-s3cr3t",  "garbage-s3cr3t",    "rotated-s3cr3t",
};

static void no_secret_in(const struct kmend_error *err)
{
	char buf[2048];
	size_t i;

	kmend_error_format(err, buf, sizeof(buf));
	for (i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
		if (strstr(buf, secrets[i]) || strstr(err->hint, secrets[i]))
			fail_msg("a secret reached an error: %s", buf);
}

static void __attribute__((format(printf, 3, 4)))
put(const char *rel, mode_t mode, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, mode);
}

static int load(const char *kubeconfig_env, const char *kubeconfig, const char *context,
                struct kmend_kube_config **cfg, struct kmend_error *err)
{
	char kenv[2048], home[1100];
	const char *env[4] = {home, NULL, NULL, NULL};
	struct kmend_kubeconfig_options o = {
	    .kubeconfig = kubeconfig, .context = context, .env = env};

	snprintf(home, sizeof(home), "HOME=%s/nohome", dir);
	if (kubeconfig_env) {
		snprintf(kenv, sizeof(kenv), "KUBECONFIG=%s", kubeconfig_env);
		env[1] = kenv;
	}
	return kmend_kubeconfig_load(&o, cfg, err);
}

static int setup(void **state)
{
	char bin[1100], path[4096];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(bin, sizeof(bin), "%s/a", dir);
	mkdir(bin, 0700);
	snprintf(bin, sizeof(bin), "%s/b", dir);
	mkdir(bin, 0700);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	mkdir(bin, 0700);
	snprintf(bin, sizeof(bin), "%s/sa", dir);
	mkdir(bin, 0700);
	/* The stand-in plugins are found on PATH, as kubectl finds aws and gcloud's. */
	snprintf(path, sizeof(path), "%s/bin:%s", dir,
	         getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[1100];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Two files merged: the first to name an entry wins it; paths resolved against their own file. */
static void test_merge_first_wins_and_relative_paths(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_kube_credential cred;
	struct kmend_error err = {0};
	char list[4096], want[1100];

	(void)state;
	put("a/config", 0600,
	    "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
	    "clusters:\n- name: dev-cluster\n  cluster:\n    server: https://dev.example:6443\n"
	    "    certificate-authority: pki/ca.crt\n    proxy-url: http://proxy.example:3128\n"
	    "contexts:\n- name: dev\n  context: {cluster: dev-cluster, user: dev-user, namespace: "
	    "team-a}\n");
	put("b/config", 0600,
	    "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
	    "clusters:\n- name: dev-cluster\n  cluster: {server: https://ignored.example}\n"
	    "- name: prod-cluster\n  cluster: {server: https://prod.example, "
	    "insecure-skip-tls-verify: true}\n"
	    "contexts:\n- name: dev\n  context: {cluster: prod-cluster, user: dev-user}\n"
	    "- name: prod\n  context: {cluster: prod-cluster, user: dev-user}\n"
	    "users:\n- name: dev-user\n  user:\n    client-certificate: certs/me.crt\n"
	    "    client-key: /abs/me.key\n    tokenFile: ../token\n");
	put("token", 0600, "file-token-s3cr3t\n");
	snprintf(list, sizeof(list), "%s/a/config:%s/missing:%s/b/config", dir, dir, dir);
	assert_int_equal(load(list, NULL, NULL, &c, &err), 0);
	assert_string_equal(c->context, "dev");
	assert_string_equal(c->server, "https://dev.example:6443");
	assert_string_equal(c->namespace, "team-a");
	assert_string_equal(c->proxy_url, "http://proxy.example:3128");
	snprintf(want, sizeof(want), "%s/a/pki/ca.crt", dir);
	assert_string_equal(c->ca_file, want);
	snprintf(want, sizeof(want), "%s/b/certs/me.crt", dir);
	assert_string_equal(c->cert_file, want);
	assert_string_equal(c->key_file, "/abs/me.key");
	snprintf(want, sizeof(want), "%s/b/../token", dir);
	assert_string_equal(c->token_file, want);
	assert_false(c->insecure);
	snprintf(want, sizeof(want), "%s/a/config", dir);
	assert_string_equal(c->source, want);
	/* The token file is read for each credential: rotation is seen. The missing cert is named.
	 */
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), -ENOENT);
	assert_non_null(strstr(err.input, "me.crt"));
	kmend_kube_config_free(c);

	/* --context picks the second file's context, whose cluster is insecure. */
	assert_int_equal(load(list, NULL, "prod", &c, &err), 0);
	assert_string_equal(c->server, "https://prod.example");
	assert_true(c->insecure);
	assert_string_equal(c->namespace, "default");
	kmend_kube_config_free(c);

	/* The order of the list decides. */
	snprintf(list, sizeof(list), "%s/b/config:%s/a/config", dir, dir);
	assert_int_equal(load(list, NULL, NULL, &c, &err), 0);
	assert_string_equal(c->context, "prod");
	kmend_kube_config_free(c);
	assert_int_equal(load(list, NULL, "dev", &c, &err), 0);
	assert_string_equal(c->server, "https://prod.example");
	kmend_kube_config_free(c);
}

static void test_missing_current_context(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_error err = {0};
	char path[1100], list[2300];

	(void)state;
	put("nocur", 0600,
	    "apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: https://k.example}\n"
	    "contexts:\n- name: one\n  context: {cluster: k}\n- name: two\n  context: {cluster: "
	    "k}\n");
	put("nocur2", 0600, "apiVersion: v1\nusers: []\n");
	snprintf(path, sizeof(path), "%s/nocur", dir);
	snprintf(list, sizeof(list), "%s/nocur:%s/nocur2", dir, dir);
	assert_int_equal(load(list, NULL, NULL, &c, &err), -KMEND_E_NOT_FOUND);
	assert_null(c);
	assert_non_null(strstr(err.message, "no current-context"));
	assert_non_null(strstr(err.hint, "one, two"));
	/* A second file that sets it supplies it. */
	put("cur", 0600, "current-context: two\n");
	snprintf(list, sizeof(list), "%s/nocur:%s/cur", dir, dir);
	assert_int_equal(load(list, NULL, NULL, &c, &err), 0);
	assert_string_equal(c->context, "two");
	assert_null(c->token);
	kmend_kube_config_free(c);
	/* A context that no file defines, and a user that none defines. */
	assert_int_equal(load(NULL, path, "three", &c, &err), -KMEND_E_NOT_FOUND);
	assert_non_null(strstr(err.message, "\"three\" does not exist"));
	put("nouser", 0600,
	    "current-context: x\nclusters: [{name: k, cluster: {server: https://k}}]\n"
	    "contexts: [{name: x, context: {cluster: k, user: ghost}}]\n");
	snprintf(path, sizeof(path), "%s/nouser", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_NOT_FOUND);
	assert_non_null(strstr(err.message, "\"ghost\""));
	/* --kubeconfig must exist, unlike the entries of $KUBECONFIG. */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), -ENOENT);
	assert_non_null(strstr(err.input, "none"));
}

static void test_data_fields_and_static_token(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_kube_credential cred;
	struct kmend_error err = {0};
	char path[1100];

	(void)state;
	/* base64 of "-----BEGIN CERTIFICATE-----\nCA\n", of "CERT\n", of "PRIVATE-KEY-s3cr3t\n". */
	put("data", 0600,
	    "current-context: c\n"
	    "clusters: [{name: k, cluster: {server: https://k.example, tls-server-name: api.k, "
	    "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {token: static-token-s3cr3t, client-certificate-data: "
	    "Q0VSVAo=, client-key-data: UFJJVkFURS1LRVktczNjcjN0Cg==}}]\n");
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), 0);
	assert_int_equal(c->ca_len, 31);
	assert_memory_equal(c->ca_data, "-----BEGIN CERTIFICATE-----\nCA\n", 31);
	assert_string_equal(c->tls_server_name, "api.k");
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	assert_string_equal(cred.token, "static-token-s3cr3t");
	assert_string_equal(cred.cert_pem, "CERT\n");
	assert_string_equal(cred.key_pem, "PRIVATE-KEY-s3cr3t\n");
	kmend_kube_credential_free(&cred);
	kmend_kube_config_free(c);

	/* Bad base64, a CA with insecure, a cert without a key, an auth-provider. */
	put("bad", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k, "
	    "certificate-authority-data: 'not base64!'}}]\ncontexts: [{name: c, context: {cluster: "
	    "k}}]\n");
	snprintf(path, sizeof(path), "%s/bad", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "certificate-authority-data"));
	put("bad", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k, "
	    "certificate-authority: ca.crt, insecure-skip-tls-verify: true}}]\n"
	    "contexts: [{name: c, context: {cluster: k}}]\n");
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "insecure-skip-tls-verify"));
	put("bad", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {token: static-token-s3cr3t, client-key-data: "
	    "UFJJVkFURS1LRVktczNjcjN0Cg==}}]\n");
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_BAD_INPUT);
	no_secret_in(&err);
	put("bad", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {auth-provider: {name: gcp, config: {access-token: "
	    "ya29.gke-s3cr3t}}}}]\n");
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_UNSUPPORTED);
	assert_non_null(strstr(err.hint, "gke-gcloud-auth-plugin"));
	no_secret_in(&err);
	put("bad", 0600, "- a list\n");
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_BAD_INPUT);
}

static void test_in_cluster(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_kube_credential cred;
	struct kmend_error err = {0};
	char home[1100], sa[1100], want[1200];
	const char *env[] = {home, "KUBERNETES_SERVICE_HOST=10.96.0.1",
	                     "KUBERNETES_SERVICE_PORT=443", NULL};
	const char *env6[] = {home, "KUBERNETES_SERVICE_HOST=fd00::1",
	                      "KUBERNETES_SERVICE_PORT=443", NULL};
	struct kmend_kubeconfig_options o = {.env = env, .serviceaccount_dir = sa};

	(void)state;
	snprintf(home, sizeof(home), "HOME=%s/nohome", dir);
	snprintf(sa, sizeof(sa), "%s/sa", dir);
	/* Without the token file it says what is missing. */
	assert_int_equal(kmend_kubeconfig_load(&o, &c, &err), -KMEND_E_NOT_FOUND);
	assert_non_null(strstr(err.input, "sa/token"));
	put("sa/token", 0600, "file-token-s3cr3t");
	put("sa/namespace", 0600, "kmend-system\n");
	assert_int_equal(kmend_kubeconfig_load(&o, &c, &err), 0);
	assert_string_equal(c->server, "https://10.96.0.1:443");
	assert_string_equal(c->namespace, "kmend-system");
	assert_string_equal(c->context, "in-cluster");
	snprintf(want, sizeof(want), "%s/ca.crt", sa);
	assert_string_equal(c->ca_file, want);
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	assert_string_equal(cred.token, "file-token-s3cr3t");
	kmend_kube_credential_free(&cred);
	/* The kubelet rotates the projected token: the next credential reads it again. */
	put("sa/token", 0600, "rotated-s3cr3t\n");
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	assert_string_equal(cred.token, "rotated-s3cr3t");
	kmend_kube_credential_free(&cred);
	kmend_kube_config_free(c);
	o.env = env6;
	assert_int_equal(kmend_kubeconfig_load(&o, &c, &err), 0);
	assert_string_equal(c->server, "https://[fd00::1]:443");
	kmend_kube_config_free(c);
	/* Neither a kubeconfig nor a pod. */
	o.env = (const char *const[]){home, NULL};
	assert_int_equal(kmend_kubeconfig_load(&o, &c, &err), -KMEND_E_NOT_FOUND);
	assert_non_null(strstr(err.hint, "--kubeconfig"));
}

static int count_runs(const char *name)
{
	char path[1100];
	int n = 0, ch;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.runs", dir, name);
	if (!(f = fopen(path, "r")))
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/*
 * EKS: `aws eks get-token` speaks v1beta1 and prints a token valid 15 minutes. The stand-in
 * checks the arguments and the env kubectl passes, and counts its runs.
 */
static void test_exec_eks(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_kube_credential cred;
	struct kmend_error err = {0};
	char path[1100], exp[32];
	time_t later = time(NULL) + 900;

	(void)state;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	put("bin/aws", 0700,
	    "#!/bin/sh\necho run >>%s/aws.runs\n"
	    "[ \"$*\" = \"--region eu-west-1 eks get-token --cluster-name demo --output json\" ] "
	    "|| { echo \"bad args: $*\" >&2; exit 2; }\n"
	    "[ \"$AWS_PROFILE\" = prod ] || { echo 'AWS_PROFILE not passed' >&2; exit 2; }\n"
	    "case \"$KUBERNETES_EXEC_INFO\" in *'\"apiVersion\":\"client.authentication.k8s.io/"
	    "v1beta1\"'*'\"interactive\":false'*) ;; *) echo \"exec info: $KUBERNETES_EXEC_INFO\" "
	    ">&2; "
	    "exit 2;; esac\n"
	    "printf '{\"kind\": \"ExecCredential\", \"apiVersion\": "
	    "\"client.authentication.k8s.io/v1beta1\", \"spec\": {}, \"status\": "
	    "{\"expirationTimestamp\": \"%%s\", \"token\": \"k8s-aws-v1.eks-s3cr3t\"}}' \"$EXP\"\n",
	    dir);
	put("eks", 0600,
	    "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: "
	    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==\n    server: "
	    "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com\n"
	    "  name: arn:aws:eks:eu-west-1:111122223333:cluster/demo\ncontexts:\n- context:\n"
	    "    cluster: arn:aws:eks:eu-west-1:111122223333:cluster/demo\n"
	    "    user: arn:aws:eks:eu-west-1:111122223333:cluster/demo\n"
	    "  name: arn:aws:eks:eu-west-1:111122223333:cluster/demo\n"
	    "current-context: arn:aws:eks:eu-west-1:111122223333:cluster/demo\nkind: Config\n"
	    "preferences: {}\nusers:\n- name: arn:aws:eks:eu-west-1:111122223333:cluster/demo\n"
	    "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "      args:\n      - --region\n      - eu-west-1\n      - eks\n      - get-token\n"
	    "      - --cluster-name\n      - demo\n      - --output\n      - json\n"
	    "      command: aws\n      env:\n      - name: AWS_PROFILE\n        value: prod\n");
	snprintf(path, sizeof(path), "%s/eks", dir);
	setenv("EXP", exp, 1);
	assert_int_equal(load(NULL, path, NULL, &c, &err), 0);
	assert_string_equal(c->exec->command, "aws");
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	assert_string_equal(cred.token, "k8s-aws-v1.eks-s3cr3t");
	assert_int_equal(cred.expiry, later);
	kmend_kube_credential_free(&cred);
	/* Cached until it expires: the plugin is not run again. */
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	kmend_kube_credential_free(&cred);
	assert_int_equal(count_runs("aws"), 1);
	/* After a 401 the caller invalidates it; and an expired one is fetched again. */
	kmend_kube_credential_invalidate(c);
	setenv("EXP", "2020-01-01T00:00:00Z", 1);
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	kmend_kube_credential_free(&cred);
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	kmend_kube_credential_free(&cred);
	assert_int_equal(count_runs("aws"), 3);
	kmend_kube_config_free(c);
	unsetenv("EXP");
}

/*
 * GKE: gke-gcloud-auth-plugin (v1beta1, installHint, provideClusterInfo). A v1 plugin that
 * issues client certificates. Failures quote stderr, never stdout.
 */
static void test_exec_gke_v1_and_failures(void **state)
{
	struct kmend_kube_config *c = NULL;
	struct kmend_kube_credential cred;
	struct kmend_error err = {0};
	char path[1100];

	(void)state;
	put("bin/gke-gcloud-auth-plugin", 0700,
	    "#!/bin/sh\ncase \"$KUBERNETES_EXEC_INFO\" in "
	    "*'\"server\":\"https://34.1.2.3\"'*'\"certificate-authority-data\":\"Q0EK\"'*) ;; "
	    "*) echo \"no cluster info: $KUBERNETES_EXEC_INFO\" >&2; exit 1;; esac\n"
	    "echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/"
	    "v1beta1\",\"spec\":{\"interactive\":false},\"status\":{\"expirationTimestamp\":"
	    "\"2099-01-01T10:00:00+02:00\",\"token\":\"ya29.gke-s3cr3t\"}}'\n");
	put("gke", 0600,
	    "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0EK\n"
	    "    server: https://34.1.2.3\n  name: gke_proj_europe-west1_demo\n"
	    "contexts:\n- context:\n    cluster: gke_proj_europe-west1_demo\n"
	    "    user: gke_proj_europe-west1_demo\n  name: gke_proj_europe-west1_demo\n"
	    "current-context: gke_proj_europe-west1_demo\nkind: Config\nusers:\n"
	    "- name: gke_proj_europe-west1_demo\n  user:\n    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "      command: gke-gcloud-auth-plugin\n"
	    "      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following\n"
	    "        "
	    "https://cloud.google.com/kubernetes-engine/docs/how-to/"
	    "cluster-access-for-kubectl#install_plugin\n"
	    "      provideClusterInfo: true\n      interactiveMode: IfAvailable\n");
	snprintf(path, sizeof(path), "%s/gke", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), 0);
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), 0);
	assert_string_equal(cred.token, "ya29.gke-s3cr3t");
	assert_int_equal(cred.expiry, 4070937600); /* 2099-01-01T08:00:00Z */
	kmend_kube_credential_free(&cred);
	kmend_kube_config_free(c);
	/* Not installed: the install hint is the advice. (This machine may have the real plugin on
	 * PATH, so the missing one gets a name nobody has.) */
	put("gke-missing", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, "
	    "command: kmend-test-absent-auth-plugin, installHint: Install gke-gcloud-auth-plugin "
	    "first}}}]\n");
	snprintf(path, sizeof(path), "%s/gke-missing", dir);
	assert_int_equal(load(NULL, path, NULL, &c, &err), 0);
	assert_int_equal(kmend_kube_credential_get(c, &cred, &err), -ENOENT);
	assert_non_null(strstr(err.hint, "Install gke-gcloud-auth-plugin"));
	kmend_kube_config_free(c);

	/* v1 with a relative command path, a client certificate, and failures. */
	put("b/cert-plugin", 0700,
	    "#!/bin/sh\ncase \"$1\" in\n"
	    "ok) printf "
	    "'{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/"
	    "v1\",\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":"
	    "\"PRIVATE-KEY-s3cr3t\"}}';;\n"
	    "fail) echo 'garbage-s3cr3t'; echo 'error: SSO session expired, run login' >&2; exit "
	    "3;;\n"
	    "junk) echo 'garbage-s3cr3t';;\n"
	    "wrongver) echo '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication."
	    "k8s.io/v1beta1\",\"status\":{\"token\":\"garbage-s3cr3t\"}}';;\n"
	    "esac\n");
	for (int i = 0; i < 5; i++) {
		static const char *const modes[] = {"ok", "fail", "junk", "wrongver", "always"};
		int want[] = {0, -KMEND_E_AUTH, -KMEND_E_AUTH, -KMEND_E_AUTH, -KMEND_E_UNSUPPORTED};

		put("b/v1", 0600,
		    "current-context: c\nclusters: [{name: k, cluster: {server: https://k}}]\n"
		    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
		    "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, "
		    "command: ./cert-plugin, args: [%s], interactiveMode: %s}}}]\n",
		    modes[i], i == 4 ? "Always" : "Never");
		snprintf(path, sizeof(path), "%s/b/v1", dir);
		assert_int_equal(load(NULL, path, NULL, &c, &err), 0);
		assert_int_equal(kmend_kube_credential_get(c, &cred, &err), want[i]);
		if (i == 0) {
			assert_string_equal(cred.cert_pem, "CERT");
			assert_string_equal(cred.key_pem, "PRIVATE-KEY-s3cr3t");
			assert_null(cred.token);
			kmend_kube_credential_free(&cred);
		} else {
			no_secret_in(&err);
		}
		if (i == 1) {
			assert_non_null(strstr(err.message, "exited with code 3"));
			assert_non_null(strstr(err.message, "SSO session expired"));
		}
		kmend_kube_config_free(c);
	}
	/* v1 requires interactiveMode. */
	put("b/v1", 0600,
	    "current-context: c\nclusters: [{name: k, cluster: {server: https://k}}]\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, "
	    "command: x}}}]\n");
	assert_int_equal(load(NULL, path, NULL, &c, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "interactiveMode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_first_wins_and_relative_paths),
	    cmocka_unit_test(test_missing_current_context),
	    cmocka_unit_test(test_data_fields_and_static_token),
	    cmocka_unit_test(test_in_cluster),
	    cmocka_unit_test(test_exec_eks),
	    cmocka_unit_test(test_exec_gke_v1_and_failures),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
