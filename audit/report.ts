// The compliance evidence report: for a period, every approval-gated job with its requester, approvers, policy rule,
// break-glass use and outcome, built only from audit records (what a SOX auditor asks for), as Markdown and CSV.
import { csvCell } from './export.js';
import type { AuditFilter, AuditRecord, AuditStore } from './types.js';
import { recordsUpTo } from './export.js';
import type { VerifyResult } from './verify.js';

export interface ApprovalEvidence {
  readonly approvalId: string;
  requestedAt?: string;
  requester?: string;
  kind?: string;
  rule?: string;
  summary?: string;
  approvers: string[];
  rejecters: string[];
  denials: Array<{ by?: string | undefined; code: string }>;
  state: string;
  breakGlass?: { by?: string | undefined; at: string; reasonRef?: string | undefined };
  acknowledgement?: { by?: string | undefined; followUpId?: string | undefined };
  job?: { id?: string | undefined; outcome: string; at: string };
  correlationIds: Set<string>;
}

type Details = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function entry(map: Map<string, ApprovalEvidence>, id: string): ApprovalEvidence {
  let e = map.get(id);
  if (!e) {
    e = { approvalId: id, approvers: [], rejecters: [], denials: [], state: 'unknown', correlationIds: new Set() };
    map.set(id, e);
  }
  return e;
}

function applyApproval(e: ApprovalEvidence, r: AuditRecord, d: Details, who: string | undefined): void {
  switch (r.action) {
    case 'approval.requested':
      Object.assign(e, {
        requestedAt: r.ts,
        requester: who,
        kind: str(d.kind),
        rule: str(d.rule),
        summary: str(d.summary),
      });
      if (e.state === 'unknown') e.state = 'pending';
      break;
    case 'approval.decided':
      (d.decision === 'reject' ? e.rejecters : e.approvers).push(who ?? '?');
      if (str(d.state)) e.state = str(d.state) as string;
      break;
    case 'approval.denied':
      e.denials.push({ by: who, code: str(d.code) ?? 'refused' });
      break;
    case 'approval.expired':
    case 'approval.cancelled':
    case 'approval.voided':
      e.state = r.action.slice('approval.'.length);
      break;
  }
}

function apply(e: ApprovalEvidence, r: AuditRecord): void {
  const d = (r.details ?? {}) as Details;
  const who = r.actor.memberId;
  e.correlationIds.add(r.correlationId);
  if (r.action.startsWith('approval.')) return applyApproval(e, r, d, who);
  if (r.action === 'breakglass.used') {
    e.breakGlass = { by: who, at: r.ts, reasonRef: str(d.reasonRef) };
    if (e.state === 'unknown' || e.state === 'pending') e.state = 'break-glass';
  } else if (r.action === 'breakglass.acknowledged') e.acknowledgement = { by: who, followUpId: str(d.followUpId) };
  else if (r.action === 'job.queued' || r.action === 'job.started')
    e.job ??= { id: r.target, outcome: r.action.slice(4), at: r.ts };
  else if (r.action === 'job.completed' || r.action === 'job.failed')
    e.job = { id: r.target ?? e.job?.id, outcome: r.action.slice(4), at: r.ts };
}

export async function collectEvidence(
  store: AuditStore,
  tenantId: string,
  filter: Pick<AuditFilter, 'from' | 'until'>,
): Promise<ApprovalEvidence[]> {
  const head = await store.head(tenantId);
  const map = new Map<string, ApprovalEvidence>();
  for await (const r of recordsUpTo(store, tenantId, filter, head?.seq ?? 0)) {
    const id = str((r.details as Details | undefined)?.approvalId);
    if (!id || !(r.action.startsWith('approval.') || r.action.startsWith('breakglass.') || r.action.startsWith('job.')))
      continue;
    apply(entry(map, id), r);
  }
  return [...map.values()].sort((a, b) => (a.requestedAt ?? '').localeCompare(b.requestedAt ?? ''));
}

export interface ReportInput {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  readonly generatedAt: string;
  readonly verify: VerifyResult;
  readonly evidence: readonly ApprovalEvidence[];
  /** Member id → display name (from the tenants file); unknown ids are shown as they are. */
  readonly names: ReadonlyMap<string, string>;
}

const person = (names: ReadonlyMap<string, string>, id: string | undefined): string =>
  id ? (names.get(id) ? `${names.get(id)} (${id})` : id) : '—';
const list = (names: ReadonlyMap<string, string>, ids: readonly string[]): string =>
  ids.length ? ids.map((id) => person(names, id)).join('; ') : '—';
const md = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const REPORT_COLUMNS = [
  'approvalId',
  'requestedAt',
  'requester',
  'kind',
  'rule',
  'summary',
  'approvers',
  'rejectedBy',
  'refusals',
  'state',
  'breakGlass',
  'breakGlassAcknowledged',
  'job',
  'jobOutcome',
  'jobFinishedAt',
] as const;

function row(input: ReportInput, e: ApprovalEvidence): string[] {
  const n = input.names;
  return [
    e.approvalId,
    e.requestedAt ?? 'before period',
    person(n, e.requester),
    e.kind ?? '',
    e.rule ?? '',
    e.summary ?? '',
    list(n, e.approvers),
    list(n, e.rejecters),
    e.denials.map((x) => `${person(n, x.by)}: ${x.code}`).join('; ') || '—',
    e.state,
    e.breakGlass
      ? `yes, by ${person(n, e.breakGlass.by)} ` +
        `at ${e.breakGlass.at}${e.breakGlass.reasonRef ? ` (reason ${e.breakGlass.reasonRef})` : ''}`
      : 'no',
    e.breakGlass
      ? e.acknowledgement
        ? `yes, by ${person(n, e.acknowledgement.by)}` +
          (e.acknowledgement.followUpId ? `, follow-up ${e.acknowledgement.followUpId}` : '')
        : 'NOT ACKNOWLEDGED'
      : '—',
    e.job?.id ?? '—',
    e.job?.outcome ?? 'not run',
    e.job?.at ?? '—',
  ];
}

function chainIntegrity(v: VerifyResult): string {
  return v.ok
    ? `verified, ${v.checked} record(s), head ${v.head?.seq ?? 0} ${v.head?.hash ?? ''}`
    : `BROKEN at record ${v.firstBreak?.seq}: ${v.firstBreak?.message}`;
}

export function reportMarkdown(input: ReportInput): string {
  const period = `${input.from ?? 'the beginning'} to ${input.until ?? input.generatedAt}`;
  const e = input.evidence;
  const bg = e.filter((x) => x.breakGlass);
  const lines = [
    `# Compliance evidence: ${md(input.tenantName)} (${input.tenantId})`,
    '',
    `Period: ${period}. Generated ${input.generatedAt} from the audit trail.`,
    '',
    `Chain integrity: ${chainIntegrity(input.verify)}.`,
    '',
    `Approval-gated requests: ${e.length}; approved ${e.filter((x) => x.state === 'approved').length}, ` +
      `rejected ${e.filter((x) => x.state === 'rejected').length}, break-glass ${bg.length} ` +
      `(unacknowledged ${bg.filter((x) => !x.acknowledgement).length}), jobs ` +
      `completed ${e.filter((x) => x.job?.outcome === 'completed').length}, jobs ` +
      `failed ${e.filter((x) => x.job?.outcome === 'failed').length}.`,
    '',
    `| ${REPORT_COLUMNS.join(' | ')} |`,
    `|${REPORT_COLUMNS.map(() => ' --- ').join('|')}|`,
    ...e.map((x) => `| ${row(input, x).map(md).join(' | ')} |`),
  ];
  if (!e.length) lines.push('', 'No approval-gated requests in this period.');
  return `${lines.join('\n')}\n`;
}

export function reportCsv(input: ReportInput): string {
  return (
    [REPORT_COLUMNS.join(','), ...input.evidence.map((x) => row(input, x).map(csvCell).join(','))].join('\n') + '\n'
  );
}
