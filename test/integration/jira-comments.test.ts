// `/void` commands written as JIRA comments, over real HTTP signed like JIRA Cloud: run as the comment's author,
// answered with a comment; comments without a command ignored; Void's own comments (by author account and by their
// marker property) never retrigger it. The set-up is in helpers/jira-webhooks.ts.
import { describe, expect, it } from 'vitest';
import { ALICE_JIRA, deliver, fixture, STRANGER_JIRA, VOID_JIRA } from '../helpers/jira.js';
import { id, useJiraWebhookApp } from '../helpers/jira-webhooks.js';

const s = useJiraWebhookApp();

describe('comment commands and loops', () => {
  it('runs "/void triage" from a comment as its author, filling in the ticket', async () => {
    const res = await deliver(s.t.url, fixture('comment_created'), { id: id() });
    expect(res.status).toBe(202);
    await s.jira.waitFor(() => s.runs.length === 1, 'the triage run');
    expect(s.runs[0]?.command).toEqual({ name: 'triage', ticket: 'PAY-12' });
    expect(s.runs[0]?.requester.platformUserId).toBe(ALICE_JIRA);
  });

  it('answers "/void whoami" with a comment, and a stranger with a polite refusal', async () => {
    await s.send(
      fixture('comment_created', (p) => void (p.comment.body = '/void whoami')),
      { id: id() },
    );
    await s.send(
      fixture('comment_created', (p) => {
        p.comment.body = '/void whoami';
        p.comment.author.accountId = STRANGER_JIRA;
      }),
      { id: id() },
    );
    const texts = s.jira.commentTexts('PAY-12');
    expect(texts[0]).toContain('You are Alice Developer (member "alice")');
    // A ticket comment is public: the refusal says what to do and names nobody.
    expect(texts[1]).toContain('Void did not act on this: your jira account is not linked to a member');
    expect(texts[1]).not.toMatch(/Erin|Acme Payments|admin of/);
  });

  it('ignores comments without a /void command', async () => {
    const res = await s.send(
      fixture('comment_created', (p) => void (p.comment.body = 'Looks good to me, will void the old card later')),
      { id: id() },
    );
    expect(res.handled?.ignored).toBe('no_command');
    expect(s.jira.calls).toEqual([]);
  });

  it('a Void-authored comment does not retrigger Void: by author account, and by its marker property', async () => {
    await deliver(s.t.url, fixture('comment_created'), { id: id() });
    await s.jira.waitFor(
      () => s.jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the triage result',
    );
    const posted = s.jira.commentTexts('PAY-12')[0] ?? '';
    // JIRA's webhook for Void's own comment: the bot account, with Void's text
    const own = fixture('comment_created', (p) => {
      p.comment.author.accountId = VOID_JIRA;
      p.comment.body = `${posted}\n/void triage`;
    });
    expect((await s.send(own, { id: id() })).handled?.ignored).toBe('own_event');
    // Void's comment as JIRA announces it under an author Void does not know as its own (botAccountIds not set, or
    // another account): recognised by the `void.marker` property on the comment itself (no characters in its text)
    const stored = s.jira.issues.get('PAY-12')?.comments[0];
    expect(stored?.properties).toEqual([
      { key: 'void.marker', value: expect.objectContaining({ marker: expect.any(String) }) },
    ]);
    expect(posted).not.toMatch(/[\u200b-\u200f\u2060-\u2064\ufeff]/);
    const unknownAuthor = fixture('comment_created', (p) => {
      p.comment.id = stored?.id;
      p.comment.body = `${posted}\n/void triage`;
    });
    expect((await s.send(unknownAuthor, { id: id() })).handled?.ignored).toBe('own_comment');
    // Void's own edits (e.g. a transition or a label it sets) are not rule triggers either
    const ownUpdate = fixture('issue_updated_labels', (p) => void (p.user.accountId = VOID_JIRA));
    expect((await s.send(ownUpdate, { id: id() })).handled?.ignored).toBe('own_event');
    expect(s.runs).toHaveLength(1);
  });
});
