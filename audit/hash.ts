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
  const keys = Object.keys(object);
  // Most objects here (actors, details) are built in key order already: sorted only when they are not.
  if (!inOrder(keys)) sortKeys(keys);
  let out = '{';
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** Sorts as Array.prototype.sort does (UTF-16 code units; keys are distinct): a few keys (details such as { kind,
 *  attempt, approvalId }) by insertion, in place, without the work arrays sort allocates at every call. */
function sortKeys(keys: string[]): void {
  if (keys.length > 12) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
}

/** Whether keys are in the order Array.prototype.sort puts them (UTF-16 code units, as `<` compares strings). */
function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/** SHA-256 over everything in the record but the hash itself. */
export function hashRecord(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...content } = record;
  return sha256(canonicalJson(content));
}

// One-shot crypto.hash (Node ≥ 20.12; engines asks 20.19): no Hash object per record (3–4 records per job).
const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** canonicalJson of a field's value: a string (every field but seq, in a record the trail builds) without the call. */
const field = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value));

/**
 * hashRecord(content) for a record the trail builds (its fields: action, actor, correlationId, details, outcome,
 * prevHash, seq, target, tenantId, ts), whose actor and details are already in canonical form: their canonicalJson
 * is given, and `content.actor`/`content.details` hold the same values (copied, or parsed back from it). The
 * fields are laid out in sorted order around those strings, in one expression, instead of being sorted and serialised
 * again: the same bytes, so the same hash (test/unit/audit-hash.test.ts holds the two against each other). The
 * optional fields (correlationId, details, target) are left out when undefined, as canonicalJson leaves them out.
 */
export function hashBuilt(content: Omit<AuditRecord, 'hash'>, actorJson: string, detailsJson?: string): string {
  const { correlationId, target } = content;
  const correlation = correlationId === undefined ? '' : `,"correlationId":${field(correlationId)}`;
  const details = detailsJson === undefined ? '' : `,"details":${detailsJson}`;
  const targeted = target === undefined ? '' : `,"target":${field(target)}`;
  return sha256(
    `{"action":${field(content.action)},"actor":${actorJson}${correlation}${details}` +
      `,"outcome":${field(content.outcome)},"prevHash":${field(content.prevHash)}` +
      `,"seq":${field(content.seq)}${targeted}` +
      `,"tenantId":${field(content.tenantId)},"ts":${field(content.ts)}}`,
  );
}
