// Canonical serialisation and hashing of audit records: keys sorted, no whitespace, undefined dropped.
import { hash } from 'node:crypto';
import type { AuditRecord } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Built in one pass into one string (no per-key arrays): every audit append and every verified record comes here. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole stays empty, as Array.prototype.map and join leave it.
      if (i in value) out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** SHA-256 over everything in the record but the hash itself. */
export function hashRecord(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...content } = record;
  return sha256(canonicalJson(content));
}

// One-shot crypto.hash (Node ≥ 20.12; engines asks 20.19): no Hash object per record (3–4 records per job).
const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The fields of a record's content, in the order canonicalJson sorts them into. */
const CONTENT_FIELDS = [
  'action',
  'actor',
  'correlationId',
  'details',
  'outcome',
  'prevHash',
  'seq',
  'target',
  'tenantId',
  'ts',
] as const satisfies ReadonlyArray<keyof Omit<AuditRecord, 'hash'>>;

/**
 * hashRecord(content) for a record the trail builds (exactly the fields above), whose actor and details are already
 * in canonical form: their canonicalJson is given, and `content.actor`/`content.details` were parsed back from it.
 * The fields are laid out in sorted order around those strings instead of being sorted and serialised again: the
 * same bytes, so the same hash (test/unit/audit-hash.test.ts holds the two against each other).
 */
export function hashBuilt(content: Omit<AuditRecord, 'hash'>, actorJson: string, detailsJson?: string): string {
  let out = '{';
  for (const field of CONTENT_FIELDS) {
    const json =
      field === 'actor'
        ? actorJson
        : field === 'details'
          ? detailsJson
          : content[field] === undefined
            ? undefined
            : canonicalJson(content[field]);
    if (json === undefined) continue;
    if (out.length > 1) out += ',';
    out += `"${field}":${json}`;
  }
  return sha256(`${out}}`);
}
