#!/usr/bin/env python3
"""kube_api.py DIR: a test double of the Kubernetes API server's Node
objects, for the node agent tests (tests/netns/agent*.bats). Test code
only: tenc and deploy/tenc-node.sh under test are the real ones; this
stands in for the one thing that cannot run here, the API server, and
tests/tools/kubectl-double is the kubectl the agent finds on its PATH.

One writer: this loop applies requests in the order they arrive and keeps,
under DIR (which the agents' kubectl double sees, bind-mounted):
  nodes/NAME.json  each Node object as the API would return it
  nodes/NAME.rv    its resourceVersion (written after it), for watches
  list.json        `kubectl get nodes -o json`: a v1 List of all of them
  events           the watch stream of every change, each event one
                   pretty-printed {"type", "object"} object as
                   `kubectl get nodes -o json --watch --output-watch-events`
                   prints it (4-space indent); a watch replays it from
                   the start, which ends in the current state
  log              "TIME TYPE NAME RV" a line per event (TIME: the
                   CLOCK_REALTIME seconds when it was appended), and
                   "TIME annotate NAME k=v..." per annotate request
Requests: a file req/ID.req (written elsewhere, then renamed in), one line
"OP ARGS..."; the answer is req/ID.done: "0" or "1 message".
  join NAME IP [CIDR...]   a new Node: InternalIP IP (IP4,IP6: one of each,
                           dual-stack), spec.podCIDRs (ADDED)
  cidrs NAME [CIDR...]     replace spec.podCIDRs (MODIFIED)
  annotate NAME k=v|k-...  as kubectl annotate --overwrite (MODIFIED, none
                           when nothing changed, as the API server does)
  delete NAME              DELETED, with the last object
  jsonpath NAME            the Node formatted by the template that follows
                           on the request's next lines, as kubectl -o
                           jsonpath prints it (kube_jsonpath.py); the
                           answer's lines after the "0"
It runs until killed.
"""
import json
import os
import sys
import time

from kube_jsonpath import jsonpath


class Api:
    def __init__(self, d):
        self.d = d
        self.rv = 0
        self.nodes = {}
        for sub in ("nodes", "req"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.write_list()
        open(self.path("events"), "a").close()

    def path(self, *p):
        return os.path.join(self.d, *p)

    def put(self, name, text):
        tmp = self.path(name + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.path(name))

    def write_list(self):
        items = [self.nodes[n] for n in sorted(self.nodes)]
        self.put("list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items,
                                          "metadata": {"resourceVersion": str(self.rv)}}, indent=4) + "\n")

    def event(self, typ, node):
        name = node["metadata"]["name"]
        with open(self.path("events"), "a") as f:
            f.write(json.dumps({"type": typ, "object": node}, indent=4) + "\n")
        self.log("%s %s %s" % (typ, name, node["metadata"]["resourceVersion"]))
        if typ == "DELETED":
            os.unlink(self.path("nodes", name + ".json"))
            os.unlink(self.path("nodes", name + ".rv"))
        else:
            self.put(os.path.join("nodes", name + ".json"), json.dumps(node, indent=4) + "\n")
            self.put(os.path.join("nodes", name + ".rv"), node["metadata"]["resourceVersion"] + "\n")
        self.write_list()

    def log(self, text):
        with open(self.path("log"), "a") as f:
            f.write("%.6f %s\n" % (time.time(), text))

    def bump(self, node):
        self.rv += 1
        node["metadata"]["resourceVersion"] = str(self.rv)

    def node(self, name):
        if name not in self.nodes:
            raise KeyError('nodes "%s" not found' % name)
        return self.nodes[name]

    def op_join(self, name, ip, *cidrs):
        if name in self.nodes:
            raise KeyError('nodes "%s" already exists' % name)
        n = {"apiVersion": "v1", "kind": "Node",
             "metadata": {"name": name, "uid": "uid-%s-%d" % (name, self.rv + 1), "annotations": {},
                          "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
             "spec": {"podCIDRs": list(cidrs)},
             "status": {"addresses": [{"type": "InternalIP", "address": a} for a in ip.split(",")] +
                                     [{"type": "Hostname", "address": name}]}}
        if cidrs:
            n["spec"]["podCIDR"] = cidrs[0]
        self.bump(n)
        self.nodes[name] = n
        self.event("ADDED", n)

    def op_cidrs(self, name, *cidrs):
        n = self.node(name)
        n["spec"]["podCIDRs"] = list(cidrs)
        if cidrs:
            n["spec"]["podCIDR"] = cidrs[0]
        else:
            n["spec"].pop("podCIDR", None)
        self.bump(n)
        self.event("MODIFIED", n)

    def op_annotate(self, name, *kvs):
        n = self.node(name)
        self.log("annotate %s %s" % (name, " ".join(kvs)))
        ann = dict(n["metadata"]["annotations"])
        for kv in kvs:
            if "=" in kv:
                k, v = kv.split("=", 1)
                ann[k] = v
            elif kv.endswith("-"):
                ann.pop(kv[:-1], None)
            else:
                raise ValueError("annotate: bad argument %r" % kv)
        if ann == n["metadata"]["annotations"]:
            return
        n["metadata"]["annotations"] = ann
        self.bump(n)
        self.event("MODIFIED", n)

    def op_delete(self, name):
        n = self.node(name)
        del self.nodes[name]
        self.bump(n)
        self.event("DELETED", n)

    def op_jsonpath(self, name, template):
        return jsonpath(template, self.node(name))

    def serve_one(self, req):
        with open(self.path("req", req)) as f:
            first, _, rest = f.read().partition("\n")
        os.unlink(self.path("req", req))
        words = first.split()
        try:
            args = words[1:] + ([rest] if words[0] == "jsonpath" else [])
            out = getattr(self, "op_" + words[0])(*args)
            answer = "0\n" + (out or "")
        except (KeyError, ValueError, TypeError, AttributeError, IndexError) as e:
            answer = "1 %s\n" % (e.args[0] if e.args else e)
        self.put(os.path.join("req", req[:-4] + ".done"), answer)

    def serve(self):
        while True:
            reqs = sorted(r for r in os.listdir(self.path("req")) if r.endswith(".req"))
            for r in reqs:
                self.serve_one(r)
            if not reqs:
                time.sleep(0.01)


if __name__ == "__main__":
    Api(sys.argv[1]).serve()
