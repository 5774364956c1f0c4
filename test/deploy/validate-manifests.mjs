// SPDX-License-Identifier: MIT
//
// validate-manifests.mjs - offline validation of the rendered ssd-monitor
// manifests (test suite 'deploy'):
//
//  1. every object against the Kubernetes / prometheus-operator JSON schemas
//     (npm kubernetes-models and @kubernetes-models/prometheus-operator,
//     generated from the upstream OpenAPI specs and CRDs);
//  2. unknown fields, which those schemas let through (no
//     additionalProperties: false), by type-checking each object as an object
//     literal against the models' TypeScript interfaces (excess property check);
//  3. the deployment policy issue #6 asks for (nodeSelector, probes, named
//     port, resources, privileges, host mounts, ...);
//  4. the node-problem-detector plugin config against NPD's own rules
//     (pkg/custompluginmonitor/types/config.go: Validate/ApplyConfiguration).
//
// Each check is also run on deliberately broken copies, which must fail, so a
// check that cannot fail is caught here too.
//
// Usage: node validate-manifests.mjs base.yaml nfd.yaml leastpriv.yaml npd.yaml npd.json

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import ts from "typescript";

import { Namespace, ServiceAccount, Service, ConfigMap } from "kubernetes-models/v1";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { PodMonitor, PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const here = path.dirname(fileURLToPath(import.meta.url));
let passed = 0;
let failed = 0;

function check(ok, name, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `: ${detail}` : ""}`);
  }
}

// apiVersion/kind -> model class, TypeScript interface and its module.
const MODELS = {
  "v1/Namespace": [Namespace, "INamespace", "kubernetes-models/v1/Namespace"],
  "v1/ServiceAccount": [ServiceAccount, "IServiceAccount", "kubernetes-models/v1/ServiceAccount"],
  "v1/Service": [Service, "IService", "kubernetes-models/v1/Service"],
  "v1/ConfigMap": [ConfigMap, "IConfigMap", "kubernetes-models/v1/ConfigMap"],
  "apps/v1/DaemonSet": [DaemonSet, "IDaemonSet", "kubernetes-models/apps/v1/DaemonSet"],
  "monitoring.coreos.com/v1/PodMonitor": [
    PodMonitor,
    "IPodMonitor",
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor",
  ],
  "monitoring.coreos.com/v1/PrometheusRule": [
    PrometheusRule,
    "IPrometheusRule",
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
  ],
};

const key = (o) => `${o.apiVersion}/${o.kind}`;
const clone = (o) => JSON.parse(JSON.stringify(o));

function loadDocs(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((o) => o != null);
}

// ---- 1. JSON schema -------------------------------------------------------

function schemaErrors(obj) {
  const m = MODELS[key(obj)];
  if (!m) return `no schema known for ${key(obj)}`;
  try {
    new m[0](obj).validate();
    return null;
  } catch (e) {
    return e.message;
  }
}

// ---- 2. unknown fields (TypeScript excess property check) ------------------

// Type-check many objects in one compiler run; returns one error string (or null) per object.
function fieldErrors(objs) {
  // Inside node_modules (git-ignored), so bare imports resolve to the installed models.
  const dir = fs.mkdtempSync(path.join(here, "node_modules", ".sm-tscheck-"));
  const file = path.join(dir, "check.ts");
  const lines = [];
  const imports = new Set();
  const starts = [];
  objs.forEach((o, i) => {
    const m = MODELS[key(o)];
    if (!m) {
      starts.push(-1);
      return;
    }
    imports.add(`import type { ${m[1]} } from "${m[2]}";`);
    starts.push(i);
    lines.push(`export const o${i}: ${m[1]} = ${JSON.stringify(o, null, 1)};`);
  });
  const text = [...imports, ...lines].join("\n") + "\n";
  fs.writeFileSync(file, text);
  try {
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: [],
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && d.file.fileName === file);
    const errs = objs.map(() => null);
    const sf = program.getSourceFile(file);
    for (const d of diags) {
      const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      // Which "export const oN" does the error line belong to?
      let owner = -1;
      for (let l = line; l >= 0; l--) {
        const m = /^export const o(\d+):/.exec(sf.text.split("\n")[l] ?? "");
        if (m) {
          owner = Number(m[1]);
          break;
        }
      }
      const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
      if (owner < 0) {
        errs.forEach((_, i) => (errs[i] = errs[i] ?? `type check setup: ${msg}`));
      } else {
        errs[owner] = errs[owner] ? `${errs[owner]}; ${msg}` : msg;
      }
    }
    objs.forEach((o, i) => {
      if (!MODELS[key(o)]) errs[i] = `no type known for ${key(o)}`;
    });
    return errs;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 3. deployment policy ----------------------------------------------------

const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Returns a list of violations for the rendered set `docs`.
function policyViolations(docs, { nodeSelector, privileged, tls = false }) {
  const v = [];
  const need = (cond, msg) => {
    if (!cond) v.push(msg);
  };
  const find = (kind) => docs.filter((o) => o.kind === kind);
  for (const kind of ["Namespace", "ServiceAccount", "DaemonSet", "Service", "PodMonitor", "PrometheusRule"])
    need(find(kind).length === 1, `exactly one ${kind}`);
  const ds = find("DaemonSet")[0];
  if (!ds) return v;
  const ns = find("Namespace")[0]?.metadata?.name;
  for (const o of docs)
    if (o.kind !== "Namespace") need(o.metadata?.namespace === ns, `${o.kind} ${o.metadata?.name} in namespace ${ns}`);

  const spec = ds.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const podLabels = spec.template?.metadata?.labels ?? {};
  need(ds.metadata?.name === "ssd-monitor", "DaemonSet named ssd-monitor");
  need(eq(pod.nodeSelector, nodeSelector), `nodeSelector ${JSON.stringify(pod.nodeSelector)} == ${JSON.stringify(nodeSelector)}`);
  need(
    Object.entries(spec.selector?.matchLabels ?? {}).every(([k, val]) => podLabels[k] === val) &&
      Object.keys(spec.selector?.matchLabels ?? {}).length > 0,
    "selector matches the pod template labels",
  );
  need(spec.updateStrategy?.type === "RollingUpdate", "rolling updates");
  need(spec.updateStrategy?.rollingUpdate?.maxSurge === 0 || spec.updateStrategy?.rollingUpdate?.maxSurge === "0",
    "no surge with hostNetwork (port clash)");
  need(pod.automountServiceAccountToken === false, "automountServiceAccountToken: false");
  need(pod.hostNetwork === true, "hostNetwork (udev events)");
  need(pod.hostPID !== true && pod.hostIPC !== true, "no hostPID/hostIPC");
  need((pod.containers ?? []).length === 1, "one container");
  const c = (pod.containers ?? [])[0] ?? {};
  const port = (c.ports ?? []).find((p) => p.name === "metrics");
  need(port?.containerPort === 9638, "named port metrics = 9638");
  need(c.readinessProbe?.httpGet?.path === "/readyz" && c.readinessProbe?.httpGet?.port === "metrics", "readiness /readyz on metrics");
  need(c.livenessProbe?.httpGet?.path === "/healthz" && c.livenessProbe?.httpGet?.port === "metrics", "liveness /healthz on metrics");
  // TLS variant: probes over HTTPS (the agent serves no plain HTTP on a TLS listener),
  // the web config from a read-only Secret mount, passed with --web.config.file.
  const scheme = tls ? "HTTPS" : "HTTP";
  need((c.readinessProbe?.httpGet?.scheme ?? "HTTP") === scheme && (c.livenessProbe?.httpGet?.scheme ?? "HTTP") === scheme,
    `probes scheme ${scheme}`);
  const webArg = (c.args ?? []).find((a) => a.startsWith("--web.config.file="));
  if (tls) {
    const file = webArg?.slice("--web.config.file=".length) ?? "";
    const vol = (pod.volumes ?? []).find((x) => x.secret?.secretName);
    const mnt = vol && (c.volumeMounts ?? []).find((m) => m.name === vol.name);
    need(mnt?.readOnly === true && file.startsWith(mnt.mountPath + "/"),
      "--web.config.file inside a read-only Secret mount");
    need(vol && (vol.secret.defaultMode ?? 0o644) <= 0o440, "Secret files not world-readable");
  } else {
    need(webArg === undefined, "no --web.config.file");
  }
  const res = c.resources ?? {};
  const mem = (q) => {
    const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(String(q ?? ""));
    if (!m) return NaN;
    return Number(m[1]) * { undefined: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2]];
  };
  const cpu = (q) => {
    const m = /^(\d+)(m)?$/.exec(String(q ?? ""));
    if (!m) return NaN;
    return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
  };
  need(cpu(res.requests?.cpu) > 0 && cpu(res.requests?.cpu) < 10, "cpu request set, below NPD's 10m");
  need(mem(res.requests?.memory) > 0 && mem(res.requests?.memory) < 80 * 1024 ** 2, "memory request set, below NPD's 80Mi");
  need(mem(res.limits?.memory) >= mem(res.requests?.memory) && mem(res.limits?.memory) < 80 * 1024 ** 2,
    "memory limit set, >= request, below NPD's 80Mi");
  need(cpu(res.limits?.cpu) >= cpu(res.requests?.cpu), "cpu limit set, >= request");
  const sc = c.securityContext ?? {};
  need(sc.readOnlyRootFilesystem === true, "read-only root filesystem");
  need(eq(sc.capabilities?.drop, ["ALL"]), "capabilities: drop ALL");
  need(eq([...(sc.capabilities?.add ?? [])].sort(), ["SYS_ADMIN", "SYS_RAWIO"]), "capabilities: add exactly SYS_RAWIO, SYS_ADMIN");
  need(sc.privileged === privileged, `privileged: ${privileged}`);
  if (!privileged) need(sc.allowPrivilegeEscalation === false, "allowPrivilegeEscalation: false");
  need(pod.securityContext?.seccompProfile?.type === "RuntimeDefault", "seccomp RuntimeDefault");
  for (const [hostPath, mountPath] of [["/dev", "/dev"], ["/sys", "/sys"], ["/run/udev", "/run/udev"]]) {
    const vol = (pod.volumes ?? []).find((x) => x.hostPath?.path === hostPath);
    const mnt = vol && (c.volumeMounts ?? []).find((m) => m.name === vol.name);
    need(mnt?.mountPath === mountPath && mnt?.readOnly === true, `host ${hostPath} mounted read-only at ${mountPath}`);
  }
  {
    // The state directory (per-drive history) is the one writable host path.
    const vol = (pod.volumes ?? []).find((x) => x.hostPath?.path === "/var/lib/ssd-monitor");
    const mnt = vol && (c.volumeMounts ?? []).find((m) => m.name === vol.name);
    need(mnt?.mountPath === "/var/lib/ssd-monitor" && vol.hostPath.type === "DirectoryOrCreate",
      "host /var/lib/ssd-monitor (history) mounted at /var/lib/ssd-monitor");
    need((c.args ?? []).includes("--state.dir=/var/lib/ssd-monitor"), "--state.dir is the mounted directory");
  }
  need((pod.volumes ?? []).every((x) => !x.hostPath || ["/dev", "/sys", "/run/udev", "/var/lib/ssd-monitor"].includes(x.hostPath.path)),
    "no other host paths");

  const svc = find("Service")[0];
  if (svc) {
    need(svc.spec?.clusterIP === "None", "Service is headless");
    need(Object.entries(svc.spec?.selector ?? {}).every(([k, val]) => podLabels[k] === val), "Service selects the pods");
    need((svc.spec?.ports ?? []).some((p) => p.name === "metrics" && p.targetPort === "metrics"), "Service port metrics");
  }
  const pm = find("PodMonitor")[0];
  if (pm) {
    need(Object.entries(pm.spec?.selector?.matchLabels ?? {}).every(([k, val]) => podLabels[k] === val),
      "PodMonitor selects the pods");
    need((pm.spec?.podMetricsEndpoints ?? []).some((e) => e.port === "metrics"), "PodMonitor scrapes port metrics");
    need(podLabels[pm.spec?.jobLabel] === "ssd-monitor", "PodMonitor job label resolves to ssd-monitor");
    const ep = (pm.spec?.podMetricsEndpoints ?? []).find((e) => e.port === "metrics") ?? {};
    if (tls) {
      need(ep.scheme === "https", "PodMonitor scheme https");
      need(ep.tlsConfig?.ca?.secret?.name && ep.tlsConfig?.ca?.secret?.key, "PodMonitor tlsConfig CA from a Secret");
      need(ep.tlsConfig?.insecureSkipVerify !== true, "PodMonitor verifies the certificate");
      need(ep.basicAuth?.username?.name && ep.basicAuth?.password?.name, "PodMonitor basicAuth from a Secret");
    } else {
      need((ep.scheme ?? "http") === "http" && !ep.tlsConfig && !ep.basicAuth, "PodMonitor plain http");
    }
  }
  const rule = find("PrometheusRule")[0];
  if (rule) {
    const alerts = (rule.spec?.groups ?? []).flatMap((g) => g.rules ?? []).map((r) => r.alert).filter(Boolean);
    for (const a of [
      "SSDMonitorDown", "SSDDeviceUnreadable", "SSDDeviceDisappeared", "SSDSmartUnhealthy",
      "SSDNVMeCriticalWarning", "SSDEnduranceUsedHigh", "SSDEnduranceUsedCritical",
      "SSDAvailableSpareBelowThreshold", "SSDMediaErrorsGrowing", "SSDReallocationsGrowing",
      "SSDTemperatureHigh", "SSDSelfTestFailed", "SSDEnduranceRunningOut",
    ])
      need(alerts.includes(a), `alert ${a} defined`);
  }
  return v;
}

// ---- 4. node-problem-detector plugin config ---------------------------------

// Go's time.ParseDuration, enough of it: one or more <number><unit>.
function goDuration(s) {
  if (typeof s !== "string" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return NaN;
  const mult = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * mult[m[2]];
  return total;
}

function npdViolations(cfg) {
  const v = [];
  const need = (cond, msg) => {
    if (!cond) v.push(msg);
  };
  const known = ["plugin", "pluginConfig", "source", "conditions", "rules", "metricsReporting"];
  const knownGlobal = ["invoke_interval", "timeout", "max_output_length", "concurrency",
    "enable_message_change_based_condition_update", "skip_initial_status"];
  const knownRule = ["type", "condition", "reason", "path", "args", "timeout"];
  need(Object.keys(cfg).every((k) => known.includes(k)), "only known top-level fields");
  need(Object.keys(cfg.pluginConfig ?? {}).every((k) => knownGlobal.includes(k)), "only known pluginConfig fields");
  need(cfg.plugin === "custom", 'plugin "custom"');
  need(typeof cfg.source === "string" && cfg.source.length > 0, "source set");
  const global = goDuration(cfg.pluginConfig?.timeout ?? "5s");
  need(!Number.isNaN(global), "global timeout parses");
  need(!Number.isNaN(goDuration(cfg.pluginConfig?.invoke_interval ?? "30s")), "invoke_interval parses");
  need((cfg.pluginConfig?.max_output_length ?? 80) >= 80, "max_output_length >= 80 (our line)");
  const conds = (cfg.conditions ?? []).map((c) => c.type);
  need((cfg.rules ?? []).length > 0, "at least one rule");
  for (const r of cfg.rules ?? []) {
    need(Object.keys(r).every((k) => knownRule.includes(k)), `rule ${r.reason}: only known fields`);
    need(["temporary", "permanent"].includes(r.type), `rule ${r.reason}: type temporary|permanent`);
    const t = goDuration(r.timeout ?? cfg.pluginConfig?.timeout ?? "5s");
    need(!Number.isNaN(t) && t <= global, `rule ${r.reason}: timeout parses and <= global timeout`);
    need(r.type !== "permanent" || conds.includes(r.condition), `rule ${r.reason}: permanent rule has a default condition`);
    need(typeof r.path === "string" && r.path.startsWith("/"), `rule ${r.reason}: absolute path`);
    need((r.args ?? []).every((a) => typeof a === "string"), `rule ${r.reason}: string args`);
    need((r.args ?? [])[0] === "check", `rule ${r.reason}: runs "ssd-monitor check"`);
  }
  return v;
}

// ---- main ----------------------------------------------------------------------

const [baseFile, nfdFile, lpFile, npdYamlFile, npdJsonFile, tlsFile] = process.argv.slice(2);
if (!tlsFile) {
  console.error("usage: validate-manifests.mjs base.yaml nfd.yaml least-privilege.yaml npd.yaml npd.json tls.yaml");
  process.exit(2);
}
const sets = {
  base: { docs: loadDocs(baseFile), policy: { nodeSelector: { disk: "ssd" }, privileged: true } },
  nfd: {
    docs: loadDocs(nfdFile),
    policy: { nodeSelector: { "feature.node.kubernetes.io/storage-nonrotationaldisk": "true" }, privileged: true },
  },
  "least-privilege": { docs: loadDocs(lpFile), policy: { nodeSelector: { disk: "ssd" }, privileged: false } },
  tls: { docs: loadDocs(tlsFile), policy: { nodeSelector: { disk: "ssd" }, privileged: true, tls: true } },
};
const npdDocs = loadDocs(npdYamlFile);
const npdJson = JSON.parse(fs.readFileSync(npdJsonFile, "utf8"));

// Broken copies that each check must reject.
const ds = sets.base.docs.find((o) => o.kind === "DaemonSet");
const broken = {
  "schema: containerPort as a string": (() => {
    const o = clone(ds);
    o.spec.template.spec.containers[0].ports[0].containerPort = "9638";
    return o;
  })(),
  "schema: PodMonitor interval as a number": (() => {
    const o = clone(sets.base.docs.find((x) => x.kind === "PodMonitor"));
    o.spec.podMetricsEndpoints[0].interval = 60;
    return o;
  })(),
  "fields: misspelt hostNetwork": (() => {
    const o = clone(ds);
    o.spec.template.spec.hostNetwrok = true;
    return o;
  })(),
  "fields: unknown field in a PrometheusRule rule": (() => {
    const o = clone(sets.base.docs.find((x) => x.kind === "PrometheusRule"));
    o.spec.groups[0].rules[0].severity = "warning";
    return o;
  })(),
};

// 1 + 2 over everything rendered, then over the broken copies.
const all = [...Object.entries(sets).flatMap(([n, s]) => s.docs.map((o) => [n, o])), ...npdDocs.map((o) => ["npd", o])];
const fErr = fieldErrors([...all.map(([, o]) => o), ...Object.values(broken)]);
all.forEach(([set, o], i) => {
  const name = `${set}: ${o.kind} ${o.metadata?.name}`;
  const s = schemaErrors(o);
  check(s === null, `${name}: schema`, s);
  check(fErr[i] === null, `${name}: no unknown or mistyped fields`, fErr[i]);
});
Object.entries(broken).forEach(([what, o], j) => {
  const i = all.length + j;
  if (what.startsWith("schema:")) check(schemaErrors(o) !== null, `rejects broken copy (${what})`);
  else check(fErr[i] !== null, `rejects broken copy (${what})`);
});

// 3. policy, per variant, then on broken copies.
for (const [n, s] of Object.entries(sets)) {
  const v = policyViolations(s.docs, s.policy);
  check(v.length === 0, `${n}: deployment policy`, v.join("; "));
}
const mutate = (f) => {
  const docs = clone(sets.base.docs);
  f(docs.find((o) => o.kind === "DaemonSet"), docs);
  return policyViolations(docs, sets.base.policy).length > 0;
};
check(mutate((d) => (d.spec.template.spec.nodeSelector = { disk: "hdd" })), "policy rejects a wrong nodeSelector");
check(mutate((d) => (d.spec.template.spec.nodeSelector = { disk: "ssd", zone: "a" })), "policy rejects an extra nodeSelector key");
check(mutate((d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/healthz")), "policy rejects readiness on /healthz");
check(mutate((d) => (d.spec.template.spec.containers[0].resources.limits.memory = "128Mi")), "policy rejects a memory limit above NPD's");
check(mutate((d) => d.spec.template.spec.containers[0].securityContext.capabilities.add.push("NET_ADMIN")), "policy rejects an extra capability");
check(mutate((d) => (d.spec.template.spec.containers[0].volumeMounts[0].readOnly = false)), "policy rejects a writable /dev");
check(mutate((d) => delete d.spec.template.spec.automountServiceAccountToken), "policy rejects a mounted token");
check(mutate((d, docs) => (docs.find((o) => o.kind === "Service").spec.clusterIP = "")), "policy rejects a non-headless Service");
const mutateTls = (f) => {
  const docs = clone(sets.tls.docs);
  f(docs.find((o) => o.kind === "DaemonSet"), docs.find((o) => o.kind === "PodMonitor"));
  return policyViolations(docs, sets.tls.policy).length > 0;
};
check(mutateTls((d) => delete d.spec.template.spec.containers[0].readinessProbe.httpGet.scheme), "tls policy rejects an HTTP readiness probe");
check(mutateTls((d, pm) => delete pm.spec.podMetricsEndpoints[0].scheme), "tls policy rejects a PodMonitor without scheme https");
check(mutateTls((d, pm) => delete pm.spec.podMetricsEndpoints[0].basicAuth), "tls policy rejects a PodMonitor without basicAuth");
check(mutateTls((d, pm) => (pm.spec.podMetricsEndpoints[0].tlsConfig.insecureSkipVerify = true)), "tls policy rejects insecureSkipVerify");
check(mutateTls((d) => (d.spec.template.spec.containers[0].volumeMounts.at(-1).readOnly = false)), "tls policy rejects a writable Secret mount");
check(mutateTls((d) => (d.spec.template.spec.containers[0].args = d.spec.template.spec.containers[0].args.filter((a) => !a.startsWith("--web.config.file")))), "tls policy rejects a missing --web.config.file");
check(policyViolations(sets.tls.docs, sets.base.policy).length > 0, "base policy rejects the TLS set (probes, PodMonitor)");

// 4. NPD config (the file and the ConfigMap carrying it must agree).
const cm = npdDocs.find((o) => o.kind === "ConfigMap");
check(cm && eq(JSON.parse(cm.data["ssd-monitor-plugin-monitor.json"]), npdJson), "npd: ConfigMap carries the plugin config");
const nv = npdViolations(npdJson);
check(nv.length === 0, "npd: plugin config passes NPD's validation rules", nv.join("; "));
const badNpd = clone(npdJson);
badNpd.rules[0].timeout = "45s";
check(npdViolations(badNpd).length > 0, "npd: rejects a rule timeout above the global timeout");
const badNpd2 = clone(npdJson);
badNpd2.rules[0].condition = "NoSuchCondition";
check(npdViolations(badNpd2).length > 0, "npd: rejects a permanent rule without default condition");

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
