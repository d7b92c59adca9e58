// Queue names, job kinds and the zod schema of job data, in one place. Job data is validated when read back, so a
// job written by an older or tampered producer fails clearly instead of running on bad input.
import { hash } from 'node:crypto';
import { z } from 'zod';
import type { Refusal } from './errors.js';
import type { Logger } from './logger.js';
import { PLATFORMS, type Tenant, type TenantLimits } from './types.js';

export const JOB_QUEUE = 'void-jobs';

export const JOB_KINDS = ['status', 'review', 'implement', 'triage', 'deploy'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

const repo = z.object({ owner: z.string(), name: z.string() }).strict();

// A plain union: `review` has two shapes (a pull request, or a local git ref), so `name` alone does not discriminate.
export const jobCommandSchema = z.union([
  z.object({ name: z.literal('status'), id: z.string().optional() }).strict(),
  z.object({ name: z.literal('review'), repo, number: z.number().int().positive() }).strict(),
  z.object({ name: z.literal('review'), ref: z.string().min(1).max(200) }).strict(),
  z.object({ name: z.literal('implement'), ticket: z.string(), repo: repo.optional() }).strict(),
  z.object({ name: z.literal('triage'), ticket: z.string() }).strict(),
  z
    .object({ name: z.literal('deploy'), service: z.string(), environment: z.string(), ref: z.string().optional() })
    .strict(),
]);
export type JobCommand = z.infer<typeof jobCommandSchema>;

export const threadSchema = z
  .object({ platform: z.enum(PLATFORMS), channel: z.string(), thread: z.string().optional() })
  .strict();

export const jobDataSchema = z
  .object({
    v: z.literal(1),
    kind: z.enum(JOB_KINDS),
    tenantId: z.string().min(1),
    requester: z.object({ memberId: z.string(), platform: z.enum(PLATFORMS), platformUserId: z.string() }).strict(),
    command: jobCommandSchema,
    thread: threadSchema,
    correlationId: z.string().min(1),
    deliveryId: z.string().min(1),
    /** Set when the job runs because an approval request was approved. */
    approvalId: z.string().optional(),
    /** Digest of what was approved (e.g. head SHA, deployed ref), re-checked before the job runs. */
    targetDigest: z.string().optional(),
    /** deploy: the commit that was approved (resolved at request time); the deployment is created at exactly it. */
    commitSha: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .optional(),
    /** deploy: the tenant's policy waived the repository's required status checks for this request. */
    waiveStatusChecks: z.boolean().optional(),
    /** implement: folders the agent may write under (from the approval rule); absent = the default allow-list. */
    writePaths: z.array(z.string().max(200)).max(50).optional(),
    /** W3C trace context of the request that queued the job (OpenTelemetry); absent when tracing is off. */
    trace: z
      .object({ traceparent: z.string().max(128), tracestate: z.string().max(512).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((d) => d.command.name === d.kind, { message: 'command does not match the job kind', path: ['command'] });

export type JobData = z.infer<typeof jobDataSchema>;

/**
 * jobDataSchema.safeParse, with a hand-written check first for the common shapes (no approval, trace, paths or
 * commit): what it accepts, the schema accepts too (test/unit/job-data.test.ts holds the two against each other), and
 * the data is then kept as it is (it is the caller's own: a job read back, or data built to be queued) instead of
 * being copied. Anything else (rare fields, anything invalid) is the schema's to judge and to explain.
 */
export function parseJobData(value: unknown): ReturnType<typeof jobDataSchema.safeParse> {
  return isPlainJobData(value) ? { success: true, data: value } : jobDataSchema.safeParse(value);
}

const JOB_KEYS = new Set(['v', 'kind', 'tenantId', 'requester', 'command', 'thread', 'correlationId', 'deliveryId']);
const REQUESTER_KEYS = new Set(['memberId', 'platform', 'platformUserId']);
const THREAD_KEYS = new Set(['platform', 'channel', 'thread']);
const COMMAND_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  status: new Set(['name', 'id']),
  implement: new Set(['name', 'ticket']),
  triage: new Set(['name', 'ticket']),
  deploy: new Set(['name', 'service', 'environment', 'ref']),
};
const PLATFORM_SET: ReadonlySet<unknown> = new Set(PLATFORMS);
const KIND_SET: ReadonlySet<unknown> = new Set(JOB_KINDS);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
/** Every own key is one of `allowed` (a strict object). */
const onlyKeys = (o: Record<string, unknown>, allowed: ReadonlySet<string>): boolean => {
  for (const key of Object.keys(o)) if (!allowed.has(key)) return false;
  return true;
};

/** The common job data, checked by hand; false leaves the verdict to the schema (never a wrong acceptance). */
function isPlainJobData(d: unknown): d is JobData {
  if (!isObject(d) || !onlyKeys(d, JOB_KEYS) || d.v !== 1 || !KIND_SET.has(d.kind)) return false;
  if (!nonEmpty(d.tenantId) || !nonEmpty(d.correlationId) || !nonEmpty(d.deliveryId)) return false;
  const { requester: r, thread: t, command: c } = d;
  if (!isObject(r) || !onlyKeys(r, REQUESTER_KEYS) || typeof r.memberId !== 'string') return false;
  if (!PLATFORM_SET.has(r.platform) || typeof r.platformUserId !== 'string') return false;
  if (!isObject(t) || !onlyKeys(t, THREAD_KEYS) || !PLATFORM_SET.has(t.platform)) return false;
  if (typeof t.channel !== 'string' || !optionalString(t.thread)) return false;
  // The command: its name is the job's kind; review (two shapes) is left to the schema.
  if (!isObject(c) || c.name !== d.kind) return false;
  const keys = COMMAND_KEYS[c.name as string];
  if (!keys || !onlyKeys(c, keys)) return false;
  switch (c.name) {
    case 'status':
      return optionalString(c.id);
    case 'deploy':
      return typeof c.service === 'string' && typeof c.environment === 'string' && optionalString(c.ref);
    default:
      return typeof c.ticket === 'string';
  }
}

/**
 * The BullMQ job id of a delivery: the same platform delivery always maps to the same job, so a redelivered event
 * cannot add a second job while the first one's key exists. (Durable de-duplication beyond that is the
 * idempotency key's job: see bot/idempotency.ts.) Ids must not contain ':' nor be all digits.
 */
export function jobIdFor(kind: JobKind, tenantId: string, platform: string, deliveryId: string): string {
  // One-shot hash (Node ≥ 20.12): no Hash object per job.
  const digest = hash('sha256', `${tenantId}\u0000${platform}\u0000${deliveryId}`, 'hex').slice(0, 24);
  return `${kind}-${digest}`;
}

/** The job of an approved request; scoped by tenant (two tenants' ids never share a job). */
export function jobIdForApproval(kind: JobKind, tenantId: string, approvalId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${kind}-appr-${safe(tenantId)}-${safe(approvalId)}`;
}

/**
 * The done mark of the delivery that queues a job (bot/idempotency.ts), written by the submitter in the same Redis
 * write as the job (a command and a round trip fewer than a mark of its own afterwards). `marked` is set once the
 * submit succeeded: the dispatcher then writes no mark of its own. If the submit fails, the dispatcher gives the
 * delivery back (deletes the key), as it does for any failure: a retry is processed.
 */
export interface DeliveryMark {
  readonly key: string;
  readonly value: string;
  readonly ttlSeconds: number;
  marked: boolean;
}

/** Where a job is submitted (the BullMQ queue, agents/queue.ts): direct commands and approved requests alike. */
export interface JobSubmitter {
  /** Queues `data` under `jobId` once; a second submit of the same id is a duplicate and queues nothing. `mark`: the
   *  delivery's done mark, written with the job. */
  submitJob(jobId: string, data: JobData, mark?: DeliveryMark): Promise<{ jobId: string; duplicate: boolean }>;
}

// The worker's contract with the modules that run jobs (agents/worker.ts runs them).
export interface ProcessorContext {
  readonly data: JobData;
  readonly jobId: string;
  readonly attempt: number;
  readonly tenant: Tenant;
  readonly log: Logger;
  /** Reports a step: updates the job's message in the thread in place. `fraction` is 0..1. */
  progress(step: string, fraction: number): Promise<void>;
}

export interface JobResult {
  readonly summary: string;
  readonly link?: string;
}

export type Processor = (ctx: ProcessorContext) => Promise<JobResult>;

/** Checked just before a job runs (e.g. approvals: is the approver still eligible, has the target changed?). */
export type RunGate = (data: JobData, tenant: Tenant) => Promise<Refusal | undefined>;

export type SlotVerdict = 'acquired' | 'tenant_busy' | 'member_busy';

/** Concurrently running jobs per tenant and per person (agents/slots.ts JobSlots, leased in Redis). A job's slot ends
 *  with its BullMQ lock: there is no release. */
export interface JobSlotsPort {
  readonly leaseMs: number;
  acquire(tenantId: string, memberId: string, jobId: string, limits: TenantLimits): Promise<SlotVerdict>;
  renew(tenantId: string, memberId: string, jobId: string): Promise<void>;
}

/** The audit record that comes before a job enters the queue (the actor is the audit trail's own type). */
export interface QueuedRecord<Actor> {
  readonly tenantId: string;
  readonly action: 'job.queued';
  readonly actor: Actor;
  readonly target: string;
  readonly outcome: 'success';
  readonly details: Readonly<Record<string, unknown>>;
  readonly correlationId: string;
}

/** Where a job goes: the audit trail first, then the queue (the JobSubmitter port). */
export interface AuditedJobSink<Actor> {
  readonly audit: { append(record: QueuedRecord<Actor>): Promise<unknown> };
  readonly queue: JobSubmitter;
}

/**
 * Submits a job, for a direct command and for an approved request alike. No side effect without its audit record:
 * the `job.queued` record comes first, and a failed append stops the enqueue. `duplicate`: the job id was queued
 * already (a redelivery), nothing new runs.
 */
export async function submitJob<Actor>(
  to: AuditedJobSink<Actor>,
  job: {
    jobId: string;
    data: JobData;
    actor: Actor;
    details: Readonly<Record<string, unknown>>;
    mark?: DeliveryMark | undefined;
  },
): Promise<{ duplicate: boolean }> {
  const { jobId, data } = job;
  await to.audit.append({
    tenantId: data.tenantId,
    action: 'job.queued',
    actor: job.actor,
    target: jobId,
    outcome: 'success',
    details: job.details,
    correlationId: data.correlationId,
  });
  const { duplicate } = await to.queue.submitJob(jobId, data, job.mark);
  return { duplicate };
}
