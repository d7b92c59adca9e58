// The one refusal type (bot/core/outcome.ts): every code of the catalogue has a text that renders its parameters,
// statuses are HTTP statuses where they apply, refuse() builds what the surfaces show, and the lint rule that keeps
// every failing result in the one shape fails on a wrong one.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import {
  isRefusalCode,
  ok,
  refuse,
  refused,
  REFUSALS,
  withDetails,
  type RefusalCode,
  type RefusalSpec,
} from '../../bot/core/outcome.js';
import type { Tenant } from '../../bot/core/types.js';

/** A parameter object that answers any property, call or string conversion with a marker naming its path. */
function probe(path: string): unknown {
  return new Proxy(() => undefined, {
    get(_target, key) {
      if (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf') return () => `«${path}»`;
      if (typeof key === 'symbol') return undefined;
      return probe(`${path}.${key}`);
    },
    apply: () => probe(`${path}()`),
  });
}

/** Codes whose parameters only choose between fixed wordings (which variant is rendered is tested below). */
const CHOOSES_ONLY: readonly RefusalCode[] = [
  'identity.unknown_workspace',
  'jira.bad_signature',
  'teams.bad_token',
  'webhook.bad_url',
];

const codes = Object.keys(REFUSALS) as RefusalCode[];
const specOf = (code: RefusalCode): RefusalSpec => REFUSALS[code];

describe('the refusal catalogue', () => {
  it('names every code in a namespace, like the audit actions', () => {
    expect(codes.length).toBeGreaterThan(90);
    for (const code of codes) expect(code).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });

  it('has a non-empty text for every code, rendering its parameters and nothing undefined', () => {
    for (const code of codes) {
      const text = specOf(code).text as (p: unknown) => string;
      const message = `${text(probe('p'))}`;
      expect(message.trim().length, code).toBeGreaterThan(0);
      expect(message, code).not.toMatch(/undefined|\[object|NaN/);
      if (text.length > 0 && !CHOOSES_ONLY.includes(code)) expect(message, code).toContain('«p.');
    }
  });

  it('gives an HTTP status only where one applies, and a real one', () => {
    for (const code of codes) {
      const status = specOf(code).status;
      if (status !== undefined) expect(status, code).toBeGreaterThanOrEqual(400);
      if (status !== undefined) expect(status, code).toBeLessThan(600);
    }
    for (const code of codes.filter((c) => /^(slack|github|jira|teams)\.(bad_signature|repeated_header)$/.test(c)))
      expect(specOf(code).status, code).toBe(401);
    for (const code of codes.filter((c) => c.startsWith('request.'))) expect(specOf(code).status, code).toBe(400);
    expect(specOf('teams.keys_unavailable').status).toBe(503);
    expect(specOf('audit.unauthorised').status).toBe(401);
    expect(specOf('approval.self_approval').status).toBeUndefined();
  });
});

describe('refuse()', () => {
  it('renders the text with the parameters and keeps code, params and status', () => {
    const refusal = refuse('approval.already_counted', {
      id: 'ap-0123456789abcdef',
      decision: 'approve',
      at: '2026-12-04T10:00:00.000Z',
      platform: 'slack',
    });
    expect(refusal).toEqual({
      code: 'approval.already_counted',
      message:
        'You already decided on ap-0123456789abcdef (approve, 2026-12-04T10:00:00.000Z via slack); ' +
        'one person counts once.',
      params: { id: 'ap-0123456789abcdef', decision: 'approve', at: '2026-12-04T10:00:00.000Z', platform: 'slack' },
    });
    expect(refuse('request.too_deep', { limit: 64 })).toMatchObject({
      message: 'The body nests deeper than 64 levels.',
      status: 400,
    });
    expect(refuse('audit.unavailable')).toEqual({
      code: 'audit.unavailable',
      message: 'The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
      params: undefined,
      status: 503,
    });
  });

  it('says each variant of a code in its own words, under the one code', () => {
    const id = 'ap-1';
    expect(refuse('approval.not_found', { id }).message).toBe('There is no request "ap-1".');
    expect(refuse('approval.not_found', { id, tenant: 'Acme' }).message).toBe('There is no request "ap-1" in Acme.');
    expect(refuse('approval.not_found', { id, tenant: 'Acme', stage: 'run' }).message).toBe(
      'its approval ap-1 does not exist in Acme.',
    );
    expect(refuse('approval.busy', { id, moment: 'meanwhile', what: 'Follow-up' }).message).toBe(
      'Follow-up ap-1 changed meanwhile; look at it again.',
    );
    expect(refuse('jira.bad_signature', { problem: 'signature' }).message).toContain('X-Hub-Signature header');
    expect(refuse('jira.bad_signature', { problem: 'no_secret_for_url' }).message).toContain('No webhook secret');
    expect(refuse('webhook.bad_url', { problem: 'scheme', scheme: 'ftp:' }).message).toBe(
      'the scheme ftp: is not http(s)',
    );
    expect(refuse('identity.unknown_workspace', { where: 'teams' }).message).toBe(
      'This workspace is not connected to Void.',
    );
  });

  it('names no one in a public reply to a stranger, and the admins in a private one', () => {
    const tenant = {
      name: 'Acme',
      members: [{ name: 'Erin Admin', roles: ['admin'] }],
    } as unknown as Tenant;
    expect(refuse('identity.unknown_user', { tenant, platform: 'github' }).message).not.toContain('Erin');
    expect(refuse('identity.unknown_user', { tenant, platform: 'slack' }).message).toContain(
      'ask Erin Admin (admin of Acme)',
    );
  });

  it('refuses a code outside the catalogue, or one without its parameters, at compile time', () => {
    // @ts-expect-error: not a code of the catalogue
    expect(() => refuse('approval.no_such_code')).toThrow(TypeError);
    // @ts-expect-error: approval.busy needs its parameters
    expect(() => refuse('approval.busy')).toThrow(TypeError);
    expect(isRefusalCode('approval.busy')).toBe(true);
    expect(isRefusalCode('approval.no_such_code')).toBe(false);
    expect(isRefusalCode('__proto__')).toBe(false);
  });

  it('makes the failing outcome, the passing one, and refusals with data for the machine', () => {
    expect(refused('breakglass.no_reason')).toEqual({ ok: false, refusal: refuse('breakglass.no_reason') });
    expect(ok(42)).toEqual({ ok: true, value: 42 });
    const refusal = withDetails(refuse('slack.bad_signature'), { reason: 'slack.stale_timestamp' });
    expect(refusal).toMatchObject({ code: 'slack.bad_signature', status: 401 });
    expect(refusal.details).toEqual({ reason: 'slack.stale_timestamp' });
  });
});

describe('the one-shape lint rule (eslint.config.js)', () => {
  const lint = async (code: string, filePath: string) => {
    const [result] = await new ESLint().lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
  };

  it('fails an { ok: false } with anything beside the refusal, in production code only', async () => {
    const code = [
      "export const a = { ok: false, code: 'x.y', message: 'no' };",
      'export const b = (refusal: unknown) => ({ ok: false, refusal });',
      'export const c = { ok: false } as const;',
      'export const d = (r: object) => ({ ...r, ok: false, head: 1 });',
      'export const e = (r: object) => ({ ok: false, ...r });',
      "export const f = { ok: true, value: 'fine' };",
    ].join('\n');
    expect(await lint(code, 'approvals/probe.ts')).toEqual([1, 4, 5]);
    expect(await lint(code, 'bot/config/probe.ts')).toEqual([1, 4, 5]);
    expect(await lint(code, 'test/unit/probe.test.ts')).toEqual([]);
  }, 60_000);
});
