// The one safe parser of the inbound pipeline (bot/http/parse.ts): depth is counted on the text, outside strings, so
// brackets inside string values never count and a body nested thousands deep is refused as too deep, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseFormOrJson, parseJsonObject } from '../../bot/http/parse.js';

const levels = (n: number) => `${'{"a":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`;

describe('parseJsonObject', () => {
  it('accepts 64 levels and refuses 65, and 100,000, with the reason', () => {
    expect(parseJsonObject(levels(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJsonObject(levels(MAX_JSON_DEPTH + 1))).toMatchObject({
      ok: false,
      refusal: { code: 'request.too_deep', message: 'The body nests deeper than 64 levels.', status: 400 },
    });
    expect(parseJsonObject(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toMatchObject({
      ok: false,
      refusal: { message: expect.stringContaining('deeper') },
    });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: `${'['.repeat(500)} "quoted \\" ${'{'.repeat(500)}`, nested: { ok: true } });
    expect(parseJsonObject(text)).toMatchObject({ ok: true, value: { nested: { ok: true } } });
  });

  it('refuses __proto__, constructor and prototype keys at any depth, and never pollutes', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(parseJsonObject(`{"a":{"b":{"${key}":{"polluted":true}}}}`)).toMatchObject({
        ok: false,
        refusal: { code: 'request.forbidden_key', message: expect.stringContaining(key) },
      });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a forbidden key written with escapes or spaced from its colon, and not one that is only a value', () => {
    for (const text of [
      '{"a":[{"\\u005f_proto__":{"polluted":true}}]}',
      '{"a":{"constructo\\u0072" :1}}',
      '{"prototype"\n  :\t{}}',
    ]) {
      expect(parseJsonObject(text)).toMatchObject({ ok: false, refusal: { code: 'request.forbidden_key' } });
    }
    expect(parseJsonObject('{"a":"__proto__","b":["constructor","prototype"],"c\\"":"\\u005f_proto__"}')).toEqual({
      ok: true,
      value: { a: '__proto__', b: ['constructor', 'prototype'], 'c"': '__proto__' },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('property: the same answer as JSON.parse with a reviver that refuses every forbidden key', () => {
    const reference = (text: string): string => {
      let forbidden = false;
      let value: unknown;
      try {
        value = JSON.parse(text, (key, v: unknown) => {
          if (['__proto__', 'constructor', 'prototype'].includes(key)) forbidden = true;
          return v;
        });
      } catch {
        return 'request.bad_json';
      }
      if (forbidden) return 'request.forbidden_key';
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? 'ok' : 'request.not_object';
    };
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', '\\'));
    const escapeSome = (text: string, i: number) =>
      i % 3
        ? text
        : text.replace(
            /"(__proto__|constructor|prototype)"/g,
            (_m, k: string) => `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${k.slice(1)}"`,
          );
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(key, fc.jsonValue(), { maxKeys: 4 }), fc.nat(), (value, extra, i) => {
        const text = escapeSome(JSON.stringify({ value, extra, list: [extra] }), i);
        const parsed = parseJsonObject(text);
        expect(parsed.ok ? 'ok' : parsed.refusal.code).toBe(reference(text));
      }),
    );
  });

  it('property: too deep exactly when brackets outside strings (escapes skipped one by one) nest past the limit', () => {
    const deeper = (text: string): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i += 1) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i += 1;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') {
          depth += 1;
          if (depth > MAX_JSON_DEPTH) return true;
        } else if (c === '}' || c === ']') depth -= 1;
      }
      return false;
    };
    const piece = fc.constantFrom('{', '[', '{"a":', '}', ']', '"', '\\', '\\"', '\\\\', 'x', ':');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 300 }), fc.nat(80), (pieces, extra) => {
        const text = '{'.repeat(extra) + pieces.join('');
        const parsed = parseJsonObject(text);
        expect(!parsed.ok && parsed.refusal.code === 'request.too_deep').toBe(deeper(text));
      }),
      { numRuns: 500 },
    );
  });

  it('reads a form payload field as JSON with the same rules', () => {
    const form = (json: string) => Buffer.from(`payload=${encodeURIComponent(json)}`);
    expect(parseFormOrJson(form('{"type":"block_actions"}'), 'application/x-www-form-urlencoded')).toEqual({
      ok: true,
      value: { type: 'block_actions' },
    });
    expect(parseFormOrJson(form(levels(70)), 'application/x-www-form-urlencoded').ok).toBe(false);
    expect(parseFormOrJson(Buffer.from('__proto__=1&a=2'), 'application/x-www-form-urlencoded').ok).toBe(false);
  });

  it('property: never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(typeof parseJsonObject(text).ok).toBe('boolean');
      }),
    );
  });
});
