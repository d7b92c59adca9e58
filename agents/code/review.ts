// CodeAgent, review: QualityAgent's findings and the model's findings merged into one review with line comments
// and a verdict. Deterministic findings always stay; model findings are kept only on lines of the diff.
import type { Tenant } from '../../bot/core/types.js';
import type { ReviewComment, ReviewSubmission } from '../../bot/core/vcs.port.js';
import type { ReviewContext } from '../context/context.agent.js';
import { commentableLines } from '../context/diff.js';
import { NO_MODEL_NOTICE, offlineReview } from '../llm/offline.js';
import type { CallMeta, ModelRouter } from '../llm/router.js';
import { linksIn, sanitiseValue } from '../llm/sanitise.js';
import type { UntrustedBlock } from '../llm/types.js';
import type { Analysis } from '../quality/quality.agent.js';
import { isBlocking, SEVERITY_ORDER, type Finding } from '../quality/types.js';
import { reviewAnswerSchema, type ReviewAnswer } from './schemas.js';

export interface ReviewOutcome {
  readonly summary: string;
  readonly verdict: ReviewSubmission['verdict'];
  readonly findings: readonly Finding[];
  readonly comments: readonly ReviewComment[];
  /** The review as a person reads it (the PR review body). */
  readonly body: string;
  readonly model?: { provider: string; model: string } | undefined;
  readonly offlineReason?: string | undefined;
}

const INSTRUCTIONS = [
  'Review the pull request diff in the data for bugs, security problems and maintainability issues.',
  'Report only problems on lines that appear in the diff, with the file path and the line number in the new file.',
  'Deterministic findings listed in the data are facts, already reported: do not repeat them. ' +
    'Secrets in the data were replaced by <redacted kind> placeholders before you saw them.',
  'Write a short summary and a verdict (comment, request_changes or approve).',
].join('\n');

const ICON: Readonly<Record<Finding['severity'], string>> = { critical: '🔴', high: '🟠', medium: '🟡', low: '⚪' };

export function reviewData(context: ReviewContext, findings: readonly Finding[]): UntrustedBlock[] {
  const blocks: UntrustedBlock[] = [
    { label: 'pull_request', text: `Title: ${context.pr.title}\nAuthor: ${context.pr.author}\n\n${context.pr.body}` },
  ];
  if (context.ticket)
    blocks.push({
      label: 'linked_ticket',
      text: `${context.ticket.key}: ${context.ticket.summary}\n${context.ticket.description}`,
    });
  for (const c of context.conventions) blocks.push({ label: `repository_convention ${c.path}`, text: c.text });
  for (const chunk of context.chunks) blocks.push({ label: `diff ${chunk.path}`, text: chunk.text });
  if (findings.length)
    blocks.push({
      label: 'deterministic_findings',
      text: findings
        .map((f) => {
          const verify = f.confidence === 'verify' ? ', to verify' : '';
          return `${f.path}:${f.line} ${f.ruleId} (${f.severity}${verify}): ${f.message}`;
        })
        .join('\n'),
    });
  return blocks;
}

/** The review: the deterministic analysis, and the model's (when one answers), asked with every secret redacted. */
export async function reviewPullRequest(
  router: ModelRouter,
  tenant: Tenant,
  context: ReviewContext,
  analysis: Analysis,
  meta: CallMeta,
): Promise<ReviewOutcome> {
  const { findings, coverage } = analysis;
  const data = reviewData(context, findings);
  const answer = await router.ask(
    tenant,
    { task: 'review', instructions: INSTRUCTIONS, data, schema: reviewAnswerSchema, schemaName: 'pull_request_review' },
    meta,
  );
  if (answer.source === 'offline')
    return mergeReview(context, findings, offlineReview(findings), undefined, answer.reason, coverage);
  const allowed = linksIn(data.map((d) => d.text).join('\n'));
  return mergeReview(
    context,
    findings,
    sanitiseValue(answer.value, allowed),
    { provider: answer.provider, model: answer.model },
    undefined,
    coverage,
  );
}

/** A model finding repeats a deterministic one when it is on the same line of the same file. */
function alreadyReported(rules: readonly Finding[], f: { path: string; line: number }): boolean {
  return rules.some((r) => r.path === f.path && r.line === f.line);
}

export function mergeReview(
  context: ReviewContext,
  rules: readonly Finding[],
  answer: ReviewAnswer,
  model?: { provider: string; model: string },
  offlineReason?: string,
  coverage: readonly string[] = [],
): ReviewOutcome {
  const lines = new Map(context.files.map((f) => [f.path, commentableLines(f.patch)]));
  const seen = new Set<string>();
  const fromModel: Finding[] = answer.findings
    .filter(
      (f) =>
        lines.get(f.path)?.has(f.line) &&
        !alreadyReported(rules, f) &&
        !seen.has(`${f.path}:${f.line}`) &&
        seen.add(`${f.path}:${f.line}`),
    )
    .map((f) => ({
      path: f.path,
      line: f.line,
      ruleId: 'model.review',
      severity: f.severity,
      message: f.message,
      fixHint: f.fixHint ?? '',
      source: 'model' as const,
    }));
  const findings = [...rules, ...fromModel].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.path.localeCompare(b.path) || a.line - b.line,
  );
  const serious = findings.some(isBlocking);
  // Void never approves on its own: at most it comments; only high-confidence critical/high findings block.
  const verdict: ReviewSubmission['verdict'] =
    serious || answer.verdict === 'request_changes' ? 'request_changes' : 'comment';
  const comments = findings
    .filter((f) => lines.get(f.path)?.has(f.line))
    .map((f) => ({ path: f.path, line: f.line, body: commentBody(f) }));
  const dropped = answer.findings.length - fromModel.length;
  const body = renderReview({
    summary: answer.summary,
    verdict,
    findings,
    omitted: context.omitted,
    model,
    offlineReason,
    dropped,
    coverage,
  });
  return { summary: answer.summary, verdict, findings, comments, body, model, offlineReason };
}

export function commentBody(f: Finding): string {
  const source = f.source === 'model' ? ' (model)' : '';
  const verify = f.confidence === 'verify' ? ' (verify, does not block)' : '';
  return (
    `${ICON[f.severity]} **${f.severity}** ` +
    `\`${f.ruleId}\`${source}${verify}: ${f.message}${f.fixHint ? `\n\nFix: ${f.fixHint}` : ''}`
  );
}

function renderReview(r: {
  summary: string;
  verdict: ReviewSubmission['verdict'];
  findings: readonly Finding[];
  omitted: ReviewContext['omitted'];
  model?: { provider: string; model: string } | undefined;
  offlineReason?: string | undefined;
  dropped: number;
  coverage: readonly string[];
}): string {
  const counts = (['critical', 'high', 'medium', 'low'] as const)
    .map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0);
  const out = [
    `### Void review: ${r.verdict === 'request_changes' ? 'changes requested' : 'comments'}`,
    '',
    r.summary,
    '',
  ];
  out.push(
    r.findings.length
      ? `**Findings: ${r.findings.length}** (${counts.map(([s, n]) => `${n} ${s}`).join(', ')})`
      : '**No findings.**',
  );
  for (const f of r.findings) {
    const marks = `${f.source === 'model' ? ' (model)' : ''}${f.confidence === 'verify' ? ' (verify)' : ''}`;
    out.push(`- ${ICON[f.severity]} \`${f.path}:${f.line}\` ${f.ruleId}${marks}: ${f.message}`);
  }
  if (r.dropped > 0)
    out.push(`\n${r.dropped} model finding(s) were left out: outside the diff, or already reported by the checks.`);
  if (r.coverage.length) out.push('', '**What was checked**', ...r.coverage.map((c) => `- ${c}`));
  if (r.model && r.omitted.length) {
    out.push('', `Not shown to the model (${r.omitted.length}):`);
    for (const o of r.omitted) out.push(`- \`${o.path}\`: ${o.reason}`);
  }
  if (r.model)
    out.push('', `_Reviewed with model ${r.model.provider} (${r.model.model}) and Void's deterministic checks._`);
  else if (!r.summary.includes(NO_MODEL_NOTICE)) out.push('', `_${NO_MODEL_NOTICE}_`);
  if (!r.model && r.offlineReason) out.push('', `_Why no model: ${r.offlineReason}._`);
  return out.join('\n');
}
