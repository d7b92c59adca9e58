// JIRA test helpers: signed webhook deliveries over real HTTP, the webhook secrets and API token, fixtures and a
// tenants file with JIRA automation. The fake JIRA Cloud API (FakeJira) and its accounts are in fake-jira.ts,
// re-exported here so that a test imports one module.
/* eslint-disable @typescript-eslint/no-explicit-any -- JIRA's JSON is handled as loosely as JIRA sends it */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jiraVariables } from '../../bot/config/jira.js';
import { createJiraModule } from '../../integrations/jira/module.js';
import { ALICE_JIRA, BOB_JIRA, JIRA_SITE, VOID_JIRA } from './fake-jira.js';
export * from './fake-jira.js';

/** How a JIRA admin webhook signs a delivery: `X-Hub-Signature: sha256=<hex>` of the raw body with its secret. */
export function signJira(raw: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

export const JIRA_SECRET = 'jira-webhook-secret-for-tests-0123456789';
/** Globex's own webhook secret: each tenant's JIRA site signs with its own. */
export const GLOBEX_JIRA_SECRET = 'jira-webhook-secret-of-globex-9876543210';
export const JIRA_TOKEN = 'ATATT3xFfGF0-test-api-token-acme-9876543210';
export const JIRA_ENV = {
  JIRA_WEBHOOK_SECRET_ACME: JIRA_SECRET,
  JIRA_WEBHOOK_SECRET_GLOBEX: GLOBEX_JIRA_SECRET,
  JIRA_EMAIL_ACME: 'void-bot@acme.example',
  JIRA_API_TOKEN_ACME: JIRA_TOKEN,
};

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/jira');

let sent = 0;

/** A fixture payload (test/fixtures/jira/<name>.json) as JIRA would send it now (a fresh `timestamp`, so that two
 *  fixtures are two distinct deliveries), with fields replaced by `patch`. */
export function fixture(
  name: string,
  patch: (payload: Record<string, any>) => void = () => undefined,
): Record<string, any> {
  const payload = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, any>;
  payload.timestamp = Date.now() + sent++;
  // A comment written now: Void refuses comments older than VOID_MAX_COMMENT_AGE_SECONDS (replays).
  if (payload.comment)
    payload.comment.created = payload.comment.updated = new Date().toISOString().replace('Z', '+0000');
  patch(payload);
  return payload;
}

export const JIRA_TENANTS = `
version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
      jira: { siteUrl: ${JIRA_SITE}, projectKeys: [PAY] }
    members:
      - { id: alice, name: Alice Developer, roles: [developer], identities: { jira: ${ALICE_JIRA}, github: alice } }
      - { id: bob, name: Bob Lead, roles: [developer, tech_lead], identities: { jira: ${BOB_JIRA}, github: bob } }
    automation:
      botAccountIds: ['${VOID_JIRA}']
      rules:
        - name: triage-on-label
          trigger: { events: [created, updated], labels: ['void:triage'] }
          action: { type: triage }
        - name: implement-in-progress
          trigger: { events: [updated], labels: ['void:implement'], transitionTo: In Progress }
          action: { type: implement, repo: acme/payments }
      pullRequests:
        transitions: { opened: In Review, merged: Done }
      triage: { setLabels: true }
  - id: globex
    name: Globex Health
    bindings:
      jira: { siteUrl: https://globex.atlassian.net, projectKeys: [GLX] }
    members:
      - { id: gina, name: Gina Globex, roles: [developer, admin], identities: { jira: ${ALICE_JIRA}-globex } }
`;

export interface Delivery {
  status: number;
  body: any;
  headers: Headers;
}

/** POSTs a webhook the way JIRA Cloud does: raw JSON, `X-Hub-Signature: sha256=…`, a stable webhook identifier, to
 *  the tenant's own URL `/jira/webhooks/<tenant>` (default acme; `tenant: ''` for the legacy `/jira/webhooks`). */
export async function deliver(
  baseUrl: string,
  payload: unknown,
  options: { id?: string; secret?: string; signature?: string; query?: string; tenant?: string } = {},
): Promise<Delivery> {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Atlassian Webhook HTTP Client',
  };
  if (options.id !== undefined) headers['x-atlassian-webhook-identifier'] = options.id;
  const signature = options.signature ?? signJira(raw, options.secret ?? JIRA_SECRET);
  if (signature) headers['x-hub-signature'] = signature;
  const tenant = options.tenant ?? 'acme';
  const res = await fetch(`${baseUrl}/jira/webhooks${tenant ? `/${tenant}` : ''}${options.query ?? ''}`, {
    method: 'POST',
    headers,
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** The JIRA module as the composition root builds it: reading the tenants' JIRA variables the configuration's way. */
export const jiraModule = createJiraModule(jiraVariables);
