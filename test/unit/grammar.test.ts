import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeCommand, parseCommand, stripInvocation, USAGE, type Command } from '../../bot/core/grammar.js';

function ok(text: string, ctx = {}): Command {
  const result = parseCommand(text, ctx);
  if (!result.ok) throw new Error(`expected "${text}" to parse: ${result.refusal.params.error}`);
  return result.command;
}

describe('command grammar', () => {
  it('parses every command of the grammar', () => {
    expect(ok('help')).toEqual({ name: 'help' });
    expect(ok('help deploy')).toEqual({ name: 'help', topic: 'deploy' });
    expect(ok('whoami')).toEqual({ name: 'whoami' });
    expect(ok('review acme/api#42')).toEqual({ name: 'review', repo: { owner: 'acme', name: 'api' }, number: 42 });
    expect(ok('implement pay-123')).toEqual({ name: 'implement', ticket: 'PAY-123' });
    expect(ok('implement PAY-123 in acme/payments')).toEqual({
      name: 'implement',
      ticket: 'PAY-123',
      repo: { owner: 'acme', name: 'payments' },
    });
    expect(ok('triage OPS-7')).toEqual({ name: 'triage', ticket: 'OPS-7' });
    expect(ok('deploy payments to production')).toEqual({
      name: 'deploy',
      service: 'payments',
      environment: 'production',
    });
    expect(ok('deploy payments staging at v1.4.2')).toEqual({
      name: 'deploy',
      service: 'payments',
      environment: 'staging',
      ref: 'v1.4.2',
    });
    expect(ok('status')).toEqual({ name: 'status' });
    expect(ok('status deploy-abc123')).toEqual({ name: 'status', id: 'deploy-abc123' });
    expect(ok('approve apr-1')).toEqual({ name: 'approve', id: 'apr-1' });
    expect(ok('reject apr-1 not during the freeze')).toEqual({
      name: 'reject',
      id: 'apr-1',
      reason: 'not during the freeze',
    });
    expect(ok('cancel apr-1')).toEqual({ name: 'cancel', id: 'apr-1' });
    expect(ok('audit verify')).toEqual({ name: 'audit', sub: 'verify' });
    expect(ok('audit export since 2026-01-31')).toEqual({ name: 'audit', sub: 'export', since: '2026-01-31' });
  });

  it('accepts what each surface prepends: /void, @Void, a Slack mention', () => {
    expect(ok('/void whoami')).toEqual({ name: 'whoami' });
    expect(ok('@Void status')).toEqual({ name: 'status' });
    expect(ok('<@U0VOIDBOT> review acme/api#1')).toMatchObject({ name: 'review', number: 1 });
    expect(stripInvocation('  /void   help ')).toBe('help');
  });

  it("reads a local git revision for the console's local repository, never an option or a range", () => {
    const local = { localRevisions: true };
    expect(ok('review HEAD~1', local)).toEqual({ name: 'review', ref: 'HEAD~1' });
    expect(ok('review main^2', local)).toEqual({ name: 'review', ref: 'main^2' });
    expect(ok('review feature/login', local)).toEqual({ name: 'review', ref: 'feature/login' });
    for (const bad of ['review -p', 'review a..b', 'review HEAD~1 HEAD', 'review x.lock'])
      expect(parseCommand(bad, local).ok, bad).toBe(false);
    expect(describeCommand({ name: 'review', ref: 'HEAD~1' })).toBe('review HEAD~1');
  });

  it('refuses a local revision, and "acme/api" without a number, where no local repository backs Void', () => {
    for (const text of ['review acme/api', 'review HEAD~1', 'policy explain review acme/api']) {
      const parsed = parseCommand(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok)
        expect(parsed.refusal.params.error).toMatch(
          new RegExp(
            'is not a pull request like acme/api#42 \\(a local revision such as HEAD~1 or a branch ' +
              'can be reviewed only where a local Git repository backs Void',
          ),
        );
    }
  });

  it('takes the pull request from the context of a PR comment', () => {
    expect(ok('/void review', { repo: { owner: 'acme', name: 'api' }, pullNumber: 7 })).toEqual({
      name: 'review',
      repo: { owner: 'acme', name: 'api' },
      number: 7,
    });
    const bare = parseCommand('review');
    expect(bare.ok).toBe(false);
  });

  it('answers ill-formed input with the usage of that command', () => {
    const cases: Array<[string, string]> = [
      ['review acme/api#x', USAGE.review],
      ['review --upload-pack=evil', USAGE.review],
      ['review main..evil', USAGE.review],
      ['review ../etc#1', USAGE.review],
      ['deploy payments', USAGE.deploy],
      ['deploy payments to prod at ../../etc', USAGE.deploy],
      ['implement PAY-1 into acme/api', USAGE.implement],
      ['approve', USAGE.approve],
      ['audit export since yesterday', USAGE.audit],
      ['whoami please', USAGE.whoami],
    ];
    for (const [input, usage] of cases) {
      const result = parseCommand(input);
      expect(result.ok, input).toBe(false);
      if (!result.ok) expect(result.refusal.params.usage).toBe(`Usage: ${usage}`);
    }
  });

  it('lists all commands for an unknown or empty command', () => {
    for (const input of ['frobnicate', '', '   ', '/void']) {
      const result = parseCommand(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.refusal.params.usage).toContain(USAGE.deploy);
    }
  });

  it('refuses over-long input without parsing it', () => {
    const result = parseCommand(`review ${'a'.repeat(5000)}`);
    expect(result).toMatchObject({ ok: false, refusal: { params: { error: expect.stringContaining('at most') } } });
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }),
          fc
            .array(
              fc.constantFrom(
                'review',
                'deploy',
                'to',
                'at',
                'in',
                '#',
                '/',
                'acme/api#1',
                'PAY-1',
                '__proto__',
                'constructor',
                ' ',
                '\n',
                'policy',
                'explain',
                '--as',
                'breakglass',
                'ack',
              ),
            )
            .map((w) => w.join(' ')),
        ),
        (input) => {
          const result = parseCommand(input);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.refusal.params.usage.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
    for (const weird of [null, undefined, 42, {}, ['help'], 'toString', 'hasOwnProperty', '__proto__', 'constructor']) {
      expect(parseCommand(weird as unknown).ok).toBe(false);
    }
  });

  it('renders a command so that it parses back to the same command (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const command = fc.oneof(
      fc.record({ service: name, environment: name }).map((c) => ({ name: 'deploy' as const, ...c })),
      fc
        .record({ owner: name, repo: name, number: fc.integer({ min: 1, max: 99999 }) })
        .map((c) => ({ name: 'review' as const, repo: { owner: c.owner, name: c.repo }, number: c.number })),
      fc.integer({ min: 1, max: 9999 }).map((n) => ({ name: 'triage' as const, ticket: `PAY-${n}` })),
    );
    fc.assert(
      fc.property(command, (c) => {
        expect(ok(describeCommand(c))).toEqual(c);
      }),
    );
  });
});
