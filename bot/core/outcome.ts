// The one refusal type. An expected "no" (a person may not approve, a signature does not verify, a body does not
// parse) is a value, not an exception: `Outcome<T>` is either the value or a `Refusal`. Every refusal names a code
// from one closed catalogue (bot/core/refusals/), which owns its user-facing text and, where one applies, its HTTP
// status, so that the same "no" reads the same on every surface and a code outside the catalogue is a type error.
// The codes are grouped by namespace, one file each, so that an area's wording lives in one place.
import { APPROVAL_REFUSALS } from './refusals/approval.js';
import { AUDIT_REFUSALS } from './refusals/audit.js';
import { CHAT_REFUSALS } from './refusals/chat.js';
import { INBOUND_REFUSALS } from './refusals/inbound.js';
import { WORK_REFUSALS } from './refusals/work.js';

/** One catalogue entry: the text a person reads (a function of typed parameters) and the HTTP status, if any. */
export interface RefusalSpec {
  readonly text: (params: never) => string;
  readonly status?: number;
}

export const REFUSALS = {
  ...APPROVAL_REFUSALS,
  ...AUDIT_REFUSALS,
  ...CHAT_REFUSALS,
  ...INBOUND_REFUSALS,
  ...WORK_REFUSALS,
} as const satisfies Readonly<Record<string, RefusalSpec>>;

type Catalogue = typeof REFUSALS;
export type RefusalCode = keyof Catalogue;
type ParamArgs<C extends RefusalCode> = Parameters<Catalogue[C]['text']>;
/** The typed parameters of a code's text (undefined for a code whose text takes none). */
export type RefusalParams<C extends RefusalCode> = ParamArgs<C> extends [] ? undefined : ParamArgs<C>[0];

interface RefusalOf<C extends RefusalCode> {
  readonly code: C;
  /** The catalogue's text, rendered with `params`. */
  readonly message: string;
  readonly params: RefusalParams<C>;
  /** The HTTP status of the answer, for codes that are answered over HTTP. */
  readonly status?: number;
  /** What the refusal carries for the machine, never shown: the reason on a security record, an HTTP answer. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A refusal: narrowing on `code` gives that code's typed `params`. */
export type Refusal<C extends RefusalCode = RefusalCode> = { [K in C]: RefusalOf<K> }[C];

/** The failing side of every outcome, alone (for results whose success carries more than one field). */
export type Refused = { readonly ok: false; readonly refusal: Refusal };

export type Outcome<T> = { readonly ok: true; readonly value: T } | Refused;

/** A refusal from the catalogue: its text rendered with `params`, its status where one applies. */
export function refuse<C extends RefusalCode>(code: C, ...params: ParamArgs<C>): Refusal<C> {
  const spec: RefusalSpec = REFUSALS[code];
  const text = spec.text as (p: ParamArgs<C>[0]) => string;
  const status = spec.status === undefined ? {} : { status: spec.status };
  return { code, message: text(params[0]), params: params[0], ...status } as Refusal<C>;
}

/** `refuse` as the failing outcome. */
export function refused<C extends RefusalCode>(code: C, ...params: ParamArgs<C>): Refused {
  return { ok: false, refusal: refuse(code, ...params) as Refusal };
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** The same refusal with data for the machine (a security record's reason, the answer to send). */
export function withDetails<R extends Refusal>(refusal: R, details: Readonly<Record<string, unknown>>): R {
  return { ...refusal, details: { ...refusal.details, ...details } };
}

/** Whether a string is a code of the catalogue (for codes read back from records or errors). */
export function isRefusalCode(code: string): code is RefusalCode {
  return Object.prototype.hasOwnProperty.call(REFUSALS, code);
}
