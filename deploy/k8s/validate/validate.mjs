#!/usr/bin/env node
// Validates Kubernetes manifests in two stages.
//
//  1. Schema: every YAML document of every file is parsed (multi-document, duplicate keys are errors) and validated
//     against the official Kubernetes OpenAPI schema of its apiVersion/kind, with the validators the
//     `kubernetes-models` package generates from that schema (ajv). A document whose apiVersion/kind the package does
//     not know is an error, never skipped. Note: the official schemas allow unknown fields (the API server rejects
//     them, these schemas do not), so a misspelt optional field passes this stage; the policy stage requires the
//     fields that matter by name.
//  2. Policy (the production shape of issue 11): the silo and gateway Deployments, their rolling-update strategy,
//     probes, drain hook, environment, labels and resources; the disruption budgets, the autoscaler, and that every
//     Service, Ingress and Secret reference resolves.
//
// usage: node validate.mjs                      deploy/k8s/*.yaml and deploy/k8s/examples/*.yaml, schema + policy
//        node validate.mjs [--policy] PATH...   the given files, or each folder's *.yaml and examples/*.yaml;
//                                               schema only unless --policy
// Prints one line per document ("ok" or the errors) and per policy violation; exits 1 on any error, 2 on bad usage.

import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const usage = "usage: node validate.mjs [--policy] [PATH...]";
let policy = null;
const paths = [];
for (const a of args) {
  if (a === "--policy") policy = true;
  else if (a === "--no-policy") policy = false;
  else if (a === "-h" || a === "--help") { console.log(usage); process.exit(0); }
  else if (a.startsWith("-")) { console.error(`unknown option ${a}\n${usage}`); process.exit(2); }
  else paths.push(resolve(a));
}
if (paths.length === 0) { paths.push(resolve(here, "..")); policy ??= true; }
policy ??= false;

const isYaml = (f) => /\.ya?ml$/.test(f);
function collect(p) {
  if (!existsSync(p)) throw new Error(`${p} does not exist`);
  if (!statSync(p).isDirectory()) return [p];
  const files = readdirSync(p).filter(isYaml).sort().map((f) => join(p, f));
  const examples = join(p, "examples");
  if (existsSync(examples) && statSync(examples).isDirectory())
    files.push(...readdirSync(examples).filter(isYaml).sort().map((f) => join(examples, f)));
  return files;
}

let files;
try {
  files = [...new Set(paths.flatMap(collect))];
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
if (files.length === 0) { console.error(`no YAML files in ${paths.join(", ")}`); process.exit(2); }

const base = paths.length === 1 && statSync(paths[0]).isDirectory() ? paths[0] : process.cwd();
const shown = (f) => { const r = relative(base, f); return !r ? basename(f) : r.startsWith("..") ? f : r; };
let errors = 0;
const fail = (where, message) => { errors++; console.log(`error  ${where}: ${message}`); };

// ---- stage 1: schema ------------------------------------------------------------------------------------------------

const API_VERSION = /^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const models = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    let model = null;
    if (API_VERSION.test(apiVersion) && KIND.test(kind)) {
      try {
        const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
        const cls = mod[kind];
        if (typeof cls === "function" && cls.apiVersion === apiVersion && cls.kind === kind) model = cls;
      } catch (e) {
        if (e?.code !== "ERR_MODULE_NOT_FOUND" && e?.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
      }
    }
    models.set(key, model);
  }
  return models.get(key);
}

function describe(e) {
  const path = e.instancePath || "/";
  let extra = "";
  if (e.params?.allowedValues) extra = ` (allowed: ${e.params.allowedValues.join(", ")})`;
  else if (e.params?.additionalProperty) extra = ` (${e.params.additionalProperty})`;
  else if (e.params?.missingProperty && !e.message.includes(e.params.missingProperty)) extra = ` (${e.params.missingProperty})`;
  return `${path} ${e.message}${extra}`;
}

const documents = []; // { where, file, obj }
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    fail(shown(file), `cannot read: ${e.message}`);
    continue;
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) { // an empty stream
    fail(shown(file), "no YAML document");
    continue;
  }
  let n = 0;
  for (const doc of docs) {
    n++;
    const at = `${shown(file)}#${n}`;
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) {
      for (const p of problems) fail(at, `YAML: ${p.message.split("\n")[0]}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // only comments (e.g. before the first ---)
    if (typeof obj !== "object" || Array.isArray(obj)) { fail(at, "a manifest must be a mapping"); continue; }
    const { apiVersion, kind } = obj;
    const where = `${at} ${apiVersion} ${kind} ${obj.metadata?.name ?? "(no name)"}`;
    if (typeof apiVersion !== "string" || typeof kind !== "string") { fail(at, "apiVersion and kind must be strings"); continue; }
    const Model = await modelFor(apiVersion, kind);
    if (!Model) { fail(where, `unknown kind: no Kubernetes schema for apiVersion ${apiVersion}, kind ${kind}`); continue; }
    try {
      new Model(obj).validate();
    } catch (e) {
      const list = Array.isArray(e?.errors) && e.errors.length ? e.errors : null;
      if (!list) throw e;
      for (const x of list) fail(where, describe(x));
      continue;
    }
    console.log(`ok     ${where}`);
    documents.push({ where, file, obj });
  }
}

// ---- stage 2: policy ------------------------------------------------------------------------------------------------

if (policy) {
  const NAMESPACE = "resonance";
  const violation = (what, message) => fail(`policy ${what}`, message);
  const of = (kind) => documents.filter((d) => d.obj.kind === kind).map((d) => d.obj);
  const named = (kind, name) => of(kind).find((o) => o.metadata?.name === name);
  const matches = (selector, labels) =>
    !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

  for (const d of documents) {
    const m = d.obj.metadata ?? {};
    if (!m.name) violation(d.where, "metadata.name is required");
    if (d.obj.kind === "Namespace") continue;
    if (m.namespace !== NAMESPACE) violation(d.where, `metadata.namespace must be ${NAMESPACE} (is ${m.namespace ?? "unset"})`);
  }
  if (!named("Namespace", NAMESPACE)) violation("Namespace", `no Namespace ${NAMESPACE}`);

  const standardLabels = ["app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/version"];
  const seconds = (timespan) => {
    const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(String(timespan));
    return m ? (+(m[1] ?? 0)) * 86400 + +m[2] * 3600 + +m[3] * 60 + +m[4] : NaN;
  };
  const roles = [
    { deployment: "resonance-silo", container: "silo", component: "silo", http: 8080, ports: [11111, 30000] },
    { deployment: "resonance-gateway", container: "gateway", component: "gateway", http: 5000, ports: [] },
  ];
  const templates = []; // pod templates, for the Service / PDB / Ingress checks

  for (const role of roles) {
    const w = `Deployment ${role.deployment}`;
    const dep = named("Deployment", role.deployment);
    if (!dep) { violation(w, "missing"); continue; }
    const tpl = dep.spec?.template ?? {};
    templates.push({ role, dep, tpl });
    for (const l of standardLabels) {
      if (!dep.metadata?.labels?.[l]) violation(w, `metadata.labels lacks ${l}`);
      if (!tpl.metadata?.labels?.[l]) violation(w, `spec.template.metadata.labels lacks ${l}`);
    }
    if (tpl.metadata?.labels?.["app.kubernetes.io/component"] !== role.component)
      violation(w, `pod label app.kubernetes.io/component must be ${role.component}`);
    if (!matches(dep.spec?.selector?.matchLabels, tpl.metadata?.labels)) violation(w, "spec.selector.matchLabels must select the pod template's labels");

    const strategy = dep.spec?.strategy ?? {};
    if (strategy.type !== "RollingUpdate") violation(w, "spec.strategy.type must be RollingUpdate");
    const mu = strategy.rollingUpdate?.maxUnavailable;
    if (!(mu === 0 || mu === "0%")) violation(w, `spec.strategy.rollingUpdate.maxUnavailable must be 0 (is ${mu ?? "unset, default 25%"})`);
    const grace = tpl.spec?.terminationGracePeriodSeconds;
    if (!Number.isInteger(grace) || grace <= 0) violation(w, "spec.template.spec.terminationGracePeriodSeconds must be set");
    if (tpl.spec?.automountServiceAccountToken !== false) violation(w, "automountServiceAccountToken must be false (nothing here uses the Kubernetes API)");
    const sc = tpl.spec?.securityContext ?? {};
    if (sc.runAsNonRoot !== true || sc.runAsUser !== 10001) violation(w, "pod securityContext must run as non-root uid 10001");

    const c = (tpl.spec?.containers ?? []).find((x) => x.name === role.container);
    if (!c) { violation(w, `no container named ${role.container}`); continue; }
    const cw = `${w} container ${role.container}`;
    if (!String(c.image ?? "").startsWith(`resonance/${role.component}:`)) violation(cw, `image must be resonance/${role.component}:<tag> (is ${c.image})`);
    const ports = c.ports ?? [];
    const httpPort = ports.find((p) => p.name === "http");
    if (httpPort?.containerPort !== role.http) violation(cw, `a port named http on ${role.http} is required`);
    for (const p of role.ports) if (!ports.some((x) => x.containerPort === p)) violation(cw, `containerPort ${p} is required`);
    const probePort = (probe) => (probe?.httpGet?.port === "http" ? role.http : probe?.httpGet?.port);
    for (const [probe, path] of [["startupProbe", null], ["readinessProbe", "/healthz"], ["livenessProbe", "/livez"]]) {
      const p = c[probe];
      if (!p?.httpGet) { violation(cw, `${probe} (httpGet) is required`); continue; }
      if (path && p.httpGet.path !== path) violation(cw, `${probe} must GET ${path} (is ${p.httpGet.path})`);
      if (!path && !["/livez", "/healthz"].includes(p.httpGet.path)) violation(cw, `${probe} must GET /livez or /healthz`);
      if (probePort(p) !== role.http) violation(cw, `${probe} must use the http port ${role.http}`);
    }
    if ((c.startupProbe?.failureThreshold ?? 3) * (c.startupProbe?.periodSeconds ?? 10) < 60)
      violation(cw, "startupProbe must allow at least 60 s (failureThreshold x periodSeconds)");
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) violation(cw, "resources.requests.cpu and .memory are required");
    if (!c.resources?.limits?.memory) violation(cw, "resources.limits.memory is required");

    // The environment is the hosts' single source of settings (the container tests read it): explicit entries only.
    if (c.envFrom) violation(cw, "envFrom is not allowed: list every variable in env");
    const env = new Map();
    for (const e of c.env ?? []) {
      if (env.has(e.name)) violation(cw, `env ${e.name} is set twice`);
      if ((e.value === undefined) === (e.valueFrom === undefined)) violation(cw, `env ${e.name} needs exactly one of value, valueFrom`);
      env.set(e.name, e);
    }
    const field = (name, path) => {
      if (env.get(name)?.valueFrom?.fieldRef?.fieldPath !== path) violation(cw, `env ${name} must come from the downward API (${path})`);
    };
    field("POD_NAME", "metadata.name");
    field("POD_NAMESPACE", "metadata.namespace");
    for (const key of ["Resonance__Cluster__Redis", "Resonance__Storage__Postgres"]) {
      const ref = env.get(key)?.valueFrom?.secretKeyRef;
      if (!ref || ref.key !== key) { violation(cw, `env ${key} must come from a Secret key of the same name`); continue; }
      const secret = named("Secret", ref.name);
      if (secret && !(key in (secret.stringData ?? {})) && !(key in (secret.data ?? {}))) violation(cw, `Secret ${ref.name} has no key ${key}`);
      if (!secret) violation(cw, `Secret ${ref.name} is neither in the manifests nor in examples/`);
    }
    if (role.component === "silo") {
      field("Resonance__Silo__AdvertisedIp", "status.podIP");
    } else {
      if (env.get("Resonance__Gateway__Mode")?.value !== "client") violation(cw, "env Resonance__Gateway__Mode must be client");
      const stop = c.lifecycle?.preStop;
      if (!stop) violation(cw, "lifecycle.preStop is required (time for endpoints and ingress to stop routing before SIGTERM)");
      const cmd = stop?.exec?.command ?? [];
      const sleep = /(^|\/)sleep$/.test(cmd[0] ?? "") ? Number(cmd[1]) : stop?.sleep?.seconds ?? 0;
      const drain = seconds(env.get("Resonance__Gateway__DrainTimeout")?.value ?? "00:00:10");
      if (Number.isInteger(grace) && !(grace >= sleep + drain + 5))
        violation(cw, `terminationGracePeriodSeconds ${grace} must exceed preStop ${sleep} s + drain ${drain} s by at least 5 s`);
    }
  }

  const templateFor = (selector) => templates.find((t) => matches(selector, t.tpl.metadata?.labels));
  for (const role of roles) {
    const t = templates.find((x) => x.role === role);
    if (!t) continue;
    const pdb = of("PodDisruptionBudget").find((p) => p.apiVersion === "policy/v1" && matches(p.spec?.selector?.matchLabels, t.tpl.metadata?.labels));
    if (!pdb) violation(`Deployment ${role.deployment}`, "no policy/v1 PodDisruptionBudget selects its pods");
  }
  const hpa = of("HorizontalPodAutoscaler").find((h) => h.apiVersion === "autoscaling/v2" &&
    h.spec?.scaleTargetRef?.kind === "Deployment" && h.spec?.scaleTargetRef?.name === "resonance-gateway");
  if (!hpa) violation("HorizontalPodAutoscaler", "no autoscaling/v2 HorizontalPodAutoscaler targets Deployment resonance-gateway");
  else {
    if (!(hpa.spec.minReplicas >= 2)) violation(`HorizontalPodAutoscaler ${hpa.metadata.name}`, "minReplicas must be at least 2");
    if (!(hpa.spec.metrics ?? []).some((m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization"))
      violation(`HorizontalPodAutoscaler ${hpa.metadata.name}`, "needs a Resource cpu metric with target type Utilization");
    if (named("Deployment", "resonance-gateway")?.spec?.replicas !== undefined)
      violation("Deployment resonance-gateway", "spec.replicas must be left to the HorizontalPodAutoscaler");
  }

  for (const svc of of("Service")) {
    const w = `Service ${svc.metadata?.name}`;
    if (svc.spec?.type === "ExternalName") continue;
    const t = templateFor(svc.spec?.selector);
    if (!t) { violation(w, "its selector matches no Deployment's pods"); continue; }
    const names = new Set((t.tpl.spec?.containers ?? []).flatMap((c) => c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
    for (const p of svc.spec?.ports ?? []) if (!names.has(p.targetPort ?? p.port)) violation(w, `targetPort ${p.targetPort} is no container port`);
  }
  const ingresses = of("Ingress");
  if (ingresses.length === 0) violation("Ingress", "no Ingress");
  for (const ing of ingresses) {
    const w = `Ingress ${ing.metadata?.name}`;
    const a = ing.metadata?.annotations ?? {};
    for (const k of ["proxy-read-timeout", "proxy-send-timeout"]) {
      const v = Number(a[`nginx.ingress.kubernetes.io/${k}`]);
      if (!(v > 20)) violation(w, `annotation nginx.ingress.kubernetes.io/${k} must exceed two 10 s heartbeat intervals`);
    }
    for (const rule of ing.spec?.rules ?? []) for (const p of rule.http?.paths ?? []) {
      const s = p.backend?.service;
      const svc = s && named("Service", s.name);
      if (!svc) { violation(w, `backend Service ${s?.name} does not exist`); continue; }
      if (!(svc.spec?.ports ?? []).some((x) => (s.port?.name !== undefined ? x.name === s.port.name : x.port === s.port?.number)))
        violation(w, `Service ${s.name} has no port ${s.port?.name ?? s.port?.number}`);
    }
  }
}

console.log(`${documents.length} valid document(s) in ${files.length} file(s)${policy ? ", policy checked" : ""}; ${errors} error(s)`);
process.exit(errors ? 1 : 0);
