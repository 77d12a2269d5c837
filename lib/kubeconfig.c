/* kubeconfig loading with kubectl's merge rules, exec credential plugins and the in-cluster config.
 */
#include "kubeconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base64.h"
#include "cleanup.h"
#include "fsutil.h"
#include "json_get.h"
#include "kmend_limits.h"
#include "rfc3339.h"
#include "subprocess.h"
#include "yamljson.h"

extern char **environ;

#define SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define EXEC_V1            "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1       "client.authentication.k8s.io/v1beta1"

/* One kubeconfig file, parsed, with the directory its relative paths are resolved against. */
struct kfile {
	char *path, *dir;
	json_t *doc; /* the document (an object), owned */
};

struct kfiles {
	struct kfile *items;
	size_t count;
};

static const char *env_get(const struct kmend_kubeconfig_options *o, const char *name)
{
	size_t n = strlen(name);
	const char *const *e;

	if (!o->env)
		return getenv(name);
	for (e = o->env; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* A string field; kubectl treats an empty one as unset. */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = kmend_json_str(o, key);

	return s && *s ? s : NULL;
}

/* YAML booleans arrive as strings from yamljson ("true"); JSON ones as booleans. */
static bool jbool(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
}

static void kfiles_free(struct kfiles *fs)
{
	size_t i;

	for (i = 0; i < fs->count; i++) {
		free(fs->items[i].path);
		free(fs->items[i].dir);
		json_decref(fs->items[i].doc);
	}
	free(fs->items);
	fs->items = NULL;
	fs->count = 0;
}

/* Read and parse one file; a missing file is -ENOENT with err filled (callers may skip it). */
static int kfile_add(struct kfiles *fs, const char *path, struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct kfile *grown, *f;
	json_t *docs = NULL, *doc;
	size_t len, i;
	char *slash;
	int r;

	for (i = 0; i < fs->count; i++)
		if (!strcmp(fs->items[i].path, path))
			return 0; /* kubectl reads a file named twice once */
	r = kmend_read_file(path, KMEND_KUBECONFIG_MAX_SIZE, &data, &len, err);
	if (r < 0)
		return r;
	r = kmend_yaml_to_json(data, len, path, &docs, err);
	if (r < 0)
		return r;
	doc = json_array_get(docs, 0);
	if (doc && !json_is_object(doc)) {
		json_decref(docs);
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, path, 0,
		    "a kubeconfig file is a mapping (apiVersion, clusters, users, "
		    "contexts, current-context)");
	}
	if (!(grown = realloc(fs->items, (fs->count + 1) * sizeof(*grown)))) {
		json_decref(docs);
		return -ENOMEM;
	}
	fs->items = grown;
	f = &fs->items[fs->count];
	f->path = strdup(path);
	f->dir = strdup(path);
	f->doc = doc ? json_incref(doc) : json_object();
	json_decref(docs);
	if (!f->path || !f->dir || !f->doc) {
		free(f->path);
		free(f->dir);
		json_decref(f->doc);
		return -ENOMEM;
	}
	slash = strrchr(f->dir, '/');
	if (slash)
		slash[slash == f->dir ? 1 : 0] = '\0';
	else
		strcpy(f->dir, ".");
	fs->count++;
	return 0;
}

/* The files to read: --kubeconfig, else $KUBECONFIG's list, else ~/.kube/config. */
static int kfiles_load(struct kfiles *fs, const struct kmend_kubeconfig_options *o,
                       struct kmend_error *err)
{
	const char *list = env_get(o, "KUBECONFIG"), *home = env_get(o, "HOME");
	_cleanup_free_ char *copy = NULL;
	char path[KMEND_PATH_MAX], *item, *save = NULL;
	int r;

	if (o->kubeconfig)
		return kfile_add(fs, o->kubeconfig, err);
	if (list && *list) {
		if (!(copy = strdup(list)))
			return -ENOMEM;
		for (item = strtok_r(copy, ":", &save); item; item = strtok_r(NULL, ":", &save)) {
			r = kfile_add(fs, item, err);
			if (r == -ENOENT)
				continue; /* kubectl skips the files of the list that do not exist
				           */
			if (r < 0)
				return r;
		}
		kmend_error_clear(err);
		return 0;
	}
	if (home && *home) {
		snprintf(path, sizeof(path), "%s/.kube/config", home);
		r = kfile_add(fs, path, err);
		if (r == -ENOENT) {
			kmend_error_clear(err);
			return 0;
		}
		return r;
	}
	return 0;
}

/* The first entry named name in list key ("clusters", "users", "contexts") over the files. */
static const json_t *find_named(const struct kfiles *fs, const char *key, const char *name,
                                const char *inner, const struct kfile **from)
{
	size_t i, j;

	for (i = 0; i < fs->count; i++) {
		const json_t *list = json_object_get(fs->items[i].doc, key), *e;

		json_array_foreach (list, j, e) {
			const char *n = jstr(e, "name");

			if (n && !strcmp(n, name) && json_is_object(json_object_get(e, inner))) {
				*from = &fs->items[i];
				return json_object_get(e, inner);
			}
		}
	}
	return NULL;
}

/* A path from file f: absolute as it is, relative against f's directory. NULL stays NULL. */
static int resolve(const struct kfile *f, const char *p, char **out)
{
	if (!p) {
		*out = NULL;
		return 0;
	}
	if (p[0] == '/')
		*out = strdup(p);
	else if (asprintf(out, "%s/%s", f->dir, p) < 0)
		*out = NULL;
	return *out ? 0 : -ENOMEM;
}

/* A "-data" field: base64 of PEM. */
static int decode_field(const struct kfile *f, const json_t *o, const char *key, char **out,
                        size_t *len, struct kmend_error *err)
{
	const char *b64 = jstr(o, key);
	int r;

	*out = NULL;
	*len = 0;
	if (!b64)
		return 0;
	r = kmend_base64_decode(b64, strlen(b64), out, len);
	if (r == -EINVAL)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, f->path, 0,
		                       "%s is not valid base64", key);
	return r;
}

static int load_cluster(struct kmend_kube_config *c, const struct kfile *f, const json_t *cl,
                        const char *name, struct kmend_error *err)
{
	int r, failed = 0;

	if (!jstr(cl, "server"))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, f->path, 0,
		                       "cluster \"%s\" has no server", name);
	c->server = kmend_strdup_or_null(jstr(cl, "server"), &failed);
	c->tls_server_name = kmend_strdup_or_null(jstr(cl, "tls-server-name"), &failed);
	c->proxy_url = kmend_strdup_or_null(jstr(cl, "proxy-url"), &failed);
	if (failed)
		return -ENOMEM;
	c->insecure = jbool(cl, "insecure-skip-tls-verify");
	if ((r = resolve(f, jstr(cl, "certificate-authority"), &c->ca_file)) < 0)
		return r;
	if ((r = decode_field(f, cl, "certificate-authority-data", &c->ca_data, &c->ca_len, err)) <
	    0)
		return r;
	if (c->insecure && (c->ca_file || c->ca_data))
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, f->path, 0,
		    "cluster \"%s\" names a certificate authority and sets "
		    "insecure-skip-tls-verify: kubectl refuses both, so does kmend",
		    name);
	if (c->proxy_url && strncmp(c->proxy_url, "http://", 7) &&
	    strncmp(c->proxy_url, "https://", 8) && strncmp(c->proxy_url, "socks5://", 9))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, f->path, 0,
		                       "cluster \"%s\": proxy-url must be http://, https:// or "
		                       "socks5://",
		                       name);
	return 0;
}

static int load_strings(const json_t *list, char ***out, size_t *n, bool env)
{
	const json_t *e;
	size_t i;

	*n = 0;
	if (!json_is_array(list) || !json_array_size(list))
		return 0;
	if (!(*out = calloc(json_array_size(list), sizeof(char *))))
		return -ENOMEM;
	json_array_foreach (list, i, e) {
		char *s = NULL;

		if (env && jstr(e, "name")) {
			const char *v = jstr(e, "value");

			if (asprintf(&s, "%s=%s", jstr(e, "name"), v ? v : "") < 0)
				s = NULL;
		} else if (!env && json_is_string(e)) {
			s = strdup(json_string_value(e));
		} else if (!env && json_is_integer(e)) {
			if (asprintf(&s, "%lld", (long long)json_integer_value(e)) < 0)
				s = NULL;
		} else {
			continue;
		}
		if (!s)
			return -ENOMEM;
		(*out)[(*n)++] = s;
	}
	return 0;
}

static int load_exec(struct kmend_kube_config *c, const struct kfile *f, const json_t *ex,
                     const char *name, struct kmend_error *err)
{
	struct kmend_kube_exec *e;
	const char *cmd = jstr(ex, "command"), *ver = jstr(ex, "apiVersion");
	int r, failed = 0;

	if (!cmd)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, f->path, 0,
		                       "user \"%s\": exec has no command", name);
	if (!ver || (strcmp(ver, EXEC_V1) && strcmp(ver, EXEC_V1BETA1)))
		return kmend_error_set(
		    err, -KMEND_E_UNSUPPORTED, f->path, 0,
		    "user \"%s\": exec apiVersion \"%s\" is not one kmend speaks "
		    "(%s, %s)",
		    name, ver ? ver : "", EXEC_V1, EXEC_V1BETA1);
	if (!strcmp(ver, EXEC_V1) && !jstr(ex, "interactiveMode"))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, f->path, 0,
		                       "user \"%s\": exec plugins of %s must set interactiveMode "
		                       "(Never, IfAvailable or Always)",
		                       name, EXEC_V1);
	if (!(e = c->exec = calloc(1, sizeof(*e))))
		return -ENOMEM;
	/* kubectl resolves the command against the file only when it is a path, not a name. */
	if (strchr(cmd, '/'))
		r = resolve(f, cmd, &e->command);
	else
		r = (e->command = strdup(cmd)) ? 0 : -ENOMEM;
	if (r < 0)
		return r;
	e->api_version = kmend_strdup_or_null(ver, &failed);
	e->interactive_mode = kmend_strdup_or_null(
	    jstr(ex, "interactiveMode") ? jstr(ex, "interactiveMode") : "IfAvailable", &failed);
	e->install_hint = kmend_strdup_or_null(jstr(ex, "installHint"), &failed);
	if (failed)
		return -ENOMEM;
	e->provide_cluster_info = jbool(ex, "provideClusterInfo");
	if ((r = load_strings(json_object_get(ex, "args"), &e->args, &e->nargs, false)) < 0)
		return r;
	return load_strings(json_object_get(ex, "env"), &e->env, &e->nenv, true);
}

static int load_user(struct kmend_kube_config *c, const struct kfile *f, const json_t *u,
                     const char *name, struct kmend_error *err)
{
	int r, failed = 0;

	if (json_object_get(u, "auth-provider")) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, f->path, 0,
		                "user \"%s\" uses an auth-provider, which kubectl 1.26 removed",
		                name);
		kmend_error_hint(err,
		                 "use the provider's exec plugin (for GKE: gke-gcloud-auth-plugin; "
		                 "for EKS: aws eks get-token)");
		return -KMEND_E_UNSUPPORTED;
	}
	if ((r = resolve(f, jstr(u, "client-certificate"), &c->cert_file)) < 0 ||
	    (r = resolve(f, jstr(u, "client-key"), &c->key_file)) < 0 ||
	    (r = resolve(f, jstr(u, "tokenFile"), &c->token_file)) < 0)
		return r;
	if ((r = decode_field(f, u, "client-certificate-data", &c->cert_data, &c->cert_len, err)) <
	        0 ||
	    (r = decode_field(f, u, "client-key-data", &c->key_data, &c->key_len, err)) < 0)
		return r;
	c->token = kmend_strdup_or_null(jstr(u, "token"), &failed);
	if (failed)
		return -ENOMEM;
	if ((c->cert_file || c->cert_data) != (c->key_file || c->key_data))
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, f->path, 0,
		    "user \"%s\" has a client certificate without a key, or a key "
		    "without a certificate",
		    name);
	if (json_is_object(json_object_get(u, "exec")))
		return load_exec(c, f, json_object_get(u, "exec"), name, err);
	return 0;
}

/* KUBERNETES_SERVICE_HOST/PORT with the service account's token, CA and namespace. */
static int load_in_cluster(const struct kmend_kubeconfig_options *o, struct kmend_kube_config *c,
                           struct kmend_error *err)
{
	const char *host = env_get(o, "KUBERNETES_SERVICE_HOST");
	const char *port = env_get(o, "KUBERNETES_SERVICE_PORT");
	const char *dir = o->serviceaccount_dir ? o->serviceaccount_dir : SERVICEACCOUNT_DIR;
	_cleanup_free_ char *ns = NULL;
	size_t len;

	if (!host || !*host || !port || !*port) {
		kmend_error_set(
		    err, -KMEND_E_NOT_FOUND, "kubeconfig", 0,
		    "no kubeconfig: neither --kubeconfig, $KUBECONFIG nor ~/.kube/config "
		    "names one, and kmend is not running in a pod");
		kmend_error_hint(err, "pass --kubeconfig FILE or set KUBECONFIG");
		return -KMEND_E_NOT_FOUND;
	}
	/* An IPv6 address is bracketed in a URL. */
	if (asprintf(&c->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
	             port) < 0 ||
	    asprintf(&c->token_file, "%s/token", dir) < 0 ||
	    asprintf(&c->ca_file, "%s/ca.crt", dir) < 0 || !(c->context = strdup("in-cluster")) ||
	    !(c->source = strdup(dir)))
		return -ENOMEM;
	if (access(c->token_file, R_OK) != 0)
		return kmend_error_set(
		    err, -KMEND_E_NOT_FOUND, c->token_file, 0,
		    "KUBERNETES_SERVICE_HOST is set but the service account token "
		    "cannot be read (%s)",
		    strerror(errno));
	{
		char path[KMEND_PATH_MAX];

		snprintf(path, sizeof(path), "%s/namespace", dir);
		if (kmend_read_file(path, 4096, &ns, &len, NULL) == 0) {
			while (len && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
				ns[--len] = '\0';
			c->namespace = len ? TAKE_PTR(ns) : NULL;
		}
	}
	return 0;
}

static int list_contexts(const struct kfiles *fs, char *buf, size_t size)
{
	size_t i, j, used = 0;

	buf[0] = '\0';
	for (i = 0; i < fs->count; i++) {
		const json_t *list = json_object_get(fs->items[i].doc, "contexts"), *e;

		json_array_foreach (list, j, e) {
			if (jstr(e, "name") && used < size)
				used += (size_t)snprintf(buf + used, size - used, "%s%s",
				                         used ? ", " : "", jstr(e, "name"));
		}
	}
	return (int)used;
}

static int load_context(const struct kfiles *fs, const struct kmend_kubeconfig_options *o,
                        struct kmend_kube_config *c, struct kmend_error *err)
{
	const struct kfile *cf = NULL, *clf = NULL, *uf = NULL;
	const json_t *ctx, *cl, *u;
	const char *name = o->context, *cluster, *user;
	char names[200];
	size_t i;
	int r, failed = 0;

	for (i = 0; !name && i < fs->count; i++)
		name = jstr(fs->items[i].doc, "current-context");
	if (!name) {
		kmend_error_set(err, -KMEND_E_NOT_FOUND, fs->items[0].path, 0,
		                "no current-context is set%s",
		                fs->count > 1 ? " in any of the files" : "");
		if (list_contexts(fs, names, sizeof(names)))
			kmend_error_hint(err, "pass --context NAME (the files define: %s)", names);
		else
			kmend_error_hint(err, "the files define no context either");
		return -KMEND_E_NOT_FOUND;
	}
	if (!(ctx = find_named(fs, "contexts", name, "context", &cf))) {
		kmend_error_set(err, -KMEND_E_NOT_FOUND, fs->items[0].path, 0,
		                "context \"%s\" does not exist", name);
		if (list_contexts(fs, names, sizeof(names)))
			kmend_error_hint(err, "the files define: %s", names);
		return -KMEND_E_NOT_FOUND;
	}
	c->context = kmend_strdup_or_null(name, &failed);
	c->source = kmend_strdup_or_null(cf->path, &failed);
	c->namespace = kmend_strdup_or_null(jstr(ctx, "namespace"), &failed);
	if (failed)
		return -ENOMEM;
	cluster = jstr(ctx, "cluster");
	user = jstr(ctx, "user");
	if (!cluster || !(cl = find_named(fs, "clusters", cluster, "cluster", &clf)))
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, cf->path, 0,
		                       "context \"%s\" names cluster \"%s\", which no file defines",
		                       name, cluster ? cluster : "");
	if ((r = load_cluster(c, clf, cl, cluster, err)) < 0)
		return r;
	if (!user)
		return 0; /* anonymous */
	if (!(u = find_named(fs, "users", user, "user", &uf)))
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, cf->path, 0,
		                       "context \"%s\" names user \"%s\", which no file defines",
		                       name, user);
	return load_user(c, uf, u, user, err);
}

int kmend_kubeconfig_load(const struct kmend_kubeconfig_options *opt,
                          struct kmend_kube_config **out, struct kmend_error *err)
{
	struct kmend_kubeconfig_options none = {0};
	struct kfiles fs = {0};
	struct kmend_kube_config *c;
	int r;

	if (!opt)
		opt = &none;
	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	r = kfiles_load(&fs, opt, err);
	if (r == 0)
		r = fs.count ? load_context(&fs, opt, c, err) : load_in_cluster(opt, c, err);
	kfiles_free(&fs);
	if (r == 0 && !c->namespace && !(c->namespace = strdup("default")))
		r = -ENOMEM;
	if (r < 0) {
		kmend_kube_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

static void free_secret(char *s, size_t len)
{
	if (s) {
		explicit_bzero(s, len ? len : strlen(s));
		free(s);
	}
}

void kmend_kube_credential_free(struct kmend_kube_credential *c)
{
	if (!c)
		return;
	free_secret(c->token, 0);
	free_secret(c->cert_pem, c->cert_len);
	free_secret(c->key_pem, c->key_len);
	memset(c, 0, sizeof(*c));
}

void kmend_kube_credential_invalidate(struct kmend_kube_config *cfg)
{
	kmend_kube_credential_free(&cfg->cached);
}

static void free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void kmend_kube_config_free(struct kmend_kube_config *c)
{
	if (!c)
		return;
	free(c->context);
	free(c->namespace);
	free(c->source);
	free(c->server);
	free(c->tls_server_name);
	free(c->ca_file);
	free(c->ca_data);
	free(c->proxy_url);
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_data);
	free_secret(c->key_data, c->key_len);
	free_secret(c->token, 0);
	free(c->token_file);
	if (c->exec) {
		free(c->exec->command);
		free_strings(c->exec->args, c->exec->nargs);
		free_strings(c->exec->env, c->exec->nenv);
		free(c->exec->api_version);
		free(c->exec->interactive_mode);
		free(c->exec->install_hint);
		free(c->exec);
	}
	kmend_kube_credential_free(&c->cached);
	free(c);
}

/* KUBERNETES_EXEC_INFO: what the plugin is asked for, and about which cluster. */
static char *exec_info(const struct kmend_kube_config *c)
{
	json_t *info, *spec, *cl;
	char *s, *ca;

	info = json_pack("{s:s, s:s, s:{s:b}}", "kind", "ExecCredential", "apiVersion",
	                 c->exec->api_version, "spec", "interactive", 0);
	spec = json_object_get(info, "spec");
	if (info && c->exec->provide_cluster_info) {
		cl = json_pack("{s:s, s:b}", "server", c->server, "insecure-skip-tls-verify",
		               c->insecure);
		if (cl && c->tls_server_name)
			json_object_set_new(cl, "tls-server-name", json_string(c->tls_server_name));
		if (cl && c->proxy_url)
			json_object_set_new(cl, "proxy-url", json_string(c->proxy_url));
		if (cl && c->ca_data && (ca = kmend_base64_encode(c->ca_data, c->ca_len))) {
			json_object_set_new(cl, "certificate-authority-data", json_string(ca));
			free(ca);
		}
		json_object_set_new(spec, "cluster", cl);
	}
	s = info ? json_dumps(info, JSON_COMPACT) : NULL;
	json_decref(info);
	return s;
}

/* kmend's environment, the plugin's env entries (which win) and KUBERNETES_EXEC_INFO. */
static char **exec_env(const struct kmend_kube_exec *e, const char *info)
{
	size_t n = 0, i, j, k = 0;
	char **env;

	while (environ[n])
		n++;
	if (!(env = calloc(n + e->nenv + 2, sizeof(char *))))
		return NULL;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		bool replaced = !strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21);

		for (j = 0; j < e->nenv && !replaced; j++)
			replaced = !strncmp(e->env[j], environ[i], len);
		if (!replaced)
			env[k++] = environ[i];
	}
	for (j = 0; j < e->nenv; j++)
		env[k++] = e->env[j];
	env[k] = (char *)info;
	return env;
}

static int plugin_error(struct kmend_error *err, const struct kmend_kube_exec *e, const char *what)
{
	return kmend_error_set(err, -KMEND_E_AUTH, e->command, 0,
	                       "the exec credential plugin printed %s (stdout not shown: it holds "
	                       "credentials)",
	                       what);
}

/* Parse the plugin's ExecCredential into c->cached. */
static int parse_credential(struct kmend_kube_config *cfg, const char *out, size_t len,
                            struct kmend_error *err)
{
	const struct kmend_kube_exec *e = cfg->exec;
	struct kmend_kube_credential *c = &cfg->cached;
	const char *token, *cert, *key, *exp;
	struct timespec ts;
	json_t *doc, *st;
	int r = 0;

	if (!(doc = json_loadb(out, len, 0, NULL)) || !json_is_object(doc)) {
		json_decref(doc);
		return plugin_error(err, e, "something that is not JSON");
	}
	st = json_object_get(doc, "status");
	token = jstr(st, "token");
	cert = jstr(st, "clientCertificateData");
	key = jstr(st, "clientKeyData");
	exp = jstr(st, "expirationTimestamp");
	if (!jstr(doc, "kind") || strcmp(jstr(doc, "kind"), "ExecCredential"))
		r = plugin_error(err, e, "JSON whose kind is not ExecCredential");
	else if (!jstr(doc, "apiVersion") || strcmp(jstr(doc, "apiVersion"), e->api_version))
		r = plugin_error(err, e,
		                 "an ExecCredential of another apiVersion than the one asked");
	else if (!json_is_object(st))
		r = plugin_error(err, e, "an ExecCredential without status");
	else if (!token && !(cert && key))
		r = plugin_error(err, e,
		                 "an ExecCredential with neither a token nor a client certificate "
		                 "and key");
	else if (!!cert != !!key)
		r = plugin_error(err, e,
		                 "a client certificate without its key, or a key without one");
	else if (exp && kmend_rfc3339_parse(exp, &ts) < 0)
		r = plugin_error(err, e, "an expirationTimestamp that is not RFC 3339");
	if (r == 0) {
		int failed = 0;

		kmend_kube_credential_free(c);
		c->token = kmend_strdup_or_null(token, &failed);
		c->cert_pem = kmend_strdup_or_null(cert, &failed);
		c->key_pem = kmend_strdup_or_null(key, &failed);
		c->cert_len = cert ? strlen(cert) : 0;
		c->key_len = key ? strlen(key) : 0;
		c->expiry = exp ? ts.tv_sec : 0;
		if (failed) {
			kmend_kube_credential_free(c);
			r = -ENOMEM;
		}
	}
	json_decref(doc);
	return r;
}

static int run_plugin(struct kmend_kube_config *cfg, struct kmend_error *err)
{
	const struct kmend_kube_exec *e = cfg->exec;
	_cleanup_free_ char *info_json = NULL, *info = NULL;
	_cleanup_free_ char **argv = NULL, **env = NULL;
	struct kmend_spawn sp = {0};
	struct kmend_spawn_result res;
	size_t i;
	int r;

	if (!strcmp(e->interactive_mode, "Always")) {
		kmend_error_set(
		    err, -KMEND_E_UNSUPPORTED, e->command, 0,
		    "the exec credential plugin wants a terminal (interactiveMode: Always), "
		    "which kmend does not give it");
		kmend_error_hint(err, "log in with the plugin first, or set interactiveMode: "
		                      "IfAvailable");
		return -KMEND_E_UNSUPPORTED;
	}
	if (!(info_json = exec_info(cfg)) ||
	    asprintf(&info, "KUBERNETES_EXEC_INFO=%s", info_json) < 0) {
		info = NULL;
		return -ENOMEM;
	}
	if (!(argv = calloc(e->nargs + 2, sizeof(char *))) || !(env = exec_env(e, info)))
		return -ENOMEM;
	argv[0] = e->command;
	for (i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	sp.argv = (const char *const *)argv;
	sp.env = (const char *const *)env;
	sp.max_output = KMEND_KUBE_EXEC_OUTPUT_MAX;
	sp.timeout_ms = KMEND_KUBE_EXEC_TIMEOUT_MS;
	r = kmend_spawn_run(&sp, &res, err);
	if (r == -ENOENT) {
		if (e->install_hint)
			kmend_error_hint(err, "%s", e->install_hint);
		return r;
	}
	if (r < 0)
		return r;
	if (res.timed_out || res.exit_code != 0 || res.out_truncated) {
		r = kmend_error_set(
		    err, -KMEND_E_AUTH, e->command, 0, "the exec credential plugin %s %d%s%s",
		    res.timed_out ? "was stopped after (ms)" : "exited with code",
		    res.timed_out ? KMEND_KUBE_EXEC_TIMEOUT_MS : res.exit_code,
		    res.err_len ? ": " : "", kmend_last_lines(res.errout, res.err_len, 3));
		if (res.out_truncated && !res.timed_out && res.exit_code == 0)
			r = kmend_error_set(err, -KMEND_E_TOO_LARGE, e->command, 0,
			                    "the exec credential plugin printed more than %d bytes",
			                    KMEND_KUBE_EXEC_OUTPUT_MAX);
	} else {
		r = parse_credential(cfg, res.out, res.out_len, err);
	}
	explicit_bzero(res.out, res.out_len);
	kmend_spawn_result_free(&res);
	return r;
}

static int copy_credential(const struct kmend_kube_credential *from,
                           struct kmend_kube_credential *to)
{
	int failed = 0;

	to->token = kmend_strdup_or_null(from->token, &failed);
	to->cert_pem = kmend_strdup_or_null(from->cert_pem, &failed);
	to->key_pem = kmend_strdup_or_null(from->key_pem, &failed);
	to->cert_len = from->cert_len;
	to->key_len = from->key_len;
	to->expiry = from->expiry;
	if (failed) {
		kmend_kube_credential_free(to);
		return -ENOMEM;
	}
	return 0;
}

/* A PEM or token from a file into *out, trailing newlines dropped for tokens. */
static int read_secret(const char *path, bool token, char **out, size_t *len,
                       struct kmend_error *err)
{
	int r = kmend_read_file(path, KMEND_KUBE_SECRET_FILE_MAX, out, len, err);

	if (r < 0)
		return r;
	while (token && *len && strchr("\r\n \t", (*out)[*len - 1]))
		(*out)[--*len] = '\0';
	return 0;
}

/* A certificate or key from its file, else a copy of its -data bytes, else nothing. */
static int pem_of(const char *file, const char *data, size_t len, char **out, size_t *out_len,
                  struct kmend_error *err)
{
	if (file)
		return read_secret(file, false, out, out_len, err);
	if (!data)
		return 0;
	if (!(*out = malloc(len + 1)))
		return -ENOMEM;
	memcpy(*out, data, len + 1);
	*out_len = len;
	return 0;
}

int kmend_kube_credential_get(struct kmend_kube_config *cfg, struct kmend_kube_credential *out,
                              struct kmend_error *err)
{
	struct kmend_kube_credential *cached = &cfg->cached;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if (cfg->exec) {
		bool have = cached->token || cached->cert_pem;

		if (!have || (cached->expiry && time(NULL) >= cached->expiry)) {
			if ((r = run_plugin(cfg, err)) < 0)
				return r;
		}
		return copy_credential(cached, out);
	}
	if (cfg->token_file)
		r = read_secret(cfg->token_file, true, &out->token, &len, err);
	else
		r = (!cfg->token || (out->token = strdup(cfg->token))) ? 0 : -ENOMEM;
	if (r == 0)
		r = pem_of(cfg->cert_file, cfg->cert_data, cfg->cert_len, &out->cert_pem,
		           &out->cert_len, err);
	if (r == 0)
		r = pem_of(cfg->key_file, cfg->key_data, cfg->key_len, &out->key_pem, &out->key_len,
		           err);
	if (r < 0)
		kmend_kube_credential_free(out);
	return r;
}
