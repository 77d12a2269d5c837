/* Where and as whom to reach a Kubernetes API server: kubeconfig files, exec plugins, in-cluster.
 */
#ifndef KMEND_KUBECONFIG_H
#define KMEND_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

/*
 * An exec credential plugin (users[].user.exec): kmend runs it, as kubectl
 * does, to get a bearer token or a client certificate (client.authentication
 * .k8s.io/v1 or v1beta1 ExecCredential JSON on its stdout).
 */
struct kmend_kube_exec {
	char *command; /* resolved against the kubeconfig's directory when it has a '/' */
	char **args;   /* count nargs */
	char **env;    /* "NAME=VALUE", count nenv, added to kmend's environment */
	size_t nargs, nenv;
	char *api_version;      /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *interactive_mode; /* Never, IfAvailable, Always (v1 requires one) */
	bool provide_cluster_info;
	char *install_hint; /* shown when the command is not found */
};

/* A credential in hand: a bearer token, or a client certificate and key (PEM). */
struct kmend_kube_credential {
	char *token;
	char *cert_pem, *key_pem;
	size_t cert_len, key_len;
	time_t expiry; /* 0: does not expire (exec credentials are kept until then) */
};

/*
 * The resolved configuration of one context: the cluster to reach and the
 * user to be. Strings are malloc'd and may be NULL. Secrets (token, key_data,
 * the exec plugin's credential) are kept here only; nothing in kmend copies
 * them into an error, a log or a report.
 */
struct kmend_kube_config {
	char *context;   /* the context's name ("in-cluster" for the service account) */
	char *namespace; /* the context's namespace, else "default" */
	char *source;    /* the file that defined the context, or the service account dir */
	/* cluster */
	char *server;          /* https://host:port */
	char *tls_server_name; /* SNI and verification name, may be NULL */
	char *ca_file;         /* certificate-authority, absolute */
	char *ca_data;         /* certificate-authority-data, decoded PEM */
	size_t ca_len;
	bool insecure; /* insecure-skip-tls-verify */
	char *proxy_url;
	/* user */
	char *cert_file, *key_file; /* client-certificate, client-key, absolute */
	char *cert_data, *key_data; /* client-certificate-data, client-key-data, decoded PEM */
	size_t cert_len, key_len;
	char *token;      /* token */
	char *token_file; /* tokenFile, absolute; read for each credential (it is rotated) */
	struct kmend_kube_exec *exec;
	/* the exec plugin's last credential, kept until its expiry */
	struct kmend_kube_credential cached;
};

struct kmend_kubeconfig_options {
	const char *kubeconfig; /* --kubeconfig: this file alone, which must exist */
	const char *context;    /* --context: instead of current-context */
	/*
	 * Where the environment comes from: NULL for kmend's own; tests pass
	 * their own NULL-terminated "NAME=VALUE" list. Read: KUBECONFIG, HOME,
	 * KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT.
	 */
	const char *const *env;
	/* The service account's directory; NULL: /var/run/secrets/kubernetes.io/serviceaccount. */
	const char *serviceaccount_dir;
};

/*
 * Resolve the configuration kubectl would use:
 * - --kubeconfig names one file; else $KUBECONFIG, a ':'-separated list of
 *   files merged in order (missing files skipped; for clusters, users and
 *   contexts the first file to name an entry wins it whole; current-context
 *   from the first file that sets one); else ~/.kube/config; else, when
 *   KUBERNETES_SERVICE_HOST and _PORT are set, the in-cluster service account
 *   (its token file, ca.crt and namespace).
 * - relative paths (certificate-authority, client-certificate, client-key,
 *   tokenFile, an exec command with a '/') are resolved against the file that
 *   names them.
 * Errors: -KMEND_E_NOT_FOUND (no configuration, no current context, a named
 * context, cluster or user missing), -KMEND_E_BAD_INPUT (malformed file,
 * field or base64, CA together with insecure-skip-tls-verify), with err naming
 * the file; -KMEND_E_UNSUPPORTED (auth-provider, removed from kubectl 1.26).
 * Free with kmend_kube_config_free.
 */
int kmend_kubeconfig_load(const struct kmend_kubeconfig_options *opt,
                          struct kmend_kube_config **out, struct kmend_error *err);

void kmend_kube_config_free(struct kmend_kube_config *cfg);

/*
 * The credential to send now: the exec plugin's (run again once the cached
 * one has expired, or after kmend_kube_credential_invalidate), else the token
 * file's current content, else the static token or client certificate. An
 * empty credential (no token, no certificate) is valid: anonymous. *out holds
 * copies; free with kmend_kube_credential_free. Errors from the plugin name its
 * command and exit code and quote its stderr (never its stdout, which holds the
 * secret): -ENOENT (not found; the install hint in err), -KMEND_E_AUTH (it
 * failed or printed something that is not an ExecCredential),
 * -KMEND_E_UNSUPPORTED (interactiveMode Always: kmend cannot hand a plugin a
 * terminal).
 */
int kmend_kube_credential_get(struct kmend_kube_config *cfg, struct kmend_kube_credential *out,
                              struct kmend_error *err);

/* Forget the exec plugin's cached credential (the server answered 401 to it). */
void kmend_kube_credential_invalidate(struct kmend_kube_config *cfg);

/* Free what a credential holds (overwriting the secrets first); NULL-safe. */
void kmend_kube_credential_free(struct kmend_kube_credential *c);

#endif
