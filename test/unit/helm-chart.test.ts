// The Helm chart, the compose stack, .env.example, the dashboard and the alert rules. With `helm` on the PATH the
// chart is linted and rendered (`helm template`) and the rendered objects are checked; without it (the CI machine
// here has no helm package) every template's YAML is parsed after stripping the template actions and the same
// structure is checked on the templates. The mode that ran is printed and is part of the test names.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../bot/config/env.js';
import { registry } from '../../bot/metrics.js';
import { ROOT } from '../helpers/deploy.js';
import {
  helm,
  helmAvailable,
  lookup,
  parseDocs,
  stripTemplate,
  unbalancedBlocks,
  validateSchema,
  type YamlDoc,
} from '../helpers/helm.js';
import { SLACK_BOT_TOKEN } from '../fixtures/fake-secrets.js';

const CHART = join(ROOT, 'deploy/helm/void');
const TEMPLATES = join(CHART, 'templates');
const read = (path: string) => readFileSync(path, 'utf8');
const templateFiles = readdirSync(TEMPLATES).filter((f) => f.endsWith('.yaml'));
const helpers = read(join(TEMPLATES, '_helpers.tpl'));
const values = parse(read(join(CHART, 'values.yaml'))) as Record<string, unknown>;
const schema = JSON.parse(read(join(CHART, 'values.schema.json'))) as Record<string, unknown>;
const MODE = helmAvailable() ? 'helm template' : 'structural (helm not installed)';
process.stdout.write(`[helm-chart] mode: ${MODE}\n`);

function renderedDocs(): YamlDoc[] {
  if (MODE === 'helm template') {
    const lint = helm(['lint', CHART]);
    if (lint.status !== 0) throw new Error(`helm lint failed:\n${lint.stdout}${lint.stderr}`);
    const out = helm(['template', 'void', CHART, '--namespace', 'void']);
    if (out.status !== 0) throw new Error(`helm template failed:\n${out.stderr}`);
    return parseDocs('helm template', out.stdout);
  }
  return templateFiles.flatMap((f) => parseDocs(f, stripTemplate(read(join(TEMPLATES, f)))));
}

const docs = renderedDocs();
const ofKind = (kind: string) => docs.filter((d) => d.value.kind === kind);
const named = (kind: string, suffix: string) =>
  ofKind(kind).find((d) => String(lookup(d.value, 'metadata.name')).endsWith(suffix))?.value;
const container = (deployment: Record<string, unknown> | undefined) =>
  (lookup(deployment, 'spec.template.spec.containers') as Array<Record<string, unknown>>)[0] as Record<string, unknown>;

/** The YAML body of a `define` in _helpers.tpl. */
function helper(name: string): Record<string, unknown> {
  const match = new RegExp(`\\{\\{-? define "${name}" -?\\}\\}\\n([\\s\\S]*?)\\{\\{-? end \\}\\}`).exec(helpers);
  if (!match?.[1]) throw new Error(`no define "${name}" in _helpers.tpl`);
  return parse(match[1]) as Record<string, unknown>;
}

describe(`Helm chart (${MODE})`, () => {
  it('has a valid Chart.yaml and templates whose blocks are balanced', () => {
    const chart = parse(read(join(CHART, 'Chart.yaml'))) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'void', type: 'application' });
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+$/);
    for (const f of [...templateFiles, '_helpers.tpl']) expect(unbalancedBlocks(read(join(TEMPLATES, f))), f).toBe(0);
  });

  it('parses every template into Kubernetes objects with apiVersion, kind and a name', () => {
    expect(docs.length).toBeGreaterThanOrEqual(12);
    for (const d of docs) {
      expect(d.value.apiVersion, d.file).toEqual(expect.any(String));
      expect(d.value.kind, d.file).toEqual(expect.any(String));
      expect(lookup(d.value, 'metadata.name'), d.file).toEqual(expect.any(String));
    }
  });

  it('runs web and worker as separate Deployments with probes on /healthz and /readyz', () => {
    const web = container(named('Deployment', '-web'));
    const worker = container(named('Deployment', '-worker'));
    expect(web.args).toEqual(['--role', 'web']);
    expect(worker.args).toEqual(['--role', 'worker']);
    expect(lookup(web, 'livenessProbe.httpGet.path')).toBe('/healthz');
    expect(lookup(web, 'readinessProbe.httpGet.path')).toBe('/readyz');
    expect(lookup(worker, 'livenessProbe.httpGet.path')).toBe('/healthz');
    const mounts = expect.arrayContaining([
      expect.objectContaining({ mountPath: '/config', readOnly: true }),
      expect.objectContaining({ mountPath: '/tmp' }),
    ]);
    if (MODE === 'helm template') {
      for (const c of [web, worker]) {
        expect(JSON.stringify(c.envFrom)).toContain('secretRef');
        expect(lookup(c, 'volumeMounts')).toEqual(mounts);
      }
    } else {
      // The shared pieces come from helpers: each Deployment includes them, and they hold what is checked.
      for (const f of ['deployment-web.yaml', 'deployment-worker.yaml']) {
        for (const name of [
          'void.envFrom',
          'void.volumeMounts',
          'void.tenantsVolume',
          'void.podSecurityContext',
          'void.containerSecurityContext',
        ])
          expect(read(join(TEMPLATES, f)), f).toContain(`include "${name}"`);
      }
      expect(stripTemplate(helpers.split('define "void.envFrom"')[1] ?? '')).toContain('secretRef:');
      expect(
        parse(stripTemplate(/define "void.volumeMounts" -\}\}\n([\s\S]*?)\{\{- end/.exec(helpers)?.[1] ?? '')),
      ).toEqual(mounts);
    }
  });

  it('autoscales web on CPU and workers on queue depth, with disruption budgets for both', () => {
    const webHpa = named('HorizontalPodAutoscaler', '-web');
    const workerHpa = named('HorizontalPodAutoscaler', '-worker');
    expect(lookup(webHpa, 'spec.metrics')).toEqual([
      expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
    ]);
    expect(lookup(workerHpa, 'spec.metrics')).toEqual([expect.objectContaining({ type: 'External' })]);
    expect(
      ofKind('PodDisruptionBudget')
        .map((d) => String(lookup(d.value, 'metadata.name')).split('-').pop())
        .sort(),
    ).toEqual(['web', 'worker']);
    expect(values).toMatchObject({ worker: { autoscaling: { queueDepthMetric: 'void_queue_depth_waiting' } } });
  });

  it('denies all traffic by default and allows only named peers', () => {
    const deny = ofKind('NetworkPolicy').find((d) =>
      String(lookup(d.value, 'metadata.name')).endsWith('-default-deny'),
    )?.value;
    expect(lookup(deny, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(lookup(deny, 'spec.ingress')).toBeUndefined();
    expect(lookup(deny, 'spec.egress')).toBeUndefined();
    expect(ofKind('NetworkPolicy').length).toBeGreaterThanOrEqual(4);
  });

  it('follows the restricted Pod Security Standard and never inlines a Secret', () => {
    expect(helper('void.podSecurityContext')).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(helper('void.containerSecurityContext')).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    if (MODE === 'helm template') {
      for (const d of ofKind('Deployment'))
        expect(lookup(container(d.value), 'securityContext.readOnlyRootFilesystem')).toBe(true);
    }
    expect(ofKind('Secret')).toEqual([]);
    expect(lookup(ofKind('ServiceAccount')[0]?.value, 'automountServiceAccountToken')).toBe(false);
  });

  it('refers only to values that exist and helpers that are defined', () => {
    const all = [...templateFiles.map((f) => read(join(TEMPLATES, f))), helpers].join('\n');
    const missing = [...all.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)]
      .map((m) => m[1] as string)
      .filter((p) => lookup(values, p) === undefined);
    expect(missing).toEqual([]);
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const used = [...all.matchAll(/include "([^"]+)"/g)].map((m) => m[1]);
    expect(used.filter((u) => !defined.has(u))).toEqual([]);
  });

  it('has default values that satisfy values.schema.json, and a schema that refuses secrets in env', () => {
    expect(validateSchema(values, schema)).toEqual([]);
    const leaky = { ...values, env: { ...(values.env as object), SLACK_BOT_TOKEN } };
    expect(validateSchema(leaky, schema)).toEqual(['$.env{SLACK_BOT_TOKEN}: matches a forbidden form']);
    expect(validateSchema({ ...values, image: { repository: 'x', pullPolicy: 'Sometimes' } }, schema)).toEqual([
      '$.image.pullPolicy: expected one of Always, IfNotPresent, Never',
    ]);
  });
});

describe('compose stack, .env.example, dashboard and alerts', () => {
  it('runs Redis with AOF and noeviction, MongoDB as a replica set, and both Void roles read-only', () => {
    const compose = parse(read(join(ROOT, 'deploy/compose.yaml')), { merge: true }) as {
      services: Record<string, Record<string, unknown>>;
    };
    expect(compose.services.redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(compose.services.mongo?.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(compose.services['void-web']).toMatchObject({ command: ['--role', 'web'], read_only: true });
    expect(compose.services['void-worker']).toMatchObject({ command: ['--role', 'worker'], read_only: true });
  });

  it('builds a non-root, multi-stage image with a HEALTHCHECK', () => {
    const dockerfile = read(join(ROOT, 'deploy/Dockerfile'));
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER 10001/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it('documents every environment variable Void reads in deploy/.env.example', () => {
    const example = read(join(ROOT, 'deploy/.env.example'));
    const derived = new Set(['JIRA_TENANT_VARIABLES']); // gathered from JIRA_EMAIL_<TENANT> / JIRA_API_TOKEN_<TENANT>
    const undocumented = Object.keys(envSchema.shape).filter(
      (name) => !derived.has(name) && !new RegExp(`^#? ?${name}=`, 'm').test(example),
    );
    expect(undocumented, 'add these to deploy/.env.example with a comment').toEqual([]);
  });

  it('uses only metrics that Void exports in the dashboard and the alert rules', async () => {
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const known = (name: string) => exported.has(name) || exported.has(name.replace(/_(bucket|count|sum)$/, ''));
    const dashboard = read(join(ROOT, 'deploy/grafana/void-dashboard.json'));
    const alerts = parse(read(join(CHART, 'files/alerts.yaml'))) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const exprs = [
      ...(JSON.parse(dashboard) as { panels: Array<{ targets?: Array<{ expr: string }> }> }).panels
        .flatMap((p) => p.targets ?? [])
        .map((t) => t.expr),
      ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    const unknown = [...new Set(exprs.flatMap((e) => e.match(/\bvoid_[a-z0-9_]+/g) ?? []))].filter((n) => !known(n));
    expect(unknown).toEqual([]);
    const names = alerts.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual(
      expect.arrayContaining([
        'VoidAckLatencyOverBudget',
        'VoidQueueBackingUp',
        'VoidJobsFailing',
        'VoidAuditAppendFailures',
        'VoidModelFallbackRateHigh',
      ]),
    );
  });
});
