// RELIABILITY.md #23 under load: a burst of review jobs while every model provider fails (OpenAI answers 429 with a
// long retry-after or 500 in turn, Anthropic answers after the timeout). Each job falls back model by model, finally
// to the offline engine, and still posts exactly one review (no partial or double side effect); the thread is told
// that no model was used. The single-call behaviour (retry-after honoured, jittered backoff, circuit breaker) is in
// test/integration/llm-router.test.ts; "spend limit reached → no retry, thread told" in agents-review.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_API,
  MODEL_ENV,
  OPENAI_API,
  anthropicMessage,
  anthropicProvider,
  fixture,
  nock,
  openAiProvider,
  startAgentsApp,
  type AgentsTestApp,
  type PullRequestFixture,
} from '../helpers/agents.js';

const JOBS = 12;
const say = (text: string) => console.log(`[fault model-storm] ${text}`);
let app: AgentsTestApp | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('fault: model provider failure storm', () => {
  it(
    `${JOBS} review jobs at once while every provider fails: ` +
      'each falls back to the offline engine and posts one review',
    async () => {
      const seen = { openai: [] as number[], anthropic: 0 };
      nock(OPENAI_API)
        .persist()
        .post('/v1/chat/completions')
        .reply(() => {
          const status = seen.openai.length % 2 ? 500 : 429;
          seen.openai.push(status);
          return status === 429
            ? [429, { error: { message: 'rate limited' } }, { 'retry-after': '120' }]
            : [500, { error: { message: 'upstream boom' } }];
        });
      // Slower than the provider's 150 ms timeout: every call times out.
      nock(ANTHROPIC_API)
        .persist()
        .post('/v1/messages')
        .delay(600)
        .reply(
          () => (seen.anthropic++, [200, anthropicMessage({ summary: 'late', verdict: 'comment', findings: [] })]),
        );
      const models = {
        providers: [openAiProvider(), anthropicProvider({ timeoutMs: 150 })],
        routes: { review: ['openai-main', 'claude'] },
        retry: { attemptsPerModel: 2, baseBackoffMs: 5, maxBackoffMs: 50 },
        breaker: { failures: 100, coolDownMs: 60_000 },
      };
      app = await startAgentsApp({ models, env: MODEL_ENV });
      app.vcs.addPullRequest(fixture<PullRequestFixture>('pr-planted.json'));

      const review = { name: 'review' as const, repo: { owner: 'acme', name: 'orders' }, number: 42 };
      const jobIds = await Promise.all(Array.from({ length: JOBS }, () => app!.enqueue('review', review)));
      const finals = await Promise.all(jobIds.map((id) => app!.chat.final(id, 30_000)));
      const calls = (await app.app.audit.store.range('acme', 1, 5000))
        .filter((r) => r.action === 'model.called')
        .map((r) => `${String(r.details?.provider)}:${String(r.details?.outcome)}`);
      const outcomes = calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
      const perMarker = new Map<string, number>();
      for (const r of app.vcs.reviews) perMarker.set(r.review.marker, (perMarker.get(r.review.marker) ?? 0) + 1);
      // The final reply is posted just before BullMQ marks the job completed.
      let counts = await app.app.queue.queue.getJobCounts('completed', 'failed');
      for (let i = 0; i < 100 && (counts.completed ?? 0) + (counts.failed ?? 0) < JOBS; i++) {
        await new Promise((r) => setTimeout(r, 50));
        counts = await app.app.queue.queue.getJobCounts('completed', 'failed');
      }
      say(
        `${JOBS} jobs; OpenAI answered ${seen.openai.filter((s) => s === 429).length}×429 ` +
          `and ${seen.openai.filter((s) => s === 500).length}×500, Anthropic ${seen.anthropic} late answers; ` +
          `audit model.called ${JSON.stringify(outcomes)}; BullMQ ${JSON.stringify(counts)}; ` +
          `reviews ${app.vcs.reviews.length}, writes ${app.vcs.writes.length}`,
      );

      expect(counts).toMatchObject({ completed: JOBS, failed: 0 });
      for (const reply of finals)
        expect(reply.text).toContain('reviewed: changes requested, 4 finding(s) (no model used, offline rules only)');
      // One review per job, each with its own marker; nothing else was written to GitHub.
      expect(app.vcs.reviews).toHaveLength(JOBS);
      expect([...perMarker.keys()].sort()).toEqual(jobIds.map((id) => `void:review:${id}`).sort());
      expect(app.vcs.writes).toEqual(jobIds.map(() => 'postReview acme/orders#42'));
      // 429 and 5xx are retried on the same model at most attemptsPerModel (2) times; a timeout moves on without retry.
      // So per job: OpenAI once or twice, Anthropic exactly once.
      expect(seen.anthropic).toBe(JOBS);
      expect(outcomes['claude:timeout']).toBe(JOBS);
      expect(seen.openai.length).toBeGreaterThanOrEqual(JOBS);
      expect(seen.openai.length).toBeLessThanOrEqual(2 * JOBS);
    },
    60_000,
  );
});
