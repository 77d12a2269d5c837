/* Deploy targets (podman, Kubernetes): apply a manifest, watch its workloads, remove, resume. */
#ifndef KMEND_DEPLOY_H
#define KMEND_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "warning.h"

/*
 * What `kmend apply` stands on. It deploys the second file, watches every
 * workload until each is healthy or has failed (with the reason), and on
 * failure deploys the first file again. Each backend is one ops table in
 * kmend_deploy_backends[]; callers use the kmend_deploy_* functions below.
 *
 * Crash safety (kill -9 between deploying and deciding). Before the second
 * file goes out, each workload it changes is marked with the apply's id and
 * what is needed to go back (the first file), so that a later run
 * (`kmend apply --resume`, `kmend revert --cluster`) can finish the watch and
 * roll back from the target alone:
 * - Kubernetes: the annotation KMEND_APPLY_ANNOTATION on the workload's own
 *   metadata (never on the pod template, so that updating it starts no
 *   rollout), a JSON object {"v":1, "id", "phase", "deadline", "first"}, where
 *   "first" is that workload's object from the first file. It sits beside
 *   fix's own annotation on the pod template, which records what fix inserted;
 *   going back needs only "first".
 * - podman: pods carry no annotation longer than 63 bytes (podman 4.3 checks
 *   annotation values as if they were labels), so the pod has the label
 *   KMEND_APPLY_ANNOTATION=<id> and the rest is kept in a journal,
 *   <state_dir>/<id>.json (private, written atomically): both files' text, the
 *   deadline and the phase.
 */

/* The mark's name, as an annotation (Kubernetes) or a label (podman). */
#define KMEND_APPLY_ANNOTATION "kmend.dev/apply"

/* A workload of a manifest: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ... */
struct kmend_workload_ref {
	char kind[64];
	char namespace[254]; /* empty: the target's default */
	char name[254];
};

struct kmend_workload_refs {
	struct kmend_workload_ref *items;
	size_t count, capacity;
};

void kmend_workload_refs_free(struct kmend_workload_refs *refs);

/*
 * The workloads a manifest (YAML or JSON, every document, List items) holds,
 * in order. Errors: -KMEND_E_BAD_INPUT naming name and where; a workload with
 * no metadata.name; the same kind and name twice.
 */
int kmend_deploy_workloads_of(const char *text, size_t len, const char *name,
                              struct kmend_workload_refs *out, struct kmend_error *err);

enum kmend_health {
	KMEND_HEALTH_PROGRESSING, /* not decided yet */
	KMEND_HEALTH_HEALTHY,     /* every container ready long enough, or a job completed */
	KMEND_HEALTH_FAILED,
};

/* Why a workload failed; kmend_failure_name gives each a stable name for reports. */
enum kmend_failure {
	KMEND_FAIL_NONE,
	KMEND_FAIL_INIT_CONTAINER,    /* "init-container-failed": exited non-zero */
	KMEND_FAIL_POST_START_HOOK,   /* "post-start-hook-failed": FailedPostStartHook */
	KMEND_FAIL_CRASH_LOOP,        /* "crash-loop": CrashLoopBackOff */
	KMEND_FAIL_CONTAINER_FAILED,  /* "container-failed": exited non-zero, restartPolicy Never */
	KMEND_FAIL_IMAGE_PULL,        /* "image-pull": ErrImagePull, ImagePullBackOff */
	KMEND_FAIL_CREATE_CONTAINER,  /* "create-container": CreateContainerConfigError, ... */
	KMEND_FAIL_NOT_READY,         /* "not-ready": running, readiness never reached */
	KMEND_FAIL_PROGRESS_DEADLINE, /* "progress-deadline": ProgressDeadlineExceeded */
	KMEND_FAIL_TIMEOUT,           /* "timeout": kmend's own --timeout, nothing more specific */
	KMEND_FAIL_DEPLOY,            /* "deploy-refused": the target did not take the manifest */
	KMEND_FAIL_GONE,              /* "gone": the workload is not on the target */
};

const char *kmend_failure_name(enum kmend_failure f);

/*
 * One look at a workload. The text fields come from the target (container
 * output, event messages): control characters are replaced before they are
 * stored here, so they are safe for a terminal and a JSON writer.
 */
struct kmend_workload_status {
	struct kmend_workload_ref ref;
	enum kmend_health health;
	enum kmend_failure failure;
	char pod[254];          /* the pod that showed it, may be empty */
	char container[254];    /* the container (or hook's container), may be empty */
	int exit_code;          /* of that container or hook; -1 when none */
	char condition[256];    /* the pod condition: "Ready=False (ContainersNotReady)" */
	char state_reason[128]; /* the container state's reason: "CrashLoopBackOff", "Error" */
	char message[1024];     /* the event's or state's message */
	char log[4096];         /* the last KMEND_DEPLOY_LOG_LINES of its (or the hook's) output */
};

struct kmend_deploy_options {
	const char *namespace;  /* Kubernetes; NULL: the context's */
	const char *kubeconfig; /* Kubernetes: --kubeconfig, --context (lib/kubeconfig.h) */
	const char *context;
	const char *state_dir; /* where podman journals live; NULL: $XDG_STATE_HOME/kmend/apply,
	                          else ~/.local/state/kmend/apply */
	int poll_ms;           /* how often a polling backend looks (0: 500) */
	int min_ready_ms;      /* how long every container must have run to count as healthy
	                          (0: 3000); a container that crashes at once is not healthy */
	int hook_timeout_ms;   /* podman: longest postStart hook run (0: 300000) */
	bool force_conflicts;  /* Kubernetes: take fields another manager owns with other values
	                          (--force-conflicts) rather than report the conflict */
};

/* What the mark records for one apply; see the top of this file. */
struct kmend_apply_mark {
	char id[64];       /* kmend_apply_mark_init fills it: a valid label value */
	const char *first; /* the first file's text, what going back deploys */
	size_t first_len;
	const char *first_name; /* its path, for the record */
	const char *second;     /* the second file's text (what is being deployed) */
	size_t second_len;
	const char *second_name;
	time_t deadline; /* when the watch gives up */
};

/*
 * The phases of a mark that a later run must finish: "deploying" (the second file went out,
 * nothing decided) and "rolling-back" (the first file is going out again). Settled phases
 * ("healthy", "rolled-back", "failed", "reverting"...) are left alone.
 */
bool kmend_apply_phase_unsettled(const char *phase);

/* Fill mark->id from the time, the pid and random bytes. */
void kmend_apply_mark_init(struct kmend_apply_mark *mark);

/* A workload left marked by an earlier apply that did not settle, and its mark's content. */
struct kmend_marked {
	struct kmend_workload_ref ref;
	char id[64];
	char phase[32];
	time_t deadline;
	char *first, *second; /* the files' text, malloc'd */
	size_t first_len, second_len;
	char *first_name, *second_name;
};

struct kmend_marked_list {
	struct kmend_marked *items;
	size_t count, capacity;
};

void kmend_marked_list_free(struct kmend_marked_list *l);

struct kmend_deploy;

/* apply's flags. */
enum {
	/*
	 * The manifest was deployed by an earlier run that was killed: learn its
	 * workloads again without deploying (podman runs the postStart hooks
	 * again, which fix makes idempotent, as a kubelet may run them twice).
	 */
	KMEND_DEPLOY_ATTACH = 1,
};

struct kmend_deploy_ops {
	const char *name;
	int (*open)(struct kmend_deploy *d, struct kmend_error *err);
	/* Deploy text; append the workloads it holds to refs; mark them when mark is set. */
	int (*apply)(struct kmend_deploy *d, const char *text, size_t len, const char *name,
	             const struct kmend_apply_mark *mark, int flags,
	             struct kmend_workload_refs *refs, struct kmend_error *err);
	/* Look at one workload now; *st is filled (health PROGRESSING when undecided). */
	int (*observe)(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
	               struct kmend_workload_status *st, struct kmend_error *err);
	/* Sleep until something may have changed, at most timeout_ms (a poll, a watch event). */
	int (*wait)(struct kmend_deploy *d, int timeout_ms, struct kmend_error *err);
	/*
	 * Go back from second to first (optional): where the target can replace
	 * one with the other in place (server-side apply removes what only the
	 * second had). NULL: remove the second, then apply the first.
	 */
	int (*rollback)(struct kmend_deploy *d, const char *second, size_t second_len,
	                const char *first, size_t first_len, const char *first_name,
	                struct kmend_workload_refs *refs, struct kmend_error *err);
	/* Take down what text deployed. Missing workloads are not an error. */
	int (*remove)(struct kmend_deploy *d, const char *text, size_t len, const char *name,
	              struct kmend_error *err);
	/* Every workload still marked by an apply that did not settle. */
	int (*find_marked)(struct kmend_deploy *d, struct kmend_marked_list *out,
	                   struct kmend_error *err);
	/*
	 * Go back to the first file from the target alone (optional; `kmend revert
	 * --cluster`): deploy what ref's mark recorded, after settling the mark as
	 * "reverting" so that it stays; append what to watch to refs and the mark's id to id
	 * (64 bytes). -KMEND_E_NOT_FOUND when ref is missing or carries no mark.
	 */
	int (*revert)(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
	              struct kmend_workload_refs *refs, char id[64], struct kmend_error *err);
	/* Record the outcome of apply id ("healthy", "rolled-back", "failed"): it is settled. */
	int (*settle)(struct kmend_deploy *d, const char *id, const char *phase,
	              struct kmend_error *err);
	void (*close)(struct kmend_deploy *d);
};

/* An open target. The backend's own state hangs off impl. */
struct kmend_deploy {
	const struct kmend_deploy_ops *ops;
	struct kmend_deploy_options opt;
	struct kmend_warnings warnings; /* what the backend could not do as a cluster would */
	void *impl;
};

/* The backends, NULL-terminated. */
extern const struct kmend_deploy_ops *const kmend_deploy_backends[];

/*
 * Open backend name ("podman", "kubernetes").
 * Errors: -KMEND_E_UNKNOWN_NAME, the backend's own. Free with kmend_deploy_close.
 */
int kmend_deploy_open(const char *name, const struct kmend_deploy_options *opt,
                      struct kmend_deploy **out, struct kmend_error *err);
void kmend_deploy_close(struct kmend_deploy *d);

int kmend_deploy_apply(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                       const struct kmend_apply_mark *mark, int flags,
                       struct kmend_workload_refs *refs, struct kmend_error *err);
int kmend_deploy_observe(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                         struct kmend_workload_status *st, struct kmend_error *err);
int kmend_deploy_remove(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                        struct kmend_error *err);
/*
 * Deploy first in place of second (the backend's rollback, else remove second
 * and apply first, unmarked); refs gets first's workloads, to watch.
 */
int kmend_deploy_rollback(struct kmend_deploy *d, const char *second, size_t second_len,
                          const char *second_name, const char *first, size_t first_len,
                          const char *first_name, struct kmend_workload_refs *refs,
                          struct kmend_error *err);
int kmend_deploy_find_marked(struct kmend_deploy *d, struct kmend_marked_list *out,
                             struct kmend_error *err);
int kmend_deploy_settle(struct kmend_deploy *d, const char *id, const char *phase,
                        struct kmend_error *err);
/* The backend's revert; -KMEND_E_UNSUPPORTED where it has none. */
int kmend_deploy_revert(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                        struct kmend_workload_refs *refs, char id[64], struct kmend_error *err);

/*
 * Watch refs until each is healthy or failed, or timeout_ms has passed; st
 * (count refs->count) holds each one's last status. Past the timeout, a
 * workload still undecided is failed: "not-ready" when its containers run but
 * are not ready, "timeout" otherwise, keeping what was last seen. Returns the
 * number of failed workloads, or a negative error (the target could not be
 * asked).
 */
int kmend_deploy_watch(struct kmend_deploy *d, const struct kmend_workload_refs *refs,
                       int timeout_ms, struct kmend_workload_status *st, struct kmend_error *err);

/*
 * Copy text into dst (size bytes, always terminated), replacing control
 * characters other than newline and tab, and invalid UTF-8, with '?'.
 * Backends put every outside string through it.
 */
void kmend_deploy_copy_text(char *dst, size_t size, const char *text, size_t len);

#endif
