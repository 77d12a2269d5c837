#!/usr/bin/env python3
"""A test Kubernetes API server for kmend's tests.

There is no real Kubernetes API server on the machines kmend is built and tested on (no kind, no
k3s, no etcd), so this is a stand-in, written to be as faithful as a test needs: what a client
sees on the wire is what a kube-apiserver (1.28) sends, in the parts kmend uses.

- TLS with its own CA (made at start under --pki); client certificates signed by that CA and
  bearer tokens (--token TOKEN) authenticate; anything else is 401 with a Status body.
- Objects: namespaces, pods, events, configmaps, secrets, services (v1); deployments,
  replicasets, statefulsets, daemonsets (apps/v1); jobs, cronjobs (batch/v1). get, list (label
  and field selectors, namespaces, limit/continue), create (POST), delete, watch, and
  server-side apply (PATCH application/apply-patch+yaml, fieldManager, force, managedFields in
  FieldsV1, 409 conflicts between managers, no-op applies keep the resourceVersion).
- Watches: ?watch=1 with resourceVersion, allowWatchBookmarks (a BOOKMARK each
  --bookmark-seconds), timeoutSeconds; an event history of --history events, older
  resourceVersions get an ERROR event with a 410 Expired Status, as the real server sends; the
  test drops every open watch with POST /_test/drop-watches and forgets the history with
  POST /_test/compact.
- Controllers: Deployments make ReplicaSets (named by the pod template's hash) which make Pods;
  a template change starts a new ReplicaSet and scales the old one down; status has
  observedGeneration, replica counts and the Progressing/Available conditions, with
  ProgressDeadlineExceeded after spec.progressDeadlineSeconds. StatefulSets (name-0..),
  DaemonSets (one node), Jobs (Complete/Failed) and CronJobs (one Job per new template, at
  once: the schedule is not kept) are minimal but real.
- A kubelet stand-in gives each Pod the status a script says (POST /_test/script, a list of
  rules; the first whose "match" fits the pod decides): healthy, crash-loop, init-failed,
  post-start-failed, never-ready, image-pull, create-config-error, complete; with the container
  states, restart counts, conditions, Events and logs (pods/NAME/log) a kubelet would produce.

What it does not do: admission, defaulting beyond what is listed, RBAC, strategic merge patch,
PUT, the status subresource, real scheduling. Run: apiserver.py --pki DIR --port-file FILE.
"""
import argparse
import base64
import copy
import datetime
import hashlib
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

RESOURCES = {
    # (group/version, plural): (kind, namespaced)
    ("v1", "namespaces"): ("Namespace", False),
    ("v1", "pods"): ("Pod", True),
    ("v1", "events"): ("Event", True),
    ("v1", "configmaps"): ("ConfigMap", True),
    ("v1", "secrets"): ("Secret", True),
    ("v1", "services"): ("Service", True),
    ("v1", "serviceaccounts"): ("ServiceAccount", True),
    ("apps/v1", "deployments"): ("Deployment", True),
    ("apps/v1", "replicasets"): ("ReplicaSet", True),
    ("apps/v1", "statefulsets"): ("StatefulSet", True),
    ("apps/v1", "daemonsets"): ("DaemonSet", True),
    ("batch/v1", "jobs"): ("Job", True),
    ("batch/v1", "cronjobs"): ("CronJob", True),
}
# Lists whose items are merged by a key in apply (the API's x-kubernetes-list-map-keys).
LIST_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "volumes": "name", "env": "name", "imagePullSecrets": "name", "volumeMounts": "mountPath",
    "ports": "containerPort",
}
NODE = "kmend-test-node"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_obj(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


class APIError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.status = status_obj(code, reason, message, details)


# ---- server-side apply: field paths in FieldsV1 notation ("f:spec", 'k:{"name":"app"}') ----

def fields(obj, prefix=()):
    """The set of field paths a configuration sets: leaves, atomic lists, keyed list items."""
    out = set()
    for k, v in obj.items():
        if prefix == () and k in ("apiVersion", "kind", "status"):
            continue
        if prefix == ("f:metadata",) and k in ("name", "namespace", "resourceVersion", "uid",
                                               "managedFields", "creationTimestamp",
                                               "generation"):
            continue
        p = prefix + ("f:" + k,)
        if isinstance(v, dict) and v:
            out |= fields(v, p)
        elif isinstance(v, list) and k in LIST_KEYS and all(isinstance(i, dict) for i in v):
            for item in v:
                kp = p + ("k:" + json.dumps({LIST_KEYS[k]: item.get(LIST_KEYS[k])},
                                            separators=(",", ":")),)
                out.add(kp + (".",))
                out |= fields(item, kp)
        else:
            out.add(p)
    return out


def _step(node, el):
    if node is None:
        return None
    if el.startswith("f:"):
        return node.get(el[2:]) if isinstance(node, dict) else None
    if el.startswith("k:") and isinstance(node, list):
        key, val = next(iter(json.loads(el[2:]).items()))
        return next((i for i in node if isinstance(i, dict) and i.get(key) == val), None)
    return None


def get_path(obj, path):
    node = obj
    for el in path:
        if el == ".":
            return node is not None
        node = _step(node, el)
    return node


def delete_path(obj, path, keep=frozenset()):
    """Remove the field (or keyed list item) at path. Parents left empty go too, as they do in
    the real server (structured-merge-diff drops them; the API's Go types omit them), unless a
    manager owns the empty parent itself (keep)."""
    if path[-1] == ".":
        path = path[:-1]
    last = path[-1]
    if last.startswith("f:"):
        parent = get_path(obj, path[:-1]) if len(path) > 1 else obj
        if isinstance(parent, dict):
            parent.pop(last[2:], None)
    elif last.startswith("k:"):
        lst = get_path(obj, path[:-1])
        key, val = next(iter(json.loads(last[2:]).items()))
        if isinstance(lst, list):
            lst[:] = [i for i in lst if not (isinstance(i, dict) and i.get(key) == val)]
    for n in range(len(path) - 1, 1, -1):
        node = get_path(obj, path[:n])
        el = path[n - 1]
        if node in ([], {}) and el.startswith("f:") and path[:n] not in keep:
            parent = get_path(obj, path[:n - 1])
            if isinstance(parent, dict):
                parent.pop(el[2:], None)
        else:
            break


def merge(live, cfg, name=None):
    """Merge an applied configuration into the object: maps and keyed lists merge, the rest is
    replaced."""
    if isinstance(live, dict) and isinstance(cfg, dict):
        for k, v in cfg.items():
            live[k] = merge(live.get(k), v, k)
        return live
    if (isinstance(live, list) and isinstance(cfg, list) and name in LIST_KEYS
            and all(isinstance(i, dict) for i in cfg + live)):
        key = LIST_KEYS[name]
        out = []
        for item in cfg:
            old = next((i for i in live if i.get(key) == item.get(key)), None)
            out.append(merge(copy.deepcopy(old), item, None) if old else copy.deepcopy(item))
        # Items the config does not name stay, after the ones it does (owned by others).
        out += [i for i in live if not any(c.get(key) == i.get(key) for c in cfg)]
        return out
    return copy.deepcopy(cfg)


def to_fieldsv1(paths):
    tree = {}
    for p in sorted(paths):
        node = tree
        for el in p:
            node = node.setdefault(el, {})
    return tree


def from_fieldsv1(tree, prefix=()):
    out = set()
    for k, v in tree.items():
        if v:
            out |= from_fieldsv1(v, prefix + (k,))
        else:
            out.add(prefix + (k,))
    return out


# ---- the store ----

class Store:
    def __init__(self, history):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.objects = {}   # (gv, plural, ns, name) -> obj
        self.rv = 1
        self.events = []    # (rv, gv, plural, type, obj)
        self.history = history
        self.oldest = 1     # the oldest resourceVersion a watch may start from
        self.drop_epoch = 0
        self.logs = {}      # (ns, pod, container) -> text

    def bump(self):
        self.rv += 1
        return str(self.rv)

    def record(self, gv, plural, typ, obj):
        self.events.append((int(obj["metadata"]["resourceVersion"]), gv, plural, typ,
                            copy.deepcopy(obj)))
        if len(self.events) > self.history:
            drop = len(self.events) - self.history
            self.oldest = self.events[drop - 1][0] + 1
            del self.events[:drop]
        self.cond.notify_all()

    def put(self, gv, plural, obj, typ=None):
        with self.lock:
            md = obj["metadata"]
            key = (gv, plural, md.get("namespace", ""), md["name"])
            old = self.objects.get(key)
            if old is None:
                md.setdefault("uid", str(uuid.uuid4()))
                md.setdefault("creationTimestamp", now())
            md["resourceVersion"] = self.bump()
            self.objects[key] = obj
            self.record(gv, plural, typ or ("MODIFIED" if old else "ADDED"), obj)
            return obj

    def delete(self, gv, plural, ns, name):
        with self.lock:
            obj = self.objects.pop((gv, plural, ns, name), None)
            if obj is None:
                return None
            obj["metadata"]["resourceVersion"] = self.bump()
            self.record(gv, plural, "DELETED", obj)
            # Garbage collection: what it owns goes too.
            uid = obj["metadata"].get("uid")
            for k, o in list(self.objects.items()):
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences", [])):
                    self.delete(k[0], k[1], k[2], k[3])
            return obj

    def get(self, gv, plural, ns, name):
        with self.lock:
            o = self.objects.get((gv, plural, ns, name))
            return copy.deepcopy(o) if o else None

    def list(self, gv, plural, ns=None):
        with self.lock:
            return [copy.deepcopy(o) for k, o in sorted(self.objects.items())
                    if k[0] == gv and k[1] == plural and (ns is None or k[2] == ns)]


def label_match(obj, selector):
    labels = obj["metadata"].get("labels", {}) or {}
    for term in filter(None, _split_selector(selector)):
        term = term.strip()
        if " notin " in term:
            k, vals = term.split(" notin ", 1)
            if labels.get(k.strip()) in _set(vals):
                return False
        elif " in " in term:
            k, vals = term.split(" in ", 1)
            if labels.get(k.strip()) not in _set(vals):
                return False
        elif "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _split_selector(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + [cur]


def _set(vals):
    return {v.strip() for v in vals.strip().strip("()").split(",")}


def field_match(obj, selector):
    for term in filter(None, selector.split(",")):
        neg = "!=" in term
        k, v = term.split("!=" if neg else "=", 1)
        node = obj
        for part in k.strip().split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if (str(node) == v.strip()) == neg:
            return False
    return True


# ---- the kubelet stand-in and the controllers ----

class Cluster:
    def __init__(self, store, tick):
        self.s = store
        self.tick = tick
        self.script = []
        self.pods = {}      # pod uid -> {"done", "restarts", "last"}: the kubelet's own memory
        self.progress = {}  # (deployment uid, ReplicaSet name) -> when that rollout began

    def outcome(self, pod):
        spec = pod["spec"]
        for rule in self.script:
            m = rule.get("match", {})
            images = [c.get("image") for c in spec.get("containers", [])
                      + spec.get("initContainers", [])]
            inits = [c.get("name") for c in spec.get("initContainers", [])]
            if "image" in m and m["image"] not in images:
                continue
            if "initContainerPrefix" in m and not any(
                    (n or "").startswith(m["initContainerPrefix"]) for n in inits):
                continue
            if "noInitContainerPrefix" in m and any(
                    (n or "").startswith(m["noInitContainerPrefix"]) for n in inits):
                continue
            if "podPrefix" in m and not pod["metadata"]["name"].startswith(m["podPrefix"]):
                continue
            return rule
        return {"outcome": "healthy"}

    def event(self, obj, typ, reason, message):
        md = obj["metadata"]
        name = "%s.%x" % (md["name"], int(time.time() * 1e9))
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": name, "namespace": md.get("namespace", "default")},
              "involvedObject": {"kind": obj["kind"], "name": md["name"],
                                 "namespace": md.get("namespace", "default"),
                                 "uid": md.get("uid"), "apiVersion": obj["apiVersion"]},
              "reason": reason, "message": message, "type": typ, "count": 1,
              "firstTimestamp": now(), "lastTimestamp": now(),
              "source": {"component": "kubelet", "host": NODE}}
        self.s.put("v1", "events", ev)

    def kubelet(self, pod):
        """Give a pod the status its script says, once; crash loops tick their restarts."""
        md, spec = pod["metadata"], pod["spec"]
        uid = md["uid"]
        mem = self.pods.get(uid)
        first = mem is None
        if first:
            mem = self.pods[uid] = {"done": False, "restarts": -1, "last": 0}
        # Settled pods stay; crash loops tick their restart count every 2 s, not every tick.
        if mem["done"] or time.monotonic() - mem["last"] < 2:
            return
        mem["last"] = time.monotonic()
        rule = self.outcome(pod)
        out = rule["outcome"]
        ns, name = md.get("namespace", "default"), md["name"]
        code = rule.get("exitCode", 1)
        t = now()
        running = {"running": {"startedAt": t}}
        inits = spec.get("initContainers", [])
        cons = spec.get("containers", [])

        def cstat(c, state, ready, restarts=0, last=None):
            s = {"name": c["name"], "image": c.get("image"), "imageID": "",
                 "ready": ready, "restartCount": restarts, "started": "running" in state,
                 "state": state}
            if last:
                s["lastState"] = last
            return s

        def conds(init_ok, ready):
            return [{"type": "Initialized", "status": "True" if init_ok else "False",
                     **({} if init_ok else {"reason": "ContainersNotInitialized",
                                             "message": "containers with incomplete status: [%s]"
                                             % " ".join(c["name"] for c in inits)})},
                    {"type": "Ready", "status": "True" if ready else "False",
                     **({} if ready else {"reason": "ContainersNotReady",
                                          "message": "containers with unready status: [%s]"
                                          % " ".join(c["name"] for c in cons)})},
                    {"type": "ContainersReady", "status": "True" if ready else "False"},
                    {"type": "PodScheduled", "status": "True"}]

        done_init = [cstat(c, {"terminated": {"exitCode": 0, "reason": "Completed",
                                              "startedAt": t, "finishedAt": t}}, True)
                     for c in inits]
        st = {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.244.0.%d" % (self.s.rv % 250),
              "startTime": t, "qosClass": "BestEffort"}
        mem["restarts"] += 1
        restarts = mem["restarts"]
        log = rule.get("log", "")
        if out == "healthy":
            st.update(conditions=conds(True, True), initContainerStatuses=done_init,
                      containerStatuses=[cstat(c, running, True) for c in cons])
            mem["done"] = True
            for c in cons:
                self.s.logs[(ns, name, c["name"])] = log or "started\n"
        elif out == "complete":
            st.update(phase="Succeeded", conditions=conds(True, False),
                      initContainerStatuses=done_init,
                      containerStatuses=[cstat(c, {"terminated": {"exitCode": 0, "reason":
                                                                  "Completed"}}, False)
                                         for c in cons])
            mem["done"] = True
        elif out == "init-failed":
            bad = next((c for c in inits if c["name"].startswith(
                rule.get("container", ""))), inits[0] if inits else None)
            if bad is None:
                return
            self.s.logs[(ns, name, bad["name"])] = log
            term = {"terminated": {"exitCode": code, "reason": "Error", "startedAt": t,
                                   "finishedAt": t}}
            never = spec.get("restartPolicy", "Always") == "Never"
            state = term if never or restarts == 0 else {
                "waiting": {"reason": "CrashLoopBackOff",
                            "message": "back-off 10s restarting failed container=%s pod=%s_%s(%s)"
                            % (bad["name"], name, ns, uid)}}
            st.update(phase="Failed" if never else "Pending", conditions=conds(False, False),
                      initContainerStatuses=[cstat(c, state if c is bad else {"waiting": {
                          "reason": "PodInitializing"}}, False, restarts,
                          term if c is bad and restarts else None) for c in inits],
                      containerStatuses=[cstat(c, {"waiting": {"reason": "PodInitializing"}},
                                               False) for c in cons])
            if first:
                self.event(pod, "Warning", "BackOff",
                           "Back-off restarting failed container %s in pod %s_%s(%s)"
                           % (bad["name"], name, ns, uid))
        elif out in ("crash-loop", "post-start-failed"):
            c0 = next((c for c in cons if c["name"] == rule.get("container")), cons[0])
            self.s.logs[(ns, name, c0["name"])] = log
            term = {"terminated": {"exitCode": 137 if out == "post-start-failed" else code,
                                   "reason": "Error", "startedAt": t, "finishedAt": t}}
            state = {"waiting": {"reason": "CrashLoopBackOff",
                                 "message": "back-off 10s restarting failed container=%s pod=%s_%s(%s)"
                                 % (c0["name"], name, ns, uid)}} if restarts else term
            st.update(conditions=conds(True, False), initContainerStatuses=done_init,
                      containerStatuses=[cstat(c, state if c is c0 else running, c is not c0,
                                               restarts if c is c0 else 0,
                                               term if c is c0 and restarts else None)
                                         for c in cons])
            if out == "post-start-failed" and first:
                hook = c0.get("lifecycle", {}).get("postStart", {}).get("exec", {}).get(
                    "command", [])
                self.event(pod, "Warning", "FailedPostStartHook",
                           "Exec lifecycle hook (%s) for Container \"%s\" in Pod \"%s_%s(%s)\" "
                           "failed - error: command '%s' exited with %d: %s, message: \"%s\""
                           % (json.dumps(hook), c0["name"], name, ns, uid, " ".join(hook), code,
                              rule.get("hookOutput", ""), rule.get("hookOutput", "")))
            elif first:
                self.event(pod, "Warning", "BackOff",
                           "Back-off restarting failed container %s in pod %s_%s(%s)"
                           % (c0["name"], name, ns, uid))
        elif out == "never-ready":
            st.update(conditions=conds(True, False), initContainerStatuses=done_init,
                      containerStatuses=[cstat(c, running, False) for c in cons])
            mem["done"] = True
            self.event(pod, "Warning", "Unhealthy",
                       rule.get("message", "Readiness probe failed: HTTP probe failed with "
                                "statuscode: 503"))
        elif out in ("image-pull", "create-config-error"):
            reason = ("ImagePullBackOff" if restarts else "ErrImagePull") \
                if out == "image-pull" else "CreateContainerConfigError"
            msg = rule.get("message") or (
                'Back-off pulling image "%s"' % cons[0].get("image") if out == "image-pull"
                else 'secret "missing" not found')
            st.update(phase="Pending", conditions=conds(True, False),
                      initContainerStatuses=done_init,
                      containerStatuses=[cstat(c, {"waiting": {"reason": reason,
                                                               "message": msg}}, False)
                                         for c in cons])
            if first:
                self.event(pod, "Warning", "Failed", msg)
        pod["status"] = st
        self.s.put("v1", "pods", pod)

    def make_pod(self, owner, gv, template, name, extra_labels=None):
        md = copy.deepcopy(template.get("metadata", {}))
        md["name"] = name
        md["namespace"] = owner["metadata"].get("namespace", "default")
        md.setdefault("labels", {}).update(extra_labels or {})
        md["ownerReferences"] = [{"apiVersion": gv, "kind": owner["kind"],
                                  "name": owner["metadata"]["name"],
                                  "uid": owner["metadata"]["uid"], "controller": True}]
        spec = copy.deepcopy(template.get("spec", {}))
        spec.setdefault("restartPolicy", "Always")
        spec["nodeName"] = NODE
        self.s.put("v1", "pods", {"apiVersion": "v1", "kind": "Pod", "metadata": md,
                                  "spec": spec, "status": {"phase": "Pending"}})

    def owned(self, gv, plural, owner):
        return [o for o in self.s.list(gv, plural, owner["metadata"].get("namespace", "default"))
                if any(r.get("uid") == owner["metadata"]["uid"]
                       for r in o["metadata"].get("ownerReferences", []))]

    def set_status(self, gv, plural, obj, status):
        if obj.get("status") != status:
            obj["status"] = status
            self.s.put(gv, plural, obj)

    @staticmethod
    def pod_ready(p):
        return any(c["type"] == "Ready" and c["status"] == "True"
                   for c in p.get("status", {}).get("conditions", []))

    def replicaset(self, rs):
        want = rs["spec"].get("replicas", 1)
        pods = self.owned("v1", "pods", rs)
        for p in pods[want:]:
            self.s.delete("v1", "pods", p["metadata"]["namespace"], p["metadata"]["name"])
        for i in range(len(pods), want):
            self.make_pod(rs, "apps/v1", rs["spec"]["template"],
                          "%s-%s" % (rs["metadata"]["name"], uuid.uuid4().hex[:5]))
        pods = self.owned("v1", "pods", rs)[:want]
        ready = sum(self.pod_ready(p) for p in pods)
        self.set_status("apps/v1", "replicasets", rs, {
            "replicas": len(pods), "readyReplicas": ready, "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1)})

    def deployment(self, d):
        md, spec = d["metadata"], d["spec"]
        tmpl = spec.get("template", {})
        h = hashlib.sha256(json.dumps(tmpl, sort_keys=True).encode()).hexdigest()[:10]
        rsname = "%s-%s" % (md["name"], h)
        want = spec.get("replicas", 1)
        rss = self.owned("apps/v1", "replicasets", d)
        cur = next((r for r in rss if r["metadata"]["name"] == rsname), None)
        st = d.get("status", {})
        if cur is None:
            labels = dict(tmpl.get("metadata", {}).get("labels", {}))
            labels["pod-template-hash"] = h
            rs_tmpl = copy.deepcopy(tmpl)
            rs_tmpl.setdefault("metadata", {})["labels"] = labels
            cur = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": rsname, "namespace": md.get("namespace", "default"),
                                "labels": labels, "generation": 1,
                                "ownerReferences": [{"apiVersion": "apps/v1",
                                                     "kind": "Deployment", "name": md["name"],
                                                     "uid": md["uid"], "controller": True}]},
                   "spec": {"replicas": want, "template": rs_tmpl}}
            self.s.put("apps/v1", "replicasets", cur)
            self.event(d, "Normal", "ScalingReplicaSet",
                       "Scaled up replica set %s to %d" % (rsname, want))
            self.progress[(md["uid"], rsname)] = time.monotonic()
        elif cur["spec"].get("replicas") != want:
            cur["spec"]["replicas"] = want
            self.s.put("apps/v1", "replicasets", cur)
        cur = self.s.get("apps/v1", "replicasets", cur["metadata"]["namespace"], rsname)
        self.replicaset(cur)
        cur = self.s.get("apps/v1", "replicasets", cur["metadata"]["namespace"], rsname)
        ready = cur.get("status", {}).get("readyReplicas", 0)
        # The old ReplicaSets go to zero once the new one is ready (maxSurge 25%: at once here).
        if ready >= want:
            for r in rss:
                if r["metadata"]["name"] != rsname and r["spec"].get("replicas", 0):
                    r["spec"]["replicas"] = 0
                    self.s.put("apps/v1", "replicasets", r)
                    self.replicaset(r)
        deadline = spec.get("progressDeadlineSeconds", 600)
        start = self.progress.setdefault((md["uid"], rsname), time.monotonic())
        if ready >= want:
            prog = {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                    "message": 'ReplicaSet "%s" has successfully progressed.' % rsname}
        elif time.monotonic() - start > deadline:
            prog = {"type": "Progressing", "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": 'ReplicaSet "%s" has timed out progressing.' % rsname}
        else:
            prog = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                    "message": 'ReplicaSet "%s" is progressing.' % rsname}
        avail = {"type": "Available", "status": "True" if ready >= want else "False",
                 "reason": "MinimumReplicasAvailable" if ready >= want
                 else "MinimumReplicasUnavailable"}
        old = [c for c in st.get("conditions", []) if c["type"] == "Progressing"]
        if old and old[0]["reason"] == "ProgressDeadlineExceeded" and ready < want:
            prog = old[0]
        self.set_status("apps/v1", "deployments", d, {
            "observedGeneration": md.get("generation", 1), "replicas": want,
            "updatedReplicas": cur.get("status", {}).get("replicas", 0),
            "readyReplicas": ready, "availableReplicas": ready,
            "unavailableReplicas": max(0, want - ready),
            "conditions": [avail, prog]})

    def statefulset(self, s):
        want = s["spec"].get("replicas", 1)
        h = hashlib.sha256(json.dumps(s["spec"].get("template", {}),
                                      sort_keys=True).encode()).hexdigest()[:10]
        rev = "%s-%s" % (s["metadata"]["name"], h)
        pods = {p["metadata"]["name"]: p for p in self.owned("v1", "pods", s)}
        for i in range(want):
            n = "%s-%d" % (s["metadata"]["name"], i)
            p = pods.get(n)
            if p and p["metadata"]["labels"].get("controller-revision-hash") != rev:
                self.s.delete("v1", "pods", p["metadata"]["namespace"], n)
                p = None
            if not p:
                self.make_pod(s, "apps/v1", s["spec"].get("template", {}), n,
                              {"controller-revision-hash": rev,
                               "statefulset.kubernetes.io/pod-name": n})
                break  # OrderedReady: one at a time
        pods = self.owned("v1", "pods", s)
        ready = sum(self.pod_ready(p) for p in pods)
        self.set_status("apps/v1", "statefulsets", s, {
            "observedGeneration": s["metadata"].get("generation", 1), "replicas": len(pods),
            "readyReplicas": ready, "availableReplicas": ready, "currentRevision": rev,
            "updateRevision": rev, "updatedReplicas": len(pods)})

    def daemonset(self, d):
        h = hashlib.sha256(json.dumps(d["spec"].get("template", {}),
                                      sort_keys=True).encode()).hexdigest()[:10]
        pods = self.owned("v1", "pods", d)
        for p in pods:
            if p["metadata"]["labels"].get("controller-revision-hash") != h:
                self.s.delete("v1", "pods", p["metadata"]["namespace"], p["metadata"]["name"])
        if not [p for p in self.owned("v1", "pods", d)]:
            self.make_pod(d, "apps/v1", d["spec"].get("template", {}),
                          "%s-%s" % (d["metadata"]["name"], uuid.uuid4().hex[:5]),
                          {"controller-revision-hash": h})
        pods = self.owned("v1", "pods", d)
        ready = sum(self.pod_ready(p) for p in pods)
        self.set_status("apps/v1", "daemonsets", d, {
            "observedGeneration": d["metadata"].get("generation", 1),
            "desiredNumberScheduled": 1, "currentNumberScheduled": len(pods),
            "updatedNumberScheduled": len(pods), "numberReady": ready,
            "numberAvailable": ready, "numberUnavailable": 1 - ready})

    def job(self, j):
        pods = self.owned("v1", "pods", j)
        if not pods and not j.get("status", {}).get("conditions"):
            self.make_pod(j, "batch/v1", j["spec"].get("template", {}),
                          "%s-%s" % (j["metadata"]["name"], uuid.uuid4().hex[:5]),
                          {"job-name": j["metadata"]["name"]})
            return
        ok = sum(p.get("status", {}).get("phase") == "Succeeded" for p in pods)
        bad = sum(p.get("status", {}).get("phase") == "Failed" for p in pods)
        st = {"active": len(pods) - ok - bad, "succeeded": ok, "failed": bad}
        if ok:
            st["conditions"] = [{"type": "Complete", "status": "True"}]
        elif bad:
            st["conditions"] = [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                 "message": "Job has reached the specified backoff limit"}]
        self.set_status("batch/v1", "jobs", j, st)

    def cronjob(self, c):
        h = hashlib.sha256(json.dumps(c["spec"].get("jobTemplate", {}),
                                      sort_keys=True).encode()).hexdigest()[:8]
        name = "%s-%s" % (c["metadata"]["name"], int(h, 16) % 100000000)
        ns = c["metadata"].get("namespace", "default")
        if not self.s.get("batch/v1", "jobs", ns, name):
            jt = c["spec"].get("jobTemplate", {})
            self.s.put("batch/v1", "jobs", {
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "namespace": ns,
                             "labels": jt.get("metadata", {}).get("labels", {}),
                             "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                                  "name": c["metadata"]["name"],
                                                  "uid": c["metadata"]["uid"],
                                                  "controller": True}]},
                "spec": copy.deepcopy(jt.get("spec", {}))})
            self.set_status("batch/v1", "cronjobs", c, {
                "lastScheduleTime": now(), "active": [{"kind": "Job", "name": name,
                                                       "namespace": ns}]})

    def loop(self):
        while True:
            time.sleep(self.tick)
            try:
                with self.s.lock:
                    for gv, plural, fn in (("apps/v1", "deployments", self.deployment),
                                           ("apps/v1", "statefulsets", self.statefulset),
                                           ("apps/v1", "daemonsets", self.daemonset),
                                           ("batch/v1", "cronjobs", self.cronjob),
                                           ("batch/v1", "jobs", self.job),
                                           ("apps/v1", "replicasets", self.replicaset)):
                        for o in self.s.list(gv, plural):
                            fn(o)
                    for p in self.s.list("v1", "pods"):
                        self.kubelet(p)
            except Exception as e:  # a controller bug must show, not hang the tests
                print("apiserver: controller: %r" % e, file=sys.stderr)
                import traceback
                traceback.print_exc()


# ---- HTTP ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kmend-test-apiserver"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("apiserver: %s\n" % (fmt % args))

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 3 * 1024 * 1024:
            raise APIError(413, "RequestEntityTooLarge", "the request is too large")
        return self.rfile.read(n)

    def authenticate(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.server.tokens:
            return "token"
        cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if cert:
            return "cert"
        raise APIError(401, "Unauthorized", "Unauthorized")

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        parts = [p for p in u.path.split("/") if p]
        if parts[:1] == ["_test"]:
            return self.control(parts[1:], q)
        self.server.requests.append((method, self.path))
        self.authenticate()
        if parts == ["api"]:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if parts == ["apis"]:
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}}
                for g in ("apps", "batch")]})
        if parts[:1] == ["api"]:
            gv, rest = parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            gv, rest = parts[1] + "/" + parts[2], parts[3:]
        else:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return self.send_json(200, {"kind": "APIResourceList", "groupVersion": gv,
                                        "resources": [{"name": p, "kind": k, "namespaced": n,
                                                       "verbs": ["get", "list", "watch",
                                                                 "create", "delete", "patch"]}
                                                      for (g, p), (k, n) in RESOURCES.items()
                                                      if g == gv]})
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        plural, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), rest[2:]
        if (gv, plural) not in RESOURCES:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        kind, namespaced = RESOURCES[(gv, plural)]
        if namespaced and name and ns is None:
            raise APIError(404, "NotFound", "the server could not find the requested resource")
        return getattr(self, "do_" + method.lower() + "_obj")(gv, plural, kind, ns or "",
                                                             name, sub, q)

    def handle_method(self, method):
        try:
            self.route(method)
        except APIError as e:
            self.send_json(e.status["code"], e.status)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        self.handle_method("GET")

    def do_POST(self):
        self.handle_method("POST")

    def do_PATCH(self):
        self.handle_method("PATCH")

    def do_DELETE(self):
        self.handle_method("DELETE")

    def do_PUT(self):
        self.send_json(405, status_obj(405, "MethodNotAllowed", "PUT is not served here"))

    def control(self, parts, q):
        st = self.server.store
        if parts == ["script"]:
            self.server.cluster.script = json.loads(self.body() or b"[]")
        elif parts == ["drop-watches"]:
            with st.lock:
                st.drop_epoch += 1
                st.cond.notify_all()
        elif parts == ["compact"]:
            with st.lock:
                st.oldest = st.rv + 1
                st.events.clear()
        elif parts == ["requests"]:
            return self.send_json(200, [list(r) for r in self.server.requests])
        else:
            raise APIError(404, "NotFound", "no such control")
        self.send_json(200, {"ok": True})

    def do_get_obj(self, gv, plural, kind, ns, name, sub, q):
        st = self.server.store
        if name and sub == ["log"]:
            text = st.logs.get((ns, name, q.get("container", "")))
            if text is None:
                raise APIError(400, "BadRequest", 'container "%s" in pod "%s" is waiting to '
                               'start: PodInitializing' % (q.get("container", ""), name))
            lines = text.splitlines(True)
            if "tailLines" in q:
                lines = lines[-int(q["tailLines"]):] if int(q["tailLines"]) else []
            body = "".join(lines).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if name:
            o = st.get(gv, plural, ns, name)
            if not o:
                raise APIError(404, "NotFound", '%s "%s" not found' % (plural, name),
                               {"name": name, "kind": plural})
            return self.send_json(200, o)
        if q.get("watch") in ("1", "true"):
            return self.watch(gv, plural, kind, ns or None, q)
        return self.list(gv, plural, kind, ns or None, q)

    def list(self, gv, plural, kind, ns, q):
        st = self.server.store
        with st.lock:
            items = [o for o in st.list(gv, plural, ns)
                     if label_match(o, q.get("labelSelector", ""))
                     and field_match(o, q.get("fieldSelector", ""))]
            rv = st.rv
            start = 0
            if q.get("continue"):
                try:
                    tok = json.loads(base64.b64decode(q["continue"]))
                    if tok["rv"] + 1 < st.oldest:
                        raise APIError(410, "Expired", "The provided continue parameter is too "
                                       "old to display a consistent list result. You can start "
                                       "a new list without the continue parameter.")
                    after = tuple(tok["start"])
                    start = next((i for i, o in enumerate(items)
                                  if (o["metadata"].get("namespace", ""),
                                      o["metadata"]["name"]) > after), len(items))
                except (ValueError, KeyError, TypeError):
                    raise APIError(400, "BadRequest", "invalid continue token")
            limit = int(q.get("limit") or 0)
            page = items[start:start + limit] if limit else items[start:]
            md = {"resourceVersion": str(rv)}
            if limit and start + limit < len(items):
                last = page[-1]["metadata"]
                md["continue"] = base64.b64encode(json.dumps({
                    "rv": rv, "start": [last.get("namespace", ""), last["name"]]
                }).encode()).decode()
                md["remainingItemCount"] = len(items) - start - limit
        self.send_json(200, {"kind": kind + "List", "apiVersion": gv, "metadata": md,
                             "items": page})

    def watch(self, gv, plural, kind, ns, q):
        st = self.server.store
        sel, fsel = q.get("labelSelector", ""), q.get("fieldSelector", "")
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        deadline = time.monotonic() + int(q.get("timeoutSeconds") or 1800)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(obj):
            data = (json.dumps(obj) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        with st.lock:
            epoch = st.drop_epoch
            rv = q.get("resourceVersion")
            if rv in (None, "", "0"):
                # Start with the current state as ADDED events, as the real server does.
                for o in st.list(gv, plural, ns):
                    if label_match(o, sel) and field_match(o, fsel):
                        send({"type": "ADDED", "object": o})
                since = st.rv
            else:
                since = int(rv)
                if since + 1 < st.oldest:
                    send({"type": "ERROR", "object": status_obj(
                        410, "Expired", "too old resource version: %d (%d)"
                        % (since, st.oldest - 1))})
                    self.wfile.write(b"0\r\n\r\n")
                    return
        last_bookmark = time.monotonic()
        while time.monotonic() < deadline:
            with st.lock:
                if not [e for e in st.events if e[0] > since]:
                    st.cond.wait(0.2)
                if st.drop_epoch != epoch:
                    # Dropped mid-stream: no terminating chunk, the connection just ends.
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if since + 1 < st.oldest:
                    send({"type": "ERROR", "object": status_obj(
                        410, "Expired", "too old resource version: %d (%d)"
                        % (since, st.oldest - 1))})
                    break
                pending = [e for e in st.events if e[0] > since]
            for erv, egv, eplural, typ, obj in pending:
                since = erv
                if egv != gv or eplural != plural:
                    continue
                if ns and obj["metadata"].get("namespace") != ns:
                    continue
                if label_match(obj, sel) and field_match(obj, fsel):
                    send({"type": typ, "object": obj})
            if bookmarks and time.monotonic() - last_bookmark > self.server.bookmark_seconds:
                send({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": gv,
                                                     "metadata": {"resourceVersion": str(since)}}})
                last_bookmark = time.monotonic()
        self.wfile.write(b"0\r\n\r\n")

    def do_post_obj(self, gv, plural, kind, ns, name, sub, q):
        obj = json.loads(self.body())
        md = obj.setdefault("metadata", {})
        if RESOURCES[(gv, plural)][1]:
            md["namespace"] = ns or md.get("namespace") or "default"
        st = self.server.store
        with st.lock:
            if st.get(gv, plural, md.get("namespace", ""), md.get("name")):
                raise APIError(409, "AlreadyExists", '%s "%s" already exists'
                               % (plural, md.get("name")))
            mgr = q.get("fieldManager", "kubectl-create")
            md["managedFields"] = [{"manager": mgr, "operation": "Update", "apiVersion": gv,
                                    "time": now(), "fieldsType": "FieldsV1",
                                    "fieldsV1": to_fieldsv1(fields(obj))}]
            md["generation"] = 1
            self.send_json(201, st.put(gv, plural, obj))

    def do_delete_obj(self, gv, plural, kind, ns, name, sub, q):
        o = self.server.store.delete(gv, plural, ns, name)
        if not o:
            raise APIError(404, "NotFound", '%s "%s" not found' % (plural, name))
        self.send_json(200, o)

    def do_patch_obj(self, gv, plural, kind, ns, name, sub, q):
        ctype = self.headers.get("Content-Type", "")
        if ctype != "application/apply-patch+yaml":
            raise APIError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media "
                           "types include: application/apply-patch+yaml")
        mgr = q.get("fieldManager")
        if not mgr:
            raise APIError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: "
                           "fieldManager: Required value: is required for apply patch")
        force = q.get("force") in ("true", "1")
        try:
            cfg = yaml.safe_load(self.body())
        except yaml.YAMLError as e:
            raise APIError(400, "BadRequest", "error decoding YAML: %s" % e)
        if not isinstance(cfg, dict):
            raise APIError(400, "BadRequest", "the apply configuration is not an object")
        md = cfg.get("metadata") or {}
        if cfg.get("kind") != kind or cfg.get("apiVersion") != gv or md.get("name") != name:
            raise APIError(400, "BadRequest", "the apply configuration must be a %s %s named "
                           "%s" % (gv, kind, name))
        if md.get("namespace") not in (None, ns):
            raise APIError(400, "BadRequest", "the namespace of the object does not match "
                           "the namespace on the request")
        st = self.server.store
        with st.lock:
            live = st.get(gv, plural, ns, name)
            obj = copy.deepcopy(live) if live else {"apiVersion": gv, "kind": kind,
                                                     "metadata": {"name": name}}
            if RESOURCES[(gv, plural)][1]:
                obj["metadata"]["namespace"] = ns
            managers = {}
            for e in obj["metadata"].get("managedFields", []):
                managers[(e["manager"], e["operation"])] = (e, from_fieldsv1(e["fieldsV1"]))
            mine = fields(cfg)
            conflicts = []
            for (m, op), (e, owned) in managers.items():
                if m == mgr and op == "Apply":
                    continue
                for p in sorted(owned & mine):
                    if p[-1] != "." and get_path(obj, p) != get_path(cfg, p):
                        conflicts.append((m, e["apiVersion"], p))
            if conflicts and not force:
                causes = [{"type": "FieldManagerConflict",
                           "message": 'conflict with "%s" using %s' % (m, v),
                           "field": "." + ".".join(el[2:] if el.startswith("f:") else
                                                   "[" + el[2:] + "]" for el in p)}
                          for m, v, p in conflicts]
                raise APIError(409, "Conflict", "Apply failed with %d conflict%s: %s"
                               % (len(conflicts), "s" if len(conflicts) > 1 else "",
                                  "; ".join('conflict with "%s" using %s: %s'
                                            % (m, v, c["field"])
                                            for (m, v, _), c in zip(conflicts, causes))),
                               {"name": name, "kind": plural, "causes": causes})
            before = (managers.get((mgr, "Apply")) or (None, set()))[1]
            others = set()
            taken = {p for _, _, p in conflicts}
            for (m, op), (e, owned) in managers.items():
                if not (m == mgr and op == "Apply"):
                    owned -= taken  # force moves the conflicting fields; equal ones are shared
                    others |= owned
            # Items before their fields, so that a removed list item goes whole.
            spec_before = json.dumps(obj.get("spec"), sort_keys=True)
            for p in sorted(before - mine - others,
                            key=lambda p: (len(p) - (p[-1] == "."), p[-1] != ".")):
                delete_path(obj, p, others)
            body = {k: v for k, v in cfg.items() if k != "status"}
            body["metadata"] = {k: v for k, v in md.items()
                                if k in ("labels", "annotations", "ownerReferences",
                                         "finalizers")}
            merge(obj, body)
            mf = []
            for (m, op), (e, owned) in managers.items():
                if m == mgr and op == "Apply":
                    continue
                if owned:
                    e = dict(e, fieldsV1=to_fieldsv1(owned))
                    mf.append(e)
            old_entry = managers.get((mgr, "Apply"), (None, None))[0]
            mf.append({"manager": mgr, "operation": "Apply", "apiVersion": gv,
                       "time": old_entry["time"] if old_entry and before == mine else now(),
                       "fieldsType": "FieldsV1", "fieldsV1": to_fieldsv1(mine)})
            obj["metadata"]["managedFields"] = mf
            if live is None:
                obj["metadata"]["generation"] = 1
            elif json.dumps(obj.get("spec"), sort_keys=True) != spec_before:
                obj["metadata"]["generation"] = live["metadata"].get("generation", 1) + 1
            if live is not None and obj == live:
                return self.send_json(200, live)  # a no-op apply writes nothing
            self.send_json(201 if live is None else 200, st.put(gv, plural, obj))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that refuses our certificate, or hangs up, is not the server's error.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            return
        super().handle_error(request, client_address)


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1/localhost, and a client certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "client.key")):
        return

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn, org=None):
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        if org:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        return x509.Name(attrs)

    def write(fname, data):
        fd = os.open(os.path.join(d, fname), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    t0 = datetime.datetime.utcnow() - datetime.timedelta(days=1)
    t1 = t0 + datetime.timedelta(days=3650)
    ca_key = key()
    ca = (x509.CertificateBuilder().subject_name(name("kmend-test-ca"))
          .issuer_name(name("kmend-test-ca")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(t0).not_valid_after(t1)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    nopass = serialization.NoEncryption()
    write("ca.crt", ca.public_bytes(pem))
    for who, cn, org, san in (("server", "kube-apiserver", None, True),
                              ("client", "kmend-test", "system:masters", False)):
        k = key()
        b = (x509.CertificateBuilder().subject_name(name(cn, org)).issuer_name(ca.subject)
             .public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(t0).not_valid_after(t1))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.DNSName("kubernetes.default.svc"),
                 x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        cert = b.sign(ca_key, hashes.SHA256())
        write(who + ".crt", cert.public_bytes(pem))
        write(who + ".key", k.private_bytes(pem, serialization.PrivateFormat.PKCS8, nopass))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pki", required=True, help="directory for the CA and certificates")
    ap.add_argument("--port-file", required=True, help="the port is written here once serving")
    ap.add_argument("--token", action="append", default=[], help="a bearer token to accept")
    ap.add_argument("--history", type=int, default=1000, help="watch events kept")
    ap.add_argument("--bookmark-seconds", type=float, default=1.0)
    ap.add_argument("--tick", type=float, default=0.2,
                    help="controller period in seconds; 0: no controllers (a store of objects, "
                    "e.g. 1,000 workloads to list)")
    ap.add_argument("--namespaces", default="default,kube-system")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    make_pki(a.pki)
    store = Store(a.history)
    for ns in a.namespaces.split(","):
        store.put("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": ns}, "status": {"phase": "Active"}})
    srv = Server(("127.0.0.1", 0), Handler)
    srv.store, srv.tokens, srv.verbose = store, set(a.token), a.verbose
    srv.bookmark_seconds, srv.requests = a.bookmark_seconds, []
    srv.cluster = Cluster(store, a.tick)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(a.pki, "server.crt"), os.path.join(a.pki, "server.key"))
    ctx.load_verify_locations(os.path.join(a.pki, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.tick > 0:
        threading.Thread(target=srv.cluster.loop, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
