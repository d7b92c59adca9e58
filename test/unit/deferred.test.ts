// The one late binding of the composition (bot/core/needs.ts): a Deferred refuses a read before it is set, and a
// second set, with errors that say what went wrong.
import { describe, expect, it } from 'vitest';
import { Deferred } from '../../bot/core/needs.js';

describe('Deferred', () => {
  it('refuses a read before it is set, then gives the value (undefined included)', () => {
    const late = new Deferred<string | undefined>('the approvals port');
    expect(late.isSet).toBe(false);
    expect(() => late.get()).toThrow(
      'the approvals port was read before every module was set up: ' +
        'read it when a request or job runs, not during set-up',
    );
    late.set(undefined);
    expect(late.isSet).toBe(true);
    expect(late.get()).toBeUndefined();
  });

  it('is set once', () => {
    const late = new Deferred<number>('the answer');
    late.set(42);
    expect(() => late.set(43)).toThrow('the answer was set twice');
    expect(late.get()).toBe(42);
  });
});
