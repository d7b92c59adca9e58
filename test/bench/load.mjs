// Load generator, run as its own process: autocannon with signed, distinct requests, so that de-duplication never
// short-circuits the work. Prints one JSON line: { rps, p50, p99, non2xx, errors, total }.
// Usage: node test/bench/load.mjs
// '{"url":"http://127.0.0.1:3000/slack/events","kind":"slack","secret":"…","connections":20,"duration":5}'
import { createHmac, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

const config = JSON.parse(process.argv[2] ?? '{}');
let n = 0;
const run = randomUUID().slice(0, 8);
// Comment ids start at a random base per run: a measured run after its warm-up sends no body the warm-up sent.
const firstComment = Math.floor(Math.random() * 2 ** 40);

function slack() {
  n += 1;
  const ts = Math.floor(Date.now() / 1000);
  const body = new URLSearchParams({
    token: 'legacy-unused',
    team_id: config.team ?? 'T0ACME001',
    team_domain: 'acme',
    channel_id: 'C0BENCH01',
    channel_name: 'bench',
    user_id: config.user ?? 'U0ALICE01',
    user_name: 'alice',
    command: '/void',
    text: config.text ?? 'status',
    response_url: config.responseUrl ?? 'http://127.0.0.1:9/unused',
    trigger_id: `${run}.${n}.bench`,
    api_app_id: 'A0BENCH01',
  }).toString();
  const signature = `v0=${createHmac('sha256', config.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    },
  };
}

function github() {
  n += 1;
  const payload = {
    action: 'created',
    issue: {
      number: 42,
      title: 'Bench',
      pull_request: { url: 'https://api.github.com/repos/acme/api/pulls/42' },
      user: { login: 'alice' },
    },
    comment: {
      id: firstComment + n,
      body: config.text ?? '/void status',
      user: { login: config.user ?? 'alice', type: 'User' },
    },
    repository: { name: 'api', full_name: 'acme/api', owner: { login: 'acme' } },
    organization: { login: 'acme' },
    installation: { id: config.installation ?? 1001 },
    sender: { login: config.user ?? 'alice', type: 'User' },
  };
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': `${run}-${n}`,
      'x-hub-signature-256': signature,
    },
  };
}

const make = config.kind === 'github' ? github : slack;

const instance = autocannon({
  url: config.url,
  connections: config.connections ?? 20,
  duration: config.duration ?? 5,
  amount: config.amount,
  overallRate: config.overallRate,
  method: 'POST',
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => {
        const signed = make();
        return { ...req, body: signed.body, headers: { ...req.headers, ...signed.headers } };
      },
    },
  ],
});

instance.on('done', (result) => {
  process.stdout.write(
    `${JSON.stringify({
      rps: result.requests.average,
      total: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    })}\n`,
  );
});
