// The approvals' refusals (approval.*, breakglass.*, implement.*, target.*, quorum.*): separation of duties, the
// state machine, the run gate and the policy, in the words the person reads on every surface. A code that reads
// differently by where it is said (deciding, breaking glass, cancelling, the run gate) takes a `stage` parameter,
// so that the code stays the one recorded on the audit trail.

type Id = { readonly id: string };
const q = (id: string) => `Request ${id}`;

export const APPROVAL_REFUSALS = {
  'approval.store_unavailable': {
    text: () =>
      'The approvals store cannot be reached right now, so nothing was requested or decided. Please try again shortly.',
    status: 503,
  },
  'approval.target_unreadable': {
    text: (p: { why: string; stage: 'request' | 'run' }) =>
      p.stage === 'request'
        ? `Nothing was requested: ${p.why}.`
        : `${p.why}; an approval cannot be checked against a target Void cannot read.`,
  },
  'approval.not_found': {
    text: (p: Id & { tenant?: string; stage?: 'run' }) =>
      p.stage === 'run'
        ? `its approval ${p.id} does not exist in ${p.tenant ?? ''}.`
        : `There is no request "${p.id}"${p.tenant === undefined ? '' : ` in ${p.tenant}`}.`,
  },
  'approval.busy': {
    text: (p: Id & { moment: 'now' | 'while_deciding' | 'meanwhile'; what?: 'Follow-up' }) =>
      p.moment === 'now'
        ? `${q(p.id)} is being decided by someone else right now; try again in a moment.`
        : `${p.what ?? 'Request'} ${p.id} changed ${p.moment === 'meanwhile' ? 'meanwhile' : 'while you decided'}; ` +
          `look at it again.`,
  },
  'approval.expired': {
    text: (p: Id & { at: string; then: 'ask_if_needed' | 'nothing' | 'ask' }) =>
      p.then === 'ask'
        ? `${q(p.id)} expired at ${p.at}; ask again.`
        : `${q(p.id)} expired at ${p.at}; nothing can be decided on it any ` +
          `more.${p.then === 'ask_if_needed' ? ' Ask again if it is still needed.' : ''}`,
  },
  'approval.not_pending': {
    text: (p: Id & { state: string; breakGlass?: boolean; stage: 'decide' | 'breakglass' | 'cancel' }) => {
      if (p.stage === 'breakglass') return `${q(p.id)} is ${p.state}; break-glass applies only to a pending request.`;
      if (p.stage === 'cancel') return `${q(p.id)} is ${p.state}; it cannot be cancelled.`;
      if (p.state === 'rejected') return `${q(p.id)} was already rejected.`;
      if (p.state === 'cancelled') return `${q(p.id)} was cancelled.`;
      if (p.state !== 'approved') return `${q(p.id)} is ${p.state}.`;
      return `${q(p.id)} is already approved${p.breakGlass ? ' (break-glass)' : ''}; your decision is not needed.`;
    },
  },
  'approval.target_changed': {
    text: (
      p: (Id & { note: string; stage: 'closed' | 'decide' }) | (Id & { from: string; to: string; stage: 'run' }),
    ) =>
      p.stage === 'run'
        ? `what ${p.id} approved changed since (${p.from} → ${p.to}); ask for a new approval.`
        : p.stage === 'closed'
          ? `${q(p.id)} was voided: ${p.note}. Ask again to approve what will run now.`
          : `${q(p.id)} was voided because ${p.note}; approvals count only for what will run. Ask again.`,
  },
  'approval.requester_ineligible': {
    text: (p: { gone: string } & ({ id: string; stage: 'decide' } | { stage: 'run' })) =>
      p.stage === 'decide'
        ? `${p.gone}, so ${p.id} cannot be approved; it will not run.`
        : `${p.gone}; a job runs only for a current member.`,
  },
  'approval.self_approval': {
    text: (
      p:
        | (Id & { stage: 'breakglass' })
        | (Id & { stage: 'decide'; as: string; through: string; platform: string; decision: 'approve' | 'reject' }),
    ) =>
      p.stage === 'breakglass'
        ? `You requested ${p.id}; break-glass must come from another admin (separation of duties has no off switch).`
        : `You requested ${p.id} (as ${p.as}, through ${p.through}); your ${p.platform} account is linked to the ` +
          `same person, so you cannot ${p.decision} it. Someone else ` +
          `must${p.decision === 'reject' ? `; to withdraw it say "cancel ${p.id}"` : ''}.`,
  },
  'approval.already_counted': {
    text: (p: Id & { decision: string; at: string; platform: string }) =>
      `You already decided on ${p.id} (${p.decision}, ${p.at} via ${p.platform}); one person counts once.`,
  },
  'approval.author': {
    text: (p: Id & { as: string; kind: string; rule: string }) =>
      `You (${p.as}) authored part of what ${p.id} would ${p.kind === 'deploy' ? 'deploy' : 'approve'}; rule ` +
      `"${p.rule}" does not let authors approve their own change (authorsMayApprove: false). Someone independent ` +
      `must.`,
  },
  'approval.role_missing': {
    text: (p: Id & { needs: string; roles: string }) =>
      `${q(p.id)} needs ${p.needs}; you are ${p.roles}, so your decision cannot count.`,
  },
  'approval.role_not_needed': {
    text: (p: Id & { needs: string; roles: string }) =>
      `${q(p.id)} still needs ${p.needs}; you are ${p.roles}, and those places are already filled.`,
  },
  'approval.required': {
    text: (p: { rule: string; quorum: string }) =>
      `rule "${p.rule}" needs ${p.quorum}, and this job carries no approved request.`,
  },
  'approval.not_approved': { text: (p: Id & { state: string }) => `its approval ${p.id} is ${p.state}.` },
  'approval.payload_mismatch': {
    text: (p: Id & { summary: string }) => `the job is not what ${p.id} approved ("${p.summary}").`,
  },
  'approval.approver_ineligible': {
    text: (
      p:
        | (Id & { stage: 'breakglass'; name: string; tenant: string })
        | (Id & { stage: 'quorum'; quorum: string; why?: string | undefined; needs: string; lost: string }),
    ) =>
      p.stage === 'breakglass'
        ? `${p.name} forced ${p.id} by break-glass but is no longer an admin of ${p.tenant}.`
        : `the approval of ${p.id} no longer meets ` +
          `"${p.quorum}"${p.why ? ` (${p.why}: still needs ${p.needs})` : ''}: ` +
          `${p.lost || 'an approver no longer qualifies'}. Ask for a new approval.`,
  },
  'approval.quorum_unmeetable': {
    text: (p: { rule: string; quorum: string; tenant: string; holders: string }) =>
      `Rule "${p.rule}" needs ${p.quorum}, and without you (the requester) ${p.tenant} does not have enough members ` +
      `with those roles (${p.holders}). Nothing was requested; ask an admin to change the rule or the members.`,
  },
  'approval.no_rule': {
    text: (p: { tenant: string; command: string; action: string; facets: readonly string[] }) =>
      `No approval rule in ${p.tenant} covers "${p.command}" (action ` +
      `${p.action}${p.facets.length ? `, ${p.facets.join(', ')}` : ''}), and the tenant's default is deny, so ` +
      `nothing was queued. Ask an admin to add a rule for "${p.action}" under policies.rules in the tenants file.`,
  },
  'approval.cancel_not_allowed': {
    text: (p: Id & { rule: string; who: string; roles: string }) =>
      `Rule "${p.rule}" lets ${p.who} cancel ${p.id}; you are ${p.roles}.`,
  },
  'implement.no_repo': {
    text: (p: { ticket: string; tenant: string; project: string }) =>
      `Nothing was requested: "implement ${p.ticket}" does not say which repository to change, and ${p.tenant} maps ` +
      `no repository to project ${p.project}. Say "implement ${p.ticket} in <owner>/<repo>", or ask an admin to ` +
      `add ${p.project} under policies.repositories in the tenants file.`,
  },
  'breakglass.not_admin': {
    text: (p: { roles: string }) =>
      `Only an admin may break glass; you are ${p.roles}. Ask for the approvals the rule needs instead.`,
  },
  'breakglass.no_reason': { text: () => 'Break-glass needs a reason: "breakglass <id> <why it cannot wait>".' },
  'breakglass.not_found': {
    text: (p: Id & { tenant?: string }) =>
      `There is no follow-up "${p.id}"${p.tenant === undefined ? '' : ` in ${p.tenant}`}.`,
  },
  'breakglass.not_compliance': {
    text: (p: { roles: string }) =>
      `Only a compliance officer may acknowledge a break-glass follow-up; you are ${p.roles}.`,
  },
  'breakglass.not_independent': {
    text: (p: Id & { conflict: string; who: string }) =>
      `You cannot acknowledge follow-up ${p.id}: ${p.conflict}, and a break-glass is reviewed by a compliance ` +
      `officer who is neither the breaker nor the requester. ${p.who}.`,
  },
  'breakglass.already_acknowledged': {
    text: (p: Id & { state: string }) => `Follow-up ${p.id} is ${p.state}.`,
  },
  // What an approval binds to could not be read (fragments: approval.target_unreadable says them in a sentence).
  'target.no_service_repo': {
    text: (p: { service: string }) => `no repository is configured for service "${p.service}"`,
  },
  'target.unresolved_ref': {
    text: (p: { ref: string; repo: string; status: string }) =>
      `could not resolve ${p.ref} of ${p.repo} to a commit (${p.status})`,
  },
  'target.unreadable_pull': {
    text: (p: { repo: string; number: number; status: string }) =>
      `could not read ${p.repo}#${p.number} to record what is approved (${p.status})`,
  },
  'target.unreadable_ticket': {
    text: (p: { key: string; status: string }) =>
      `could not read ticket ${p.key} to record what is approved (${p.status})`,
  },
  // A quorum in the tenants file that does not read (fragments: the config loader names the path).
  'quorum.unreadable': {
    text: (p: { clause: string }) =>
      `cannot read "${p.clause}": write a quorum like "1 tech_lead and 1 devops", "2 of tech_lead|devops" or "none"`,
  },
  'quorum.bad_count': { text: (p: { clause: string }) => `"${p.clause}": a clause needs between 1 and 10 approvals` },
  'quorum.unknown_role': {
    text: (p: { role: string; quorum: string; roles: readonly string[] }) =>
      `unknown role "${p.role}" in quorum "${p.quorum}"; the roles are ${p.roles.join(', ')}`,
  },
} as const;
