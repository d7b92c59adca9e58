// What Void reads from JIRA (comment commands, sites, ticket keys in pull requests) and what it writes (comments).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../bot/core/grammar.js';
import { commentCommand, commentText, renderComment, siteOf, webhookSchema } from '../../integrations/jira/mapper.js';
import { ticketKeysOf } from '../../integrations/jira/pull-requests.js';
import { adfText, fixture } from '../helpers/jira.js';

describe('comment commands', () => {
  it('takes the first /void line and fills in the ticket for triage and implement', () => {
    expect(commentCommand('Please look.\n  /void triage  \n/void help', 'PAY-3')).toBe('triage PAY-3');
    expect(commentCommand('/VOID implement in acme/payments', 'PAY-3')).toBe('implement PAY-3 in acme/payments');
    expect(commentCommand('/void triage OPS-9', 'PAY-3')).toBe('triage OPS-9');
    expect(commentCommand('/void whoami', 'PAY-3')).toBe('whoami');
    expect(commentCommand('/voiding the card', 'PAY-3')).toBeUndefined();
    expect(commentCommand('mention /void triage mid-line', 'PAY-3')).toBeUndefined();
  });

  it('reads wiki-markup strings and ADF documents', () => {
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'hi' }] },
        { type: 'paragraph', content: [{ type: 'text', text: '/void status' }] },
      ],
    };
    expect(commentCommand(commentText(adf), 'PAY-1')).toBe('status');
    expect(commentText(42)).toBe('');
  });

  it('any comment text gives a command the grammar answers without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const command = commentCommand(`/void ${text}`, 'PAY-1');
        expect(parseCommand(command ?? '').ok === true || parseCommand(command ?? '').ok === false).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(() => parseCommand(`jira ${text}`)).not.toThrow();
      }),
    );
  });
});

describe('sites and fixtures', () => {
  it('parses every fixture and finds its site in issue.self or comment.self', () => {
    for (const name of ['issue_created', 'issue_updated_transition', 'issue_updated_labels', 'comment_created']) {
      const payload = webhookSchema.parse(fixture(name));
      expect(siteOf(payload, null)).toBe('https://acme.atlassian.net');
    }
    const noSelf = webhookSchema.parse(fixture('issue_created', (p) => void delete p.issue.self));
    expect(siteOf(noSelf, 'https://acme.atlassian.net/')).toBe('https://acme.atlassian.net');
    expect(siteOf(noSelf, 'javascript:alert(1)')).toBeUndefined();
    expect(siteOf(noSelf, null)).toBeUndefined();
  });
});

describe('ticket keys in pull requests', () => {
  const pr = (title: string, headRef = 'main', body = '') => ({
    repo: { owner: 'acme', name: 'payments' },
    number: 7,
    title,
    body,
    headRef,
    headSha: 'a',
    url: 'u',
    author: 'alice',
    draft: true,
  });

  it("finds keys in the title, branch and body, of the tenant's projects, once each", () => {
    expect(ticketKeysOf(pr('PAY-12: fix', 'void/pay-12-fix', 'Closes PAY-12 and PAY-13. See OPS-4.'), ['PAY'])).toEqual(
      ['PAY-12', 'PAY-13'],
    );
    expect(ticketKeysOf(pr('Bump UTF-8 handling', 'feature/sha-256'), ['PAY'])).toEqual([]);
    expect(ticketKeysOf(pr('OPS-4 and PAY-1'), [])).toEqual(['OPS-4', 'PAY-1']);
  });
});

describe('rendering', () => {
  it('a reply becomes an ADF comment without invisible marker characters, links clickable (golden)', () => {
    const doc = renderComment({
      text: '✅ triage done: suggested type Bug\nhttps://acme.atlassian.net/browse/PAY-12',
      kind: 'answer',
    });
    const golden = JSON.parse(readFileSync(new URL('../fixtures/jira/golden-reply.adf.json', import.meta.url), 'utf8'));
    expect(doc).toEqual(golden);
    // Void's comments are recognised by their `void.marker` property, not by characters people would copy along.
    expect(adfText(doc)).not.toMatch(/[\u200b-\u200f\u2060-\u2064\ufeff]/);
    expect(adfText(doc).startsWith('✅ triage done')).toBe(true);
  });

  it('an approval card says how to decide from JIRA', () => {
    const text = adfText(
      renderComment({
        text: '🔐 implement PAY-12 needs approval',
        kind: 'approval',
        approval: {
          id: 'apr-7',
          tenantId: 'acme',
          state: 'pending',
          requester: { memberId: 'bob', name: 'Bob' },
          summary: 'implement PAY-12',
          rule: 'r',
          remaining: '1 more approval from tech_lead',
          decisions: [],
          expiresAt: '',
          eligibleApprovers: [],
        },
      }),
    );
    expect(text).toContain('Approval apr-7: pending, 1 more approval from tech_lead.');
    expect(text).toContain('/void approve apr-7');
  });
});
