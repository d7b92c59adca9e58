// What every approvals operation is given: the store, the trail, the tenants, the job queue, the thread to post to,
// the clock. Built once by the module (module.ts) and passed to each step.
import type { Logger } from '../bot/core/logger.js';
import type { JobSubmitter } from '../bot/core/jobs.js';
import type { AuditTrail } from '../audit/trail.js';
import type { AuditActor } from '../audit/types.js';
import type { Refused } from '../bot/core/outcome.js';
import type { ChatPort } from '../bot/core/ports.js';
import type { TenantRegistry } from '../bot/core/registry.js';
import type { TicketPort } from '../bot/core/ticket.port.js';
import type { VcsPort } from '../bot/core/vcs.port.js';
import type { ApprovalStore } from './store.js';

export interface ApprovalDeps {
  readonly store: ApprovalStore;
  readonly audit: AuditTrail;
  readonly registry: TenantRegistry;
  readonly queue: JobSubmitter;
  readonly chat: ChatPort;
  /** Read at use time: the GitHub module may be set up after this one. */
  readonly vcs: () => VcsPort | undefined;
  /** Read at use time too: implement approvals digest the ticket's text. */
  readonly tickets?: () => TicketPort | undefined;
  readonly log: Logger;
  readonly now: () => Date;
  /** Schedules the expiry of a request (a delayed BullMQ job). */
  readonly scheduleExpiry: (tenantId: string, approvalId: string, at: Date) => Promise<void>;
  readonly leaseMs?: number;
}

/** A refused step: nothing changed, and the person is told why. */
export type Denied = Refused;

/** Who acts when nobody does: the expiry timer, a moved target. */
export const SYSTEM_ACTOR: AuditActor = { platform: 'system' };
