// How times and commits read to people on text-only surfaces (GitHub comments, JIRA comments, Teams text): relative,
// with the absolute UTC time beside it, and short SHAs.
import { describe, expect, it } from 'vitest';
import { humaniseText, humanTime, inlineTime, relativeTime } from '../../bot/core/display.js';

const NOW = new Date('2026-12-04T11:40:00.000Z');

describe('times and commits as people read them', () => {
  it('says how far away a time is, with the UTC time beside it (the year only when it differs)', () => {
    expect(humanTime('2026-12-05T11:40:00.000Z', NOW)).toBe('in 24 h (5 Dec 11:40 UTC)');
    expect(humanTime('2026-12-04T11:39:50.000Z', NOW)).toBe('just now (4 Dec 11:39 UTC)');
    expect(humanTime('2026-12-04T11:10:00.000Z', NOW)).toBe('30 min ago (4 Dec 11:10 UTC)');
    expect(relativeTime('2026-12-09T11:40:00.000Z', NOW)).toBe('in 5 days');
    expect(humanTime('2025-11-30T08:05:00Z', NOW)).toBe('369 days ago (30 Nov 2025 08:05 UTC)');
    expect(humanTime('not a time', NOW)).toBe('not a time');
  });

  it('rewrites every ISO timestamp and full SHA of a text, and leaves SHAs inside links alone', () => {
    const sha = 'ab12cd3'.padEnd(40, 'e');
    const text = `expired at 2026-12-04T10:40:00.000Z; commit ${sha} (https://github.com/acme/api/commit/${sha})`;
    expect(humaniseText(text, (iso) => inlineTime(iso, NOW))).toBe(
      `expired at 4 Dec 10:40 UTC (1 h ago); commit ab12cd3 (https://github.com/acme/api/commit/${sha})`,
    );
  });
});
