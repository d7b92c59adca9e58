// lazyChild: the context logger of a command is made only when something logs through it (pino serialises a child's
// bindings at creation), and then behaves exactly like log.child(bindings).
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../bot/core/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level: 'debug' }, dest);
  let children = 0;
  // Counts every child made from here down (pino's children inherit from their parent, so `this` is the logger asked).
  const child = parent.child;
  parent.child = function (this: typeof parent, ...args: Parameters<typeof child>) {
    children += 1;
    return child.apply(this, args);
  } as typeof parent.child;
  return { parent, lines, children: () => children };
}

describe('lazyChild', () => {
  it('makes no child until something logs, then one, carrying the bindings', async () => {
    const { parent, lines, children } = capture();
    const log = lazyChild(parent, { tenant: 'acme', correlationId: 'slack:Ev1' });
    expect(children()).toBe(0);
    log.info({ step: 1 }, 'first');
    log.warn('second');
    expect(children()).toBe(1);
    expect(log.isLevelEnabled('debug')).toBe(true);
    log.child({ job: 'j-1' }).error('third');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.tenant, l.correlationId, l.step, l.job])).toEqual([
      ['first', 'acme', 'slack:Ev1', 1, undefined],
      ['second', 'acme', 'slack:Ev1', undefined, undefined],
      ['third', 'acme', 'slack:Ev1', undefined, 'j-1'],
    ]);
  });
});
