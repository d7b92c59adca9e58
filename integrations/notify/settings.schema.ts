// The `notifications` section of a tenant in the tenants file: mail preferences per member and outbound webhooks.
// Secrets are never written here: an SMTP server and a webhook signing secret are named by reference (smtpRef,
// secretRef) to the environment (VOID_SMTP_URLS, VOID_WEBHOOK_SECRETS).
import { z } from 'zod';

export const CHANNELS = ['chat', 'email', 'both', 'digest'] as const;
export type Channel = (typeof CHANNELS)[number];

export const WEBHOOK_EVENTS = [
  'approval.requested',
  'approval.decided',
  'approval.voided',
  'approval.expired',
  'job.started',
  'job.completed',
  'job.failed',
  'breakglass.used',
  'audit.appended',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const ref = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a name of letters, digits, ".", "-" or "_"');

/** "22:00-07:00": kept as text (so that parsing an already parsed section gives the same), split where used. */
export const quietHoursSchema = z.string().refine((text) => {
  const [from = '', until = '', extra] = text.split('-');
  return extra === undefined && HHMM.test(from) && HHMM.test(until) && from !== until;
}, 'expected quiet hours like "22:00-07:00" (24-hour clock, start and end differ)');

function splitQuiet(text: string): { from: string; until: string } {
  const [from = '00:00', until = '00:00'] = text.split('-');
  return { from, until };
}

export const preferenceSchema = z
  .object({
    /** chat: no mail; email or both: mail at once (chat messages in the thread go on either way); digest: pending
     *  approval requests arrive in one daily mail instead. */
    channel: z.enum(CHANNELS).default('chat'),
    quietHours: quietHoursSchema.optional(),
    /** IANA time zone of the quiet hours (default UTC). */
    timezone: z.string().refine(validZone, 'expected an IANA time zone like Europe/Berlin').default('UTC'),
  })
  .strict();
export type Preference = z.infer<typeof preferenceSchema>;

/** What a person changed with `notify` (no defaults: a missing field keeps the tenants file's value). */
export const preferenceOverrideSchema = z
  .object({
    channel: z.enum(CHANNELS).optional(),
    quietHours: z.union([z.literal('off'), quietHoursSchema]).optional(),
    timezone: z.string().refine(validZone).optional(),
  })
  .strip();

const webhookSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lower-case endpoint id'),
    url: z.url().refine((u) => /^https?:\/\//i.test(u), 'expected an http(s) URL'),
    /** Name of the signing secret in VOID_WEBHOOK_SECRETS (a Standard Webhooks "whsec_…" secret). */
    secretRef: ref,
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'subscribe to at least one event type'),
  })
  .strict();
export type WebhookEndpoint = z.infer<typeof webhookSchema>;

export const notificationsSchema = z
  .object({
    /** Name of this tenant's SMTP URL in VOID_SMTP_URLS; unset: the deployment's VOID_SMTP_URL. */
    smtpRef: ref.optional(),
    /** Hour (UTC, 0-23) of the daily digest of pending approvals. */
    digestHour: z.coerce.number().int().min(0).max(23).default(8),
    /** Preferences by member id (members not named get the default: chat only). */
    members: z.record(z.string(), preferenceSchema).default({}),
    webhooks: z.array(webhookSchema).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.webhooks.forEach((w, i) => {
      if (seen.has(w.id))
        ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'id'], message: `duplicate webhook id "${w.id}"` });
      seen.add(w.id);
    });
  });
export type NotificationSettings = z.infer<typeof notificationsSchema>;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const EMPTY: NotificationSettings = { digestHour: 8, members: {}, webhooks: [] };

const parsedOnce = new WeakMap<object, NotificationSettings>();

/** The tenant's notification settings (validated at load; parsed again so that the core keeps the section opaque).
 *  Tenants are immutable: each is parsed once, since this runs on every audit append. */
export function notificationsOf(tenant: { readonly notifications?: unknown }): NotificationSettings {
  const cached = parsedOnce.get(tenant);
  if (cached) return cached;
  const parsed = notificationsSchema.safeParse(tenant.notifications ?? {});
  const settings = parsed.success ? parsed.data : EMPTY;
  parsedOnce.set(tenant, settings);
  return settings;
}

/** True when the time (in the preference's zone) falls inside the quiet hours; they may wrap midnight. */
export function inQuietHours(pref: Pick<Preference, 'quietHours' | 'timezone'>, at: Date): boolean {
  if (!pref.quietHours) return false;
  const minutes = minutesInZone(at, pref.timezone);
  const quiet = splitQuiet(pref.quietHours);
  const from = toMinutes(quiet.from);
  const until = toMinutes(quiet.until);
  return from < until ? minutes >= from && minutes < until : minutes >= from || minutes < until;
}

/** Milliseconds from `at` until the quiet hours end (0 when not in them). */
export function msUntilQuietEnds(pref: Pick<Preference, 'quietHours' | 'timezone'>, at: Date): number {
  if (!pref.quietHours || !inQuietHours(pref, at)) return 0;
  const minutes = minutesInZone(at, pref.timezone);
  const until = toMinutes(splitQuiet(pref.quietHours).until);
  const left = (until - minutes + 24 * 60) % (24 * 60) || 24 * 60;
  return left * 60_000 - (at.getUTCSeconds() * 1000 + at.getUTCMilliseconds());
}

function toMinutes(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function minutesInZone(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}
