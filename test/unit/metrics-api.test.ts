// The recording API other modules call (bot/metrics.ts), the tracing configuration rules (bot/tracing.ts) and the
// small pure pieces of the observability module and `void doctor`.
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../bot/config/load.js';
import { parseInfo, replicaSetAdvice } from '../../bot/doctor-infra.js';
import { githubAppJwt } from '../../bot/doctor-platforms.js';
import {
  approvalStateOf,
  outcomeOfStatus,
  platformOfRoute,
  recordAuditAppend,
  recordModelCall,
  recordModelFallback,
  recordOutboundCall,
  registry,
} from '../../bot/metrics.js';
import { bearerMatches, platformOfHost } from '../../bot/observability.js';
import { currentTraceCarrier, parseOtlpHeaders, tracesUrl, tracingRequested } from '../../bot/tracing.js';
import { valueOf } from '../helpers/metrics.js';

const text = () => registry.metrics();

describe('metrics recording API', () => {
  it('labels routes by platform from their first segment', () => {
    expect(platformOfRoute('/slack/events')).toBe('slack');
    expect(platformOfRoute('/github/webhooks')).toBe('github');
    expect(platformOfRoute('/api/messages')).toBe('teams');
    expect(platformOfRoute('/readyz')).toBe('http');
    expect(platformOfRoute('/api/tenants/:id/audit')).toBe('http');
    expect(platformOfRoute('unmatched')).toBe('http');
  });

  it('maps statuses to bounded outcomes', () => {
    expect([200, 401, 403, 404, 413, 429, 500, 503].map(outcomeOfStatus)).toEqual([
      'ok',
      'unauthenticated',
      'unauthenticated',
      'bad_request',
      'too_large',
      'rate_limited',
      'error',
      'unavailable',
    ]);
  });

  it('counts outbound calls, 429s separately', async () => {
    const before = await text();
    recordOutboundCall('slack', 200, 0.05);
    recordOutboundCall('slack', 429, 0.01);
    recordOutboundCall('slack', 0);
    const after = await text();
    const d = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(d('void_outbound_requests_total', { platform: 'slack', outcome: 'ok' })).toBe(1);
    expect(d('void_outbound_requests_total', { platform: 'slack', outcome: 'rate_limited' })).toBe(1);
    expect(d('void_outbound_requests_total', { platform: 'slack', outcome: 'network_error' })).toBe(1);
    expect(d('void_outbound_rate_limited_total', { platform: 'slack' })).toBe(1);
    expect(d('void_outbound_request_duration_seconds_count', { platform: 'slack' })).toBe(2);
  });

  it('reads approval transitions from audited events', () => {
    expect(approvalStateOf({ action: 'approval.requested' })).toBe('pending');
    expect(approvalStateOf({ action: 'approval.decided', details: { state: 'pending' } })).toBeUndefined();
    expect(approvalStateOf({ action: 'approval.decided', details: { state: 'rejected' } })).toBe('rejected');
    expect(approvalStateOf({ action: 'approval.cancelled', details: { what: 'job' } })).toBeUndefined();
    expect(approvalStateOf({ action: 'approval.denied', details: { code: 'approval.self_approval' } })).toBe('denied');
    expect(approvalStateOf({ action: 'job.queued' })).toBeUndefined();
  });

  it('counts model calls with tokens and cost, fallbacks and approvals', async () => {
    const before = await text();
    recordModelCall({
      provider: 'openai',
      model: 'gpt-x',
      task: 'review',
      outcome: 'ok',
      seconds: 1.2,
      inputTokens: 1000,
      outputTokens: 250,
      costUsd: 0.0125,
    });
    recordModelCall({ provider: 'openai', model: 'gpt-x', outcome: 'rate_limited' });
    recordModelFallback('openai', 'rate_limited');
    recordAuditAppend(0.001, true, {
      action: 'approval.decided',
      details: { approvalId: 'a1', decision: 'approve', state: 'approved' },
    });
    recordAuditAppend(0.001, false, {
      action: 'approval.decided',
      details: { approvalId: 'a2', decision: 'approve', state: 'approved' },
    });
    const after = await text();
    const d = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    const m = { provider: 'openai', model: 'gpt-x' };
    expect(d('void_model_calls_total', { ...m, outcome: 'ok', task: 'review' })).toBe(1);
    expect(d('void_model_calls_total', { ...m, outcome: 'rate_limited', task: 'other' })).toBe(1);
    expect(d('void_model_tokens_total', { ...m, direction: 'input' })).toBe(1000);
    expect(d('void_model_tokens_total', { ...m, direction: 'output' })).toBe(250);
    expect(d('void_model_cost_usd_total', m)).toBeCloseTo(0.0125);
    expect(d('void_model_call_seconds_count', m)).toBe(1);
    expect(d('void_model_fallbacks_total', { provider: 'openai', reason: 'rate_limited' })).toBe(1);
    expect(d('void_approvals_total', { state: 'approved' })).toBe(1);
  });
});

describe('tracing configuration (standard OTEL_* variables)', () => {
  it('is off by default and on with an OTLP endpoint', () => {
    expect(tracingRequested(loadEnv({}))).toBe(false);
    expect(tracingRequested(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(true);
    expect(
      tracingRequested(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })),
    ).toBe(false);
    expect(
      tracingRequested(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })),
    ).toBe(false);
    expect(currentTraceCarrier()).toBeUndefined();
  });

  it('builds the traces URL and headers as the OTLP spec says', () => {
    expect(tracesUrl(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracesUrl(
        loadEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom',
        }),
      ),
    ).toBe('http://b:4318/custom');
    expect(parseOtlpHeaders('api-key=abc%3D%3D, x-team = ops ,broken')).toEqual({
      'api-key': 'abc==',
      'x-team': 'ops',
    });
  });
});

describe('observability and doctor helpers', () => {
  it('checks the bearer token in constant time, of any length', () => {
    expect(bearerMatches('Bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(bearerMatches('bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(bearerMatches('Bearer s3cret', 's3cret-token')).toBe(false);
    expect(bearerMatches('Basic s3cret-token', 's3cret-token')).toBe(false);
    expect(bearerMatches(undefined, 's3cret-token')).toBe(false);
  });

  it("knows the platforms' API hosts for outbound metrics", () => {
    expect(platformOfHost('slack.com')).toBe('slack');
    expect(platformOfHost('api.github.com:443')).toBe('github');
    expect(platformOfHost('acme.atlassian.net')).toBe('jira');
    expect(platformOfHost('smba.trafficmanager.net')).toBe('teams');
    expect(platformOfHost('api.anthropic.com')).toBe('anthropic');
    expect(platformOfHost('example.com')).toBeUndefined();
  });

  it('warns about a standalone MongoDB only when several web replicas share it', () => {
    expect(replicaSetAdvice({ setName: 'rs0' }, 3).level).toBe('ok');
    expect(replicaSetAdvice({}, 1).level).toBe('info');
    const advice = replicaSetAdvice({}, 3);
    expect(advice.level).toBe('warn');
    expect(advice.message).toContain('rs.initiate()');
  });

  it('reads INFO text', () => {
    expect(parseInfo('# Server\r\nredis_version:7.2.4\r\nmaxmemory_policy:noeviction\r\n')).toEqual({
      redis_version: '7.2.4',
      maxmemory_policy: 'noeviction',
    });
  });

  it('signs the GitHub App JWT with RS256 for GET /app', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const jwt = githubAppJwt(12345, pem, 1_700_000_000);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({
      iat: 1_699_999_940,
      exp: 1_700_000_540,
      iss: '12345',
    });
    const ok = createVerify('RSA-SHA256')
      .update(`${header}.${payload}`)
      .verify(createPublicKey(privateKey), Buffer.from(signature, 'base64url'));
    expect(ok).toBe(true);
  });
});
