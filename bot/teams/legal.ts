// The privacy statement and terms of use that the Teams app manifest links to (Teams shows them on the app's page
// and refuses a package without them). An operator's own pages win: TEAMS_PRIVACY_URL / TEAMS_TERMS_URL are put in
// the manifest and /privacy, /terms redirect there. Otherwise Void serves a plain page that says what it records.
import type { Env } from '../config/env.js';
import type { HttpResponse, HttpServer } from '../http/server.js';

const PRIVACY = [
  'What Void records',
  'Void is a chat bot run by your organisation. When you talk to it in Microsoft Teams (or Slack, GitHub, JIRA), ' +
    'it receives your message, your Teams user id and name, and the conversation it was sent in.',
  'It keeps, for your organisation only: the commands you give, the approvals you decide and the jobs they ' +
    "start, in a tamper-evident audit trail that your organisation's administrators and compliance officers can " +
    'read and export; and where to post replies in the conversation.',
  'Message text other than commands addressed to Void is not stored. Code, tickets and diffs that Void reviews ' +
    'may be sent to the AI model providers your organisation configured, with secrets removed first.',
  'Nothing is sold or shared with anyone else. How long records are kept is set by your organisation (audit ' +
    "retention). To see, export or correct what is recorded about you, ask your organisation's Void administrator.",
];

const TERMS = [
  'Terms of use',
  "Void is operated by your organisation for its own members. Use it as your organisation's policies say; " +
    "risky actions (deploys, code changes) run only after the approvals your organisation's policy requires, " +
    'and every step is recorded in an audit trail.',
  "Void is provided as is, by your organisation. Questions and requests go to your organisation's Void administrator.",
];

function page(lines: readonly string[]): HttpResponse {
  const [title = '', ...paragraphs] = lines;
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Void: ${escape(title)}</title><meta ` +
    `name="viewport" content="width=device-width"></head><body><main>` +
    `<h1>${escape(title)}</h1>${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('')}</main></body></html>`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'cache-control': 'public, max-age=3600',
    },
    body,
  };
}

const redirect = (url: string): HttpResponse => ({
  status: 302,
  headers: { location: url, 'cache-control': 'no-store' },
  body: '',
});

export function legalPages(http: HttpServer, env: Env): void {
  http.route('GET', '/privacy', () => (env.TEAMS_PRIVACY_URL ? redirect(env.TEAMS_PRIVACY_URL) : page(PRIVACY)));
  http.route('GET', '/terms', () => (env.TEAMS_TERMS_URL ? redirect(env.TEAMS_TERMS_URL) : page(TERMS)));
}
