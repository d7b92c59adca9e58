// Reading fields out of a Slack payload, whose shape is only known after the fact: one definition of each reader,
// so that "absent" means the same everywhere. `str` answers '' for a missing string; `optStr` answers undefined for a
// missing or empty one (ids, where '' is no id).
import type { SlackBody } from './body.js';

/** The field as an object, or {} when it is not one (arrays included). */
export const obj = (v: unknown): SlackBody =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as SlackBody) : {};

/** The field as a string, or '' when it is not one. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The field as a non-empty string, or undefined. */
export const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
