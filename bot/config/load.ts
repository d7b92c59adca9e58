// loadConfig: environment + tenants file → one immutable, validated configuration, or a ConfigError that lists
// every problem at once with the file, the path inside it (and the line) and what was expected.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Tenant } from '../core/types.js';
import { githubLoginWarnings } from './github-ids.js';
import { configuredPlatforms, envSchema, pickJiraTenantVariables, type Env } from './env.js';
import { formatPath, tenantsFileSchema, toTenants } from './tenants.schema.js';
import { checkJiraConfig } from './jira.js';
import { checkTeamsConfig } from './teams.js';

export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: readonly string[]) {
    super(`Void cannot start: the configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Config {
  readonly env: Env;
  readonly tenants: readonly Tenant[];
  readonly tenantsFile: { readonly path: string; readonly source: 'file' | 'example' };
  /** Things to tell the operator loudly at start. */
  readonly notices: readonly string[];
}

export const EXAMPLE_TENANTS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../void.example.yaml');

export function loadEnv(raw: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse({ ...pickKnown(raw), JIRA_TENANT_VARIABLES: pickJiraTenantVariables(raw) });
  if (result.success && result.data.VOID_MAX_COMMENT_AGE_SECONDS > result.data.VOID_DEDUPE_TTL_SECONDS) {
    throw new ConfigError([
      `environment variable VOID_MAX_COMMENT_AGE_SECONDS: ${result.data.VOID_MAX_COMMENT_AGE_SECONDS} is longer ` +
        `than VOID_DEDUPE_TTL_SECONDS (${result.data.VOID_DEDUPE_TTL_SECONDS}): a comment older than the body ` +
        `digests Void keeps could be replayed. Lower it or raise VOID_DEDUPE_TTL_SECONDS.`,
    ]);
  }
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const value = raw[name];
      const shown =
        value === undefined
          ? 'it is not set'
          : isSecretName(name)
            ? 'got a value that does not fit'
            : `got "${value.slice(0, 60)}"`;
      return `environment variable ${name}: ${issue.message} (${shown})`;
    }),
  );
}

export function loadConfig(raw: NodeJS.ProcessEnv = process.env): Config {
  const env = loadEnv(raw);
  const teams = checkTeamsConfig(env);
  if (teams.length) throw new ConfigError(teams);
  const notices: string[] = [];
  const platforms = configuredPlatforms(env);
  let path = resolve(env.VOID_TENANTS_FILE ?? './void.yaml');
  let source: 'file' | 'example' = 'file';
  if (!existsSync(path)) {
    if (env.VOID_TENANTS_FILE)
      throw new ConfigError([`${path}: the tenants file named by VOID_TENANTS_FILE does not exist`]);
    if (platforms.length) {
      throw new ConfigError([
        `${path}: no tenants file, but ${platforms.join(', ')} is configured; copy void.example.yaml to ` +
          `void.yaml and describe your organisations`,
      ]);
    }
    path = EXAMPLE_TENANTS_FILE;
    source = 'example';
    notices.push(`No tenants file at ./void.yaml: using the example tenants in ${path} (console only).`);
  }
  const tenants = loadTenantsFile(path);
  const jira = checkJiraConfig(env, tenants, path);
  if (jira.problems.length) throw new ConfigError(jira.problems);
  notices.push(...jira.notices);
  notices.push(...githubLoginWarnings(tenants.filter((t) => t.bindings.github)));
  if (!env.MONGODB_URL && platforms.length && env.VOID_EMBEDDED_STORE === 'memory') {
    notices.push(
      `MONGODB_URL is not set and VOID_EMBEDDED_STORE=memory while ${platforms.join(', ')} is configured: ` +
        `approvals and the audit trail are kept in memory and WILL NOT SURVIVE A RESTART.`,
    );
  }
  return Object.freeze({ env, tenants, tenantsFile: { path, source }, notices });
}

export function loadTenantsFile(path: string): Tenant[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${path}: cannot read the tenants file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseTenantsYaml(text, path);
}

export function parseTenantsYaml(text: string, path: string): Tenant[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return (
          `${path}${pos ? `:${pos.line}:${pos.col}` : ''}: malformed ` +
          `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`
        );
      }),
    );
  }
  const result = tenantsFileSchema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (!result.success)
    throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, doc, lines, path)));
  return toTenants(result.data);
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, path: string): string {
  const where = formatPath(issue.path);
  const line = lineOf(doc, lines, issue.path);
  return `${path}${line ? `:${line}` : ''}: ${where}: ${issue.message}`;
}

/** The line of the deepest existing node on the path, so that a missing key points at its parent. */
function lineOf(doc: Document, lines: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = doc.contents;
  let found: number | undefined;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true);
    else if (isSeq(node)) node = node.get(key as number, true);
    else break;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) found = lines.linePos(range[0]).line;
  }
  return found;
}

function pickKnown(raw: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = raw[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function isSecretName(name: string): boolean {
  return /SECRET|TOKEN|KEY|PASSWORD|PEPPER|SMTP/.test(name);
}
