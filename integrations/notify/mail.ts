// Mail: what each notification says (plain text and HTML, built from the event's safe fields only) and the
// nodemailer transport that sends it. Links open the dashboard page of the request (or say how to decide in chat);
// no link ever approves anything by itself.
import nodemailer, { type Transporter } from 'nodemailer';
import type { NotifyEvent } from './events.js';

export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface PendingLine {
  readonly id: string;
  readonly summary: string;
  readonly requester: string;
  readonly expiresAt: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function linkTo(publicUrl: string | undefined, tenantId: string, approvalId: string): string | undefined {
  if (!publicUrl) return undefined;
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}/dashboard/t/${encodeURIComponent(tenantId)}/approvals/${encodeURIComponent(approvalId)}`;
}

function render(
  subject: string,
  lines: readonly string[],
  link: string | undefined,
  approvalId: string | undefined,
): MailContent {
  const decide = approvalId
    ? `Decide in the request's thread (approve ${approvalId} / reject ${approvalId}) or on the dashboard.`
    : '';
  const footer =
    'This mail only informs you: no link in it approves or rejects anything. Change what you receive with the ' +
    '"notify" command.';
  const text = [...lines, '', ...(link ? [`Open: ${link}`] : []), ...(decide ? [decide] : []), '', footer].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    link ? `<p><a href="${escapeHtml(link)}">Open the request on the dashboard</a></p>` : '',
    decide ? `<p>${escapeHtml(decide)}</p>` : '',
    `<p style="color:#666;font-size:smaller">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The mail for one event, or undefined when the event type is not mailed. */
export function mailFor(
  event: NotifyEvent,
  tenantName: string,
  publicUrl: string | undefined,
): MailContent | undefined {
  const d = event.data;
  const id = str(d.approvalId) || str(d.target);
  const summary = str(d.summary);
  const link = id ? linkTo(publicUrl, event.tenantId, id) : undefined;
  switch (event.type) {
    case 'approval.requested':
      return render(
        `[Void] Approval requested: ${summary || id}`,
        [`${tenantName}: a request needs your approval.`, `Request ${id}: ${summary}`, `Rule: ${str(d.rule)}`],
        link,
        id,
      );
    case 'approval.decided':
      return render(
        `[Void] Your request ${id} was ${str(d.state) || 'decided'}`,
        [`${tenantName}: your request ${id} is now ${str(d.state)}.`],
        link,
        undefined,
      );
    case 'approval.expired':
      return render(
        `[Void] Your request ${id} expired`,
        [
          `${tenantName}: your request ${id} expired before enough people approved it. Ask again if it is still ` +
            `needed.`,
        ],
        link,
        undefined,
      );
    case 'approval.voided':
      return render(
        `[Void] Your request ${id} was voided`,
        [
          `${tenantName}: your request ${id} was voided because what it would run changed. ` +
            `Ask again for the new version.`,
        ],
        link,
        undefined,
      );
    case 'breakglass.used':
      return render(
        `[Void] Break-glass used on ${id}`,
        [
          `${tenantName}: an admin forced request ${id} to run without its approvals (break-glass).`,
          'A compliance officer must review and acknowledge it ("ack" in chat).',
        ],
        link,
        undefined,
      );
    default:
      return undefined;
  }
}

/** The daily digest of approval requests waiting for one person. */
export function digestMail(
  tenantName: string,
  pending: readonly PendingLine[],
  publicUrl: string | undefined,
  tenantId: string,
): MailContent {
  const lines = [
    `${tenantName}: ${pending.length} request(s) wait for your approval.`,
    ...pending.map((p) => `${p.id}: ${p.summary} (asked by ${p.requester}, expires ${p.expiresAt})`),
  ];
  const link = publicUrl
    ? `${publicUrl.replace(/\/+$/, '')}/dashboard/t/${encodeURIComponent(tenantId)}/inbox`
    : undefined;
  return render(`[Void] ${pending.length} approval request(s) waiting`, lines, link, undefined);
}

export interface SendResult {
  readonly accepted: number;
  /** Recipients the server refused (a bounce at send time). */
  readonly rejected: number;
}

/** One nodemailer transport per SMTP URL, reused across mails; bounded connection, greeting and socket times. */
export class Mailer {
  private readonly transports = new Map<string, Transporter>();

  constructor(
    private readonly from: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private transport(url: string): Transporter {
    let t = this.transports.get(url);
    if (!t) {
      t = nodemailer.createTransport(
        { url, connectionTimeout: this.timeoutMs, greetingTimeout: this.timeoutMs, socketTimeout: this.timeoutMs },
        { from: this.from },
      );
      this.transports.set(url, t);
    }
    return t;
  }

  async send(url: string, to: string, content: MailContent, messageId: string): Promise<SendResult> {
    const info = (await this.transport(url).sendMail({
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId,
    })) as { accepted?: unknown[]; rejected?: unknown[] };
    return { accepted: info.accepted?.length ?? 0, rejected: info.rejected?.length ?? 0 };
  }

  /** Connects and greets (and authenticates) without sending: `void doctor`. */
  async verify(url: string): Promise<void> {
    await this.transport(url).verify();
  }

  close(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}
