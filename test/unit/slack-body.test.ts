// Parsing of verified Slack bodies: malformed input is a value (→ 400), never an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSlackBody } from '../../bot/slack/body.js';

const FORM = 'application/x-www-form-urlencoded';
const parse = (text: string, type = FORM) => parseSlackBody(Buffer.from(text, 'utf8'), type);

describe('parseSlackBody', () => {
  it('reads a slash command, decoding "+" and percent escapes', () => {
    const result = parse(
      'command=%2Fvoid&text=review+acme%2Fapi%2342&team_id=T1&user_id=U1&channel_id=C1&trigger_id=t.1',
    );
    expect(result).toEqual({
      ok: true,
      body: {
        command: '/void',
        text: 'review acme/api#42',
        team_id: 'T1',
        user_id: 'U1',
        channel_id: 'C1',
        trigger_id: 't.1',
      },
    });
  });

  it("hands the interaction payload to Bolt as the body, as Bolt's own receivers do", () => {
    const result = parse(`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`);
    expect(result).toEqual({ ok: true, body: { type: 'block_actions', actions: [] } });
  });

  it.each([
    ['bad percent-encoding', 'command=%2Fvoid&text=%E0%A4%A'],
    ['a pair without "="', 'command'],
    ['a repeated key', 'text=a&text=b&command=/void'],
    ['a __proto__ key', '__proto__=x&command=/void'],
    ['payload that is not JSON', 'payload=%7Bnope'],
    ['payload that is an array', 'payload=%5B1%5D'],
    ['a slash command without its ids', 'command=%2Fvoid&text=help'],
    ['an empty body', ''],
  ])('refuses %s', (_name, body) => {
    expect(parse(body).ok).toBe(false);
  });

  it('refuses JSON with __proto__ or constructor keys, 10,000 levels of nesting, or no type', () => {
    expect(parse('{"type":"event_callback","__proto__":{"polluted":true}}', 'application/json').ok).toBe(false);
    expect(parse('{"type":"event_callback","event":{"constructor":{"prototype":1}}}', 'application/json').ok).toBe(
      false,
    );
    expect(parse(`{"type":"x","a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'application/json').ok).toBe(false);
    expect(parse('{"event":{}}', 'application/json').ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses other content types', () => {
    expect(parse('{"type":"x"}', 'text/plain').ok).toBe(false);
  });

  it('property: never throws, whatever the bytes and content type', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.constantFrom(FORM, 'application/json', 'application/json; charset=utf-8', undefined),
        (text, type) => {
          const result = parseSlackBody(Buffer.from(text, 'utf8'), type);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});
