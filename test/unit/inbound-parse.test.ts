// The one safe parser of the inbound pipeline (bot/http/parse.ts): depth is counted on the text, outside strings, so
// brackets inside string values never count and a body nested thousands deep is refused as too deep, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseFormOrJson, parseJsonObject } from '../../bot/http/parse.js';
import { repeatedHeader } from '../../bot/http/inbound.js';

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

  it('checks keys and depth alike in a body with more brackets in all than the depth limit', () => {
    const wide = (extra: string) => `{"list":[${'{"a":[1]},'.repeat(40)}{}],${extra}"b":1}`;
    expect(parseJsonObject(wide(''))).toMatchObject({ ok: true, value: { b: 1 } });
    expect(parseJsonObject(wide('"x":{"constructor":1},'))).toMatchObject({
      ok: false,
      refusal: { code: 'request.forbidden_key', message: expect.stringContaining('constructor') },
    });
    expect(parseJsonObject(wide('"x":{"\\u0070rototype":1},'))).toMatchObject({ ok: false });
    expect(parseJsonObject(wide(`"x":${levels(MAX_JSON_DEPTH)},`)).ok).toBe(false);
    expect(parseJsonObject(wide(`"x":${levels(MAX_JSON_DEPTH - 1)},`)).ok).toBe(true);
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

  it(
    'property: too deep exactly when brackets outside ' + 'strings (escapes skipped one by one) nest past the limit',
    () => {
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
    },
  );

  it('reads a form payload field as JSON with the same rules', () => {
    const form = (json: string) => Buffer.from(`payload=${encodeURIComponent(json)}`);
    expect(parseFormOrJson(form('{"type":"block_actions"}'), 'application/x-www-form-urlencoded')).toEqual({
      ok: true,
      value: { type: 'block_actions' },
    });
    expect(parseFormOrJson(form(levels(70)), 'application/x-www-form-urlencoded').ok).toBe(false);
    expect(parseFormOrJson(Buffer.from('__proto__=1&a=2'), 'application/x-www-form-urlencoded').ok).toBe(false);
  });

  it('decodes a form the way Slack encodes it, and refuses bad escapes and a field sent twice', () => {
    const parse = (text: string) => parseFormOrJson(Buffer.from(text), 'application/x-www-form-urlencoded');
    expect(parse('text=deploy+api+to%20prod&user_id=U1&toString=x')).toEqual({
      ok: true,
      value: { text: 'deploy api to prod', user_id: 'U1', toString: 'x' },
    });
    expect(parse('a%2Bb=1%2B1')).toEqual({ ok: true, value: { 'a+b': '1+1' } });
    expect(parse('text=100%zz')).toMatchObject({ ok: false, refusal: { code: 'request.bad_form' } });
    expect(parse('%E0%A4%A=1')).toMatchObject({ ok: false, refusal: { code: 'request.bad_form' } });
    expect(parse('toString=1&toString=2')).toMatchObject({ ok: false, refusal: { code: 'request.repeated_field' } });
    expect(parse('user+id=1&user%20id=2')).toMatchObject({ ok: false, refusal: { code: 'request.repeated_field' } });
  });

  it('property: never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(typeof parseJsonObject(text).ok).toBe('boolean');
      }),
    );
  });
});

describe('repeatedHeader', () => {
  const request = (headers: Record<string, string>, distinct: Record<string, string[]>) =>
    ({ headers, headersDistinct: distinct }) as unknown as Parameters<typeof repeatedHeader>[0];

  it('tells a header sent twice from one whose single value holds a comma', () => {
    const once = request({ 'x-hub-signature': 'a, b' }, { 'x-hub-signature': ['a, b'] });
    expect(repeatedHeader(once, ['x-hub-signature'])).toBeUndefined();
    const twice = request({ 'x-hub-signature': 'a, b' }, { 'x-hub-signature': ['a', 'b'] });
    expect(repeatedHeader(twice, ['x-hub-signature'])).toBe('x-hub-signature');
  });

  it('finds a repeated Authorization, whose second value Node drops from headers', () => {
    const twice = request({ authorization: 'Bearer a' }, { authorization: ['Bearer a', 'Bearer b'] });
    expect(repeatedHeader(twice, ['x-other', 'authorization'])).toBe('authorization');
    expect(
      repeatedHeader(request({ authorization: 'Bearer a' }, { authorization: ['Bearer a'] }), ['authorization']),
    ).toBeUndefined();
  });

  it('reads the raw header lines when the server gives them (any case; a comma inside one value is one)', () => {
    const raw = (rawHeaders: string[]) =>
      ({ headers: {}, rawHeaders }) as unknown as Parameters<typeof repeatedHeader>[0];
    expect(repeatedHeader(raw(['X-Hub-Signature', 'a, b', 'Host', 'x']), ['x-hub-signature'])).toBeUndefined();
    expect(repeatedHeader(raw(['x-hub-signature', 'a', 'X-Hub-Signature', 'b']), ['x-hub-signature'])).toBe(
      'x-hub-signature',
    );
    const auth = raw(['Authorization', 'Bearer a', 'authorization', 'Bearer b']);
    expect(repeatedHeader(auth, ['x-other', 'authorization'])).toBe('authorization');
  });
});
