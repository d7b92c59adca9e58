// The review engine's parts: secret spans usable for redaction, structural findings only on changed lines,
// heuristic ("verify") findings that never block, lockfiles and documented non-secrets skipped.
import { describe, expect, it } from 'vitest';
import { mergeReview } from '../../agents/code/review.js';
import type { ReviewContext } from '../../agents/context/context.agent.js';
import { QualityAgent } from '../../agents/quality/quality.agent.js';
import { redactRequest } from '../../agents/llm/prompt.js';
import { redactSpans, redactText, scanSecrets } from '../../agents/quality/secrets.js';
import { triageAnswerSchema } from '../../agents/code/schemas.js';
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import {
  AWS_ACCESS_KEY,
  GITHUB_TOKEN_PLACEHOLDER,
  GITHUB_TOKEN_PREFIX,
  GITHUB_TOKEN_REDACTED,
  PEM_BODY_EC,
  pemBegin,
  pemEnd,
} from '../fixtures/fake-secrets.js';

const KEY = AWS_ACCESS_KEY;
const TOKEN = GITHUB_TOKEN_REDACTED;

describe('secret engine', () => {
  it('returns spans (line, start, end, kind) that cover exactly the value, and never the value itself', async () => {
    const text = `first line\nconst id = '${KEY}'; const gh = "${TOKEN}";\n`;
    const spans = await scanSecrets(text, 'src/a.ts');
    expect(spans.map(({ kind, line, start, end }) => ({ kind, line, start, end }))).toEqual([
      { kind: 'aws_access_key', line: 2, start: 12, end: 32 },
      { kind: 'github_token', line: 2, start: 47, end: 87 },
    ]);
    expect(spans.map((s) => text.slice(s.index, s.endIndex))).toEqual([KEY, TOKEN]);
    expect(JSON.stringify(spans)).not.toContain(KEY);
  });

  it(
    'redaction names the kind and keeps the line structure of ' +
      'a diff (a PEM block keeps its line breaks and prefixes)',
    async () => {
      const hunk = [
        '@@ -0,0 +1,5 @@',
        '+const k = `',
        `+${pemBegin('EC')}`,
        `+${PEM_BODY_EC}`,
        `+${pemEnd('EC')}\`;`,
        `+const gh = '${TOKEN}';`,
      ].join('\n');
      const { text, kinds } = await redactText(hunk);
      expect(kinds.sort()).toEqual(['github_token', 'private_key']);
      expect(text.split('\n')).toHaveLength(hunk.split('\n').length);
      expect(text).toContain("+const gh = '<redacted github_token>';");
      expect(text).toContain('+<redacted private_key>');
      expect(text).not.toContain(PEM_BODY_EC.slice(0, 8));
      expect(text).not.toContain(GITHUB_TOKEN_PREFIX);
      expect(redactSpans('abc', [])).toBe('abc');
    },
  );

  it(
    'every data block of every prompt (implement, triage, review) is redacted; ' + 'the instructions are left alone',
    async () => {
      const request = {
        task: 'implement' as const,
        instructions: 'Implement the ticket.',
        schema: triageAnswerSchema,
        schemaName: 'x',
        data: [
          { label: 'ticket', text: `Use ${KEY} for S3` },
          { label: 'comment', text: `token ${TOKEN}` },
        ],
      };
      const redacted = await redactRequest(request);
      expect(redacted.data.map((d) => d.text)).toEqual([
        'Use <redacted aws_access_key> for S3',
        'token <redacted github_token>',
      ]);
      expect(redacted.instructions).toBe('Implement the ticket.');
      expect(request.data[0]?.text).toContain(KEY); // the caller's request is not changed
    },
  );

  it('skips documented examples, placeholders, IAM unique ids, references, and lockfiles altogether', async () => {
    const text = [
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'role = "AROA3XFRBF535PLBIFPI4"',
      `GITHUB_TOKEN=${GITHUB_TOKEN_PLACEHOLDER}`,
      'password: ${DB_PASSWORD}',
      "SESSION_TOKEN_CACHE_PREFIX = 'user-session-token-cache-v2'",
    ].join('\n');
    expect(await scanSecrets(text, 'docs/setup.md')).toEqual([]);
    expect(await scanSecrets(`"resolved": "https://x", "token": "${TOKEN}"`, 'package-lock.json')).toEqual([]);
  });

  it(
    'scans adversarial input (a minified line of credential-like words, ' +
      'headers without an end) without catastrophic backtracking',
    async () => {
      // Before the quantifiers were bounded, the first of these did not finish within minutes.
      expect(await scanSecrets('token_token_'.repeat(20_000), 'dist/app.min.js')).toEqual([]);
      expect(await scanSecrets(`${pemBegin('')}\nAAAA\n`.repeat(2_000), 'keys.txt')).toEqual([]);
    },
    15_000,
  );
});

function modified(path: string, patch: string): ChangedFile {
  return {
    path,
    status: 'modified',
    additions: patch.split('\n').filter((l) => l.startsWith('+')).length,
    deletions: 0,
    patch,
  };
}

describe('structural rules', () => {
  const content = [
    'const a = 1;',
    'const sql = `SELECT *',
    '  FROM orders',
    "  WHERE id = '${id}'`;",
    'const b = 2;',
    '',
  ].join('\n');

  it('report a multi-line SQL injection when one of its lines changed, on that line', async () => {
    const file = modified(
      'src/q.ts',
      '@@ -1,4 +1,4 @@\n const a = 1;\n const sql = `SELECT *\n   FROM orders\n-  WHERE id = $1`;\n+  WHERE id = ' +
        "'${id}'`;",
    );
    const findings = await new QualityAgent().analyse(
      [file, modified('src/q.test.ts', '@@ -1 +1 @@\n+it()')],
      new Map([['src/q.ts', content]]),
    );
    expect(findings.map((f) => `${f.line}:${f.ruleId}`)).toEqual(['4:risky.sql_concatenation']);
  });

  it('stay silent when the problem is only on lines the pull request did not change', async () => {
    const file = modified(
      'src/q.ts',
      "@@ -3,3 +3,3 @@\n   FROM orders\n   WHERE id = '${id}'`;\n-const b = 1;\n+const b = 2;",
    );
    expect(
      await new QualityAgent().analyse(
        [file, modified('src/q.test.ts', '@@ -1 +1 @@\n+it()')],
        new Map([['src/q.ts', content]]),
      ),
    ).toEqual([]);
  });
});

describe('verdicts', () => {
  const context = (files: ChangedFile[]): ReviewContext => ({
    pr: {
      repo: { owner: 'a', name: 'b' },
      number: 1,
      title: 't',
      body: '',
      author: 'x',
      headSha: 'h',
      headRef: 'r',
      baseRef: 'main',
      draft: false,
      url: 'u',
    },
    files,
    chunks: [],
    omitted: [{ path: 'big.ts', reason: 'over budget' }],
    conventions: [],
    tokens: 0,
  });

  it(
    'heuristic findings are marked "verify" and never request changes; ' +
      'the offline review never mentions the model context',
    async () => {
      const file = modified(
        'src/cfg.ts',
        '@@ -1 +1,2 @@\n+const dbPassword = "s3cR3t!Pa55w0rd#2024";\n+const sql = `SELECT * FROM ${TABLE} WHERE id ' +
          '= $1`;',
      );
      const { findings } = await new QualityAgent().review([file, modified('src/cfg.test.ts', '@@ -1 +1 @@\n+it()')]);
      expect(findings.map((f) => `${f.ruleId}:${f.confidence}`)).toEqual([
        'secret.generic_credential:verify',
        'risky.sql_interpolation:verify',
      ]);
      const outcome = mergeReview(
        context([file]),
        findings,
        { summary: 'offline', verdict: 'comment', findings: [] },
        undefined,
        'no model',
        ['Secrets …'],
      );
      expect(outcome.verdict).toBe('comment');
      expect(outcome.body).toContain('(verify)');
      expect(outcome.body).not.toContain('Not shown to the model');
      const withModel = mergeReview(
        context([file]),
        findings,
        { summary: 's', verdict: 'comment', findings: [] },
        { provider: 'p', model: 'm' },
      );
      expect(withModel.body).toContain('Not shown to the model (1)');
    },
  );

  it('a high-confidence finding requests changes', async () => {
    const file = modified('src/cfg.ts', `@@ -1 +1 @@\n+const gh = "${TOKEN}";`);
    const { findings } = await new QualityAgent().review([file, modified('src/cfg.test.ts', '@@ -1 +1 @@\n+it()')]);
    expect(mergeReview(context([file]), findings, { summary: 's', verdict: 'comment', findings: [] }).verdict).toBe(
      'request_changes',
    );
  });
});
