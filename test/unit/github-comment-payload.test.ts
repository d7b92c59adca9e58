// The comment webhook check on the ack path (integrations/github/comment-payload.ts) is written out by hand for speed:
// it must accept and refuse exactly what the zod schemas it replaced did, naming the same first failing field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commentFields, commentProblem } from '../../integrations/github/comment-payload.js';
import { mapWebhook, WEBHOOK_PARTS } from '../../integrations/github/mapper.js';
import { example, prComment } from '../helpers/github.js';

// The reference: the zod schemas comment webhooks were checked with, built from mapper.ts's live parts.
const { account, installation, repository, pullRequest } = WEBHOOK_PARTS;
const comment = z
  .object({
    id: z.number().int(),
    body: z.string().nullable().optional(),
    html_url: z.string().optional(),
    created_at: z.string().optional(),
  })
  .passthrough();
const changes = z
  .object({ body: z.object({ from: z.string() }).optional() })
  .passthrough()
  .optional();
const common = { action: z.string(), installation, repository, sender: account, comment };
const reference = {
  issue: z.object({
    ...common,
    issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }).passthrough(),
    changes,
  }),
  review: z.object({ ...common, pull_request: pullRequest, changes }),
};

const verdict = (payload: unknown, source: 'issue' | 'review') => {
  const parsed = reference[source].safeParse(payload);
  return parsed.success ? { ok: true } : { ok: false, path: parsed.error.issues[0]?.path.join('.') };
};

const PATHS = [
  [],
  ['action'],
  ['installation'],
  ['installation', 'id'],
  ['repository'],
  ['repository', 'name'],
  ['repository', 'owner'],
  ['repository', 'owner', 'login'],
  ['repository', 'owner', 'id'],
  ['sender'],
  ['sender', 'login'],
  ['sender', 'id'],
  ['sender', 'type'],
  ['comment'],
  ['comment', 'id'],
  ['comment', 'body'],
  ['comment', 'html_url'],
  ['comment', 'created_at'],
  ['issue'],
  ['issue', 'number'],
  ['issue', 'pull_request'],
  ['pull_request'],
  ['pull_request', 'number'],
  ['pull_request', 'title'],
  ['pull_request', 'body'],
  ['pull_request', 'draft'],
  ['pull_request', 'merged'],
  ['pull_request', 'user', 'login'],
  ['pull_request', 'head'],
  ['pull_request', 'head', 'sha'],
  ['changes'],
  ['changes', 'body'],
  ['changes', 'body', 'from'],
];
const VALUES = [undefined, null, '', 'x', 0, -1, 1, 7, 1.5, 2 ** 60, -0, true, false, [], [1], {}, { from: 'x' }];

/** Sets (or, for undefined, deletes) the value at `path`, creating objects on the way when `create`. */
function mutate(payload: Record<string, unknown>, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let at: Record<string, unknown> = payload;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  // A copy: the same constant placed at two paths would alias (and a later edit under one could make a cycle,
  // which no JSON body can hold).
  else at[last] = structuredClone(value);
  return payload;
}

const bases = (): { source: 'issue' | 'review'; payload: Record<string, unknown> }[] => [
  { source: 'issue', payload: prComment('/void review') },
  { source: 'issue', payload: prComment('/void status', { action: 'edited', from: '/void review' }) },
  { source: 'review', payload: { ...example('pull_request_review_comment', 'created'), installation: { id: 3 } } },
];

const EVENT = { issue: 'issue_comment', review: 'pull_request_review_comment' } as const;

/** What a queued comment carries (commentFields) maps to the event the whole payload maps to, and is smaller. */
function expectSameEvent(payload: unknown, source: 'issue' | 'review'): void {
  const fields = commentFields(payload, source);
  expect(mapWebhook(EVENT[source], fields)).toEqual(mapWebhook(EVENT[source], payload));
  expect(JSON.stringify(fields).length).toBeLessThanOrEqual(JSON.stringify(payload).length);
}

describe('commentProblem', () => {
  it('accepts the real payloads, and maps them as before', () => {
    for (const { source, payload } of bases()) {
      expect(commentProblem(payload, source)).toBeUndefined();
      expect(verdict(payload, source)).toEqual({ ok: true });
    }
    expect(mapWebhook('issue_comment', prComment('/void review'))).toMatchObject({ type: 'command', number: 7 });
  });

  it('keeps for the worker only the fields it maps: the same event from a fraction of the payload', () => {
    for (const { source, payload } of bases()) expectSameEvent(payload, source);
    const payload = prComment('/void deploy staging', { createdAt: '2026-11-26T10:59:00Z' });
    const fields = commentFields(payload, 'issue');
    expect(fields).not.toHaveProperty('organization');
    expect(fields).not.toHaveProperty('repository.full_name');
    // Of the issue's pull_request only its presence is mapped: GitHub's links in it are left behind.
    expect(fields).toHaveProperty('issue.pull_request', {});
    const plainIssue = { ...payload, issue: { ...(payload.issue as object), pull_request: null } };
    expect(commentFields(plainIssue, 'issue')).toHaveProperty('issue.pull_request', null);
    expectSameEvent(plainIssue, 'issue');
    expect(JSON.stringify(fields).length).toBeLessThan(JSON.stringify(payload).length / 3);
    expect(mapWebhook('issue_comment', fields)).toMatchObject({
      type: 'command',
      text: '/void deploy staging',
      createdAt: '2026-11-26T10:59:00Z',
    });
  });

  it('property: the same verdict and first failing field as the zod schemas, whatever is changed or removed', () => {
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom(...VALUES)), { minLength: 1, maxLength: 3 }),
        (which, edits) => {
          const base = bases()[which] as { source: 'issue' | 'review'; payload: Record<string, unknown> };
          let payload: unknown = base.payload;
          for (const [path, value] of edits)
            payload =
              typeof payload === 'object' && payload !== null && !Array.isArray(payload)
                ? mutate(payload as Record<string, unknown>, path, value)
                : payload;
          const problem = commentProblem(payload, base.source);
          expect(problem === undefined ? { ok: true } : { ok: false, path: problem }).toEqual(
            verdict(payload, base.source),
          );
          if (problem === undefined) expectSameEvent(payload, base.source);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
