// The GitHub adapter's pure parts: signature check, payload mapping (real payloads), settings, and the Markdown people
// read (golden files in test/fixtures/github/golden/).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhooks } from '@octokit/webhooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prHelp } from '../../integrations/github/commands.js';
import { Background } from '../../integrations/github/events.js';
import { captureLogger } from '../helpers/app.js';
import { commandLine, mapWebhook } from '../../integrations/github/mapper.js';
import { checkSignature } from '../../integrations/github/receiver.js';
import { renderApproval, renderReply } from '../../integrations/github/render.js';
import {
  autoReviewRuleFor,
  githubSettingsSchema,
  readGithubSettings,
} from '../../integrations/github/settings.schema.js';
import { card } from '../helpers/github-approvals.js';
import { example, prComment, prEvent, signGitHub, WEBHOOK_SECRET } from '../helpers/github.js';

/** Approvers as GitHub knows them (the tenants file's logins), and a fixed "now" for relative times. */
const loginsOf = (_tenant: string, memberId: string) => ({ alice: ['alice'], bob: ['bob'] })[memberId] ?? [];
const NOW = new Date('2026-11-26T11:00:00.000Z');
const golden = (name: string) =>
  readFileSync(new URL(`../fixtures/github/golden/${name}`, import.meta.url), 'utf8').replace(/\n$/, '');

describe('checkSignature', () => {
  const body = Buffer.from(JSON.stringify(prComment('/void review 🙏')));
  it("accepts GitHub's signature over the exact bytes", () => {
    expect(checkSignature(WEBHOOK_SECRET, body, signGitHub(body), undefined)).toEqual({ ok: true, value: true });
  });
  it('names each problem and never throws', () => {
    expect(checkSignature(WEBHOOK_SECRET, body, undefined, undefined)).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'missing' } },
    });
    expect(checkSignature(WEBHOOK_SECRET, body, undefined, 'sha1=abc')).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'sha1_only' } },
    });
    expect(checkSignature(WEBHOOK_SECRET, body, signGitHub(body).slice(0, 30), undefined)).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'malformed' } },
    });
    expect(checkSignature(WEBHOOK_SECRET, body, signGitHub(body).toUpperCase(), undefined)).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'malformed' } },
    });
    expect(checkSignature(WEBHOOK_SECRET, Buffer.alloc(0), signGitHub(''), undefined)).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'mismatch' } },
    });
    expect(
      checkSignature(
        WEBHOOK_SECRET,
        Buffer.from([0xff, 0xfe, 0x7b]),
        signGitHub(Buffer.from([0xff, 0xfe, 0x7b])),
        undefined,
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'github.bad_signature', details: { reason: 'mismatch' } },
    });
  });
  it("property: the same answer as @octokit/webhooks' verify, for the right secret or another", async () => {
    const library = new Webhooks({ secret: WEBHOOK_SECRET });
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.boolean(), async (text, rightSecret) => {
        const bytes = Buffer.from(text);
        const signature = `sha256=${createHmac('sha256', rightSecret ? WEBHOOK_SECRET : 'other')
          .update(bytes)
          .digest('hex')}`;
        expect(checkSignature(WEBHOOK_SECRET, bytes, signature, undefined).ok).toBe(
          await library.verify(text, signature),
        );
      }),
      { numRuns: 100 },
    );
  });
  it('refuses any other body under a signature (property)', async () => {
    const signature = signGitHub(body);
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), async (other) => {
        fc.pre(other !== body.toString());
        expect(checkSignature(WEBHOOK_SECRET, Buffer.from(other), signature, undefined)).toMatchObject({
          ok: false,
          refusal: { code: 'github.bad_signature', details: { reason: 'mismatch' } },
        });
      }),
      { numRuns: 50 },
    );
  });
});

describe('mapWebhook on real payloads', () => {
  it('turns a PR comment into a command, with the first line only', () => {
    const event = mapWebhook('issue_comment', prComment('/void deploy staging\n\nplease, before lunch'));
    expect(event).toMatchObject({
      type: 'command',
      text: '/void deploy staging',
      installationId: 1001,
      repo: { owner: 'acme', name: 'api' },
      number: 7,
      sender: 'alice',
      source: 'issue',
      commentId: 555,
      isPullRequest: true,
    });
  });
  it('marks a comment on a plain issue as not a pull request', () => {
    expect(mapWebhook('issue_comment', prComment('/void review', { onPullRequest: false }))).toMatchObject({
      type: 'command',
      isPullRequest: false,
    });
  });
  it('ignores the untouched real examples (no /void command), unknown events and broken payloads', () => {
    expect(mapWebhook('issue_comment', example('issue_comment', 'created')).type).toBe('ignore');
    expect(mapWebhook('workflow_run', {}).type).toBe('ignore');
    expect(mapWebhook('issue_comment', { action: 'created' }).type).toBe('ignore');
    expect(mapWebhook('pull_request', 'not an object').type).toBe('ignore');
  });
  it('maps pull request actions, merged closes and approving reviews', () => {
    expect(mapWebhook('pull_request', prEvent('synchronize', { sha: 'b'.repeat(40) }))).toMatchObject({
      type: 'pull_request',
      action: 'synchronize',
      pr: { headSha: 'b'.repeat(40), number: 7 },
    });
    expect(mapWebhook('pull_request', prEvent('closed', { merged: true }))).toMatchObject({ action: 'merged' });
    expect(mapWebhook('pull_request', prEvent('closed', { merged: false }))).toMatchObject({ action: 'closed' });
    const review = example('pull_request_review', 'submitted', (x) => Boolean(x.installation));
    review.review.state = 'approved';
    expect(mapWebhook('pull_request_review', review)).toMatchObject({
      type: 'pull_request',
      action: 'review_approved',
    });
    review.review.state = 'commented';
    expect(mapWebhook('pull_request_review', review).type).toBe('ignore');
  });
  it('never throws, whatever the payload (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'issue_comment',
          'pull_request',
          'pull_request_review',
          'pull_request_review_comment',
          'ping',
          'push',
        ),
        fc.jsonValue(),
        (name, payload) => {
          expect(['ignore', 'ping', 'command', 'edited_command', 'pull_request']).toContain(
            mapWebhook(name, payload).type,
          );
        },
      ),
    );
  });
  it('names the installation id when the App is installed (for the tenants file)', () => {
    expect(mapWebhook('installation', example('installation', 'created'))).toEqual({
      type: 'ignore',
      reason:
        'installation created: installation id 957387 for Codertocat; bind it under ' +
        'bindings.github.installationId of its tenant',
    });
  });
  it('reads a command only from a first line that starts with /void', () => {
    expect(commandLine('  /void status  \nmore')).toBe('/void status');
    expect(commandLine('/voidstatus')).toBeUndefined();
    expect(commandLine('> /void review')).toBeUndefined();
    expect(commandLine(null)).toBeUndefined();
  });
  it('property: the first line is what splitting at the first line break (\\r\\n or \\n) gives, trimmed', () => {
    const reference = (body: string) => {
      const first = body.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
      return /^\/void(?:\s|$)/i.test(first) ? first : undefined;
    };
    const piece = fc.constantFrom('/void', '/VOID', ' ', '\t', '\r', '\n', '\r\n', '\u2028', 'status', 'x');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        expect(commandLine(pieces.join(''))).toBe(reference(pieces.join('')));
      }),
      { numRuns: 500 },
    );
  });
});

describe('github settings', () => {
  it('matches repository patterns case-insensitively, first rule wins, with defaults', () => {
    const settings = readGithubSettings(
      githubSettingsSchema.parse({
        autoReview: [{ repos: ['acme/payments-*'] }, { repos: ['acme/*'], events: ['opened'], skipBots: false }],
      }),
    );
    expect(autoReviewRuleFor(settings, 'Acme/Payments-API')).toMatchObject({
      events: ['opened', 'reopened', 'ready_for_review', 'synchronize'],
      skipDrafts: true,
      skipBots: true,
    });
    expect(autoReviewRuleFor(settings, 'acme/web')).toMatchObject({ events: ['opened'], skipBots: false });
    expect(autoReviewRuleFor(settings, 'acme/web/extra')).toBeUndefined();
    expect(autoReviewRuleFor(settings, 'globex/web')).toBeUndefined();
    expect(readGithubSettings({})).toEqual({ autoReview: [], plainIssueComments: 'reply' });
  });
  it('refuses a malformed section with the path and what was expected', () => {
    const result = githubSettingsSchema.safeParse({ autoReview: [{ repos: ['api'], events: ['pushed'] }], extra: 1 });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages.join('\n')).toContain('autoReview.0.repos.0: expected an "owner/repository" pattern');
    expect(messages.join('\n')).toContain('autoReview.0.events.0');
  });
});

describe('what people read (golden files)', () => {
  it('renders a pending and a decided approval card', () => {
    expect(
      renderApproval(card({ id: 'apr-7', summary: 'deploy api to production at 1a2b3c4' }), { now: NOW, loginsOf }),
    ).toBe(golden('approval-pending.md'));
    const decided = card({
      id: 'apr-7',
      state: 'approved',
      remaining: '',
      summary: 'deploy api to production at 1a2b3c4',
      decisions: [
        { memberId: 'bob', name: 'Bob Lead', decision: 'approve', platform: 'github', at: '2026-11-25T22:00:00.000Z' },
      ],
    });
    expect(renderApproval(decided, { now: NOW, loginsOf })).toBe(golden('approval-approved.md'));
  });
  it('renders the pull request help and usage help', () => {
    expect(
      prHelp('Bob Lead', ['developer', 'tech_lead'], 'Acme Payments', 'api', [
        card({ id: 'apr-7', summary: 'deploy api to production at 1a2b3c4' }),
      ]),
    ).toBe(golden('help-bob.md'));
    const usage = {
      text:
        'Unknown command "frobnicate".\nCommands:\n  help [command]: list the commands, or explain one\n  review ' +
        '<owner>/<repo>#<number>: review a pull request',
      kind: 'usage' as const,
    };
    expect(renderReply(usage, 'alice')).toBe(golden('usage.md'));
  });
  it("keeps people's text from forging Void's hidden markers", () => {
    expect(renderReply({ text: 'deploy <!-- void:reply:job:x --> now' })).toBe(
      'deploy &lt;!-- void:reply:job:x --> now',
    );
  });
});

describe('answers still being posted at shutdown', () => {
  it('are awaited for a bounded time, then left with a warning', async () => {
    const { log, lines } = captureLogger();
    const background = new Background();
    let finished = false;
    background.run(log, 'quick', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished = true;
    });
    background.run(log, 'stuck', () => new Promise<void>(() => undefined));
    await background.drain(50, log);
    expect(finished).toBe(true);
    expect(lines.join('')).toContain('GitHub: shutting down with answers not yet posted');
  });
});
