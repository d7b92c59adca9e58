// The input of an audit record made ready for the chain (audit/trail.ts): actor and details in canonical JSON, and
// as the record's own objects (never the caller's).
import { canonicalJson } from './hash.js';
import { PERSONAL_DETAIL_KEYS } from './personal.js';
import type { AuditActor, AuditEventInput } from './types.js';

/** An input ready to be sequenced: actor and details as the record's own copies, and their canonical JSON. */
export interface Prepared {
  readonly input: AuditEventInput;
  readonly actorJson: string;
  readonly detailsJson: string | undefined;
}

export const hasPersonal = (details: Readonly<Record<string, unknown>>): boolean =>
  PERSONAL_DETAIL_KEYS.some((key) => typeof details[key] === 'string' && details[key] !== '');

/**
 * The prepared input: actor and details in canonical JSON and as the record's own objects. `freshDetails`: `details`
 * is a copy made of JSON values alone (redact's JSON round trip), whose keys need no sorting to hash the same (the
 * hash is over detailsJson) and which nothing else holds: kept as it is instead of parsed back.
 */
export function prepared(
  input: AuditEventInput,
  actor: AuditActor,
  details: Record<string, unknown> | undefined,
  freshDetails: boolean,
): Prepared {
  const actorJson = canonicalJson(actor);
  const detailsJson = details ? canonicalJson(details) : undefined;
  return {
    input: {
      ...input,
      actor: copyActor(actor, actorJson),
      details:
        detailsJson === undefined || details === undefined
          ? undefined
          : freshDetails
            ? details
            : (copyFlat(details) ?? (JSON.parse(detailsJson) as Record<string, unknown>)),
    },
    actorJson,
    detailsJson,
  };
}

/** An actor of string fields copied without its undefined ones (what JSON.parse(actorJson) gives); else parsed. */
function copyActor(actor: AuditActor, actorJson: string): AuditActor {
  const copy: Record<string, string> = {};
  for (const key of Object.keys(actor)) {
    const value = (actor as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') copy[key] = value;
    else if (value !== undefined) return JSON.parse(actorJson) as AuditActor;
  }
  return copy as unknown as AuditActor;
}

/**
 * What a JSON round trip gives (JSON.parse(JSON.stringify(details)): the keys in their order, the undefined values
 * dropped) for details whose values are all strings, booleans, null, finite numbers other than -0, or undefined (the
 * usual flat details), without the round trip; its canonical form is the details'. Undefined for any other details
 * (the caller parses those back).
 */
export function copyFlat(details: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  if (!isFlat(details)) return undefined;
  const copy: Record<string, unknown> = {};
  for (const key in details) if (details[key] !== undefined) copy[key] = details[key];
  return copy;
}

/** Own keys only (for…in without a key array: details are plain objects; an inherited key fails the check). */
function isFlat(details: Readonly<Record<string, unknown>>): boolean {
  for (const key in details) {
    if (!Object.hasOwn(details, key)) return false;
    const value = details[key];
    const type = typeof value;
    if (type === 'string' || type === 'boolean' || value === null || value === undefined) continue;
    if (type !== 'number' || !Number.isFinite(value) || Object.is(value, -0)) return false;
  }
  return true;
}

/**
 * The trail's `redact` for a text scrubber (secret values out of the details' JSON text). The JSON round trip is made
 * only when it can change something: flat details (copyFlat) whose text the scrubber leaves as it is are returned as
 * they are, and the trail copies them (prepared); any other details are parsed back from the scrubbed text, fresh.
 */
export function scrubbingRedactor(
  scrub: (text: string) => string,
): (details: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  return (details) => {
    const text = JSON.stringify(details);
    const scrubbed = scrub(text);
    if (scrubbed === text && isFlat(details)) return details as Record<string, unknown>;
    return JSON.parse(scrubbed) as Record<string, unknown>;
  };
}
