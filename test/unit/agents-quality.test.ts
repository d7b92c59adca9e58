import { describe, expect, it } from 'vitest';
import { QualityAgent } from '../../agents/quality/quality.agent.js';
import { luhnValid } from '../../agents/quality/policy.js';
import { redactSecrets } from '../../agents/quality/secrets.js';
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import { fixture, type PullRequestFixture } from '../helpers/agents.js';
import {
  ANTHROPIC_KEY_IN_CODE,
  AWS_ACCESS_KEY,
  GITHUB_TOKEN,
  OPENAI_KEY_IN_CODE,
  PEM_BODY_RSA,
  pemEnd,
  PRIVATE_KEY_HEADER,
  SLACK_TOKEN_IN_CODE,
} from '../fixtures/fake-secrets.js';

function added(path: string, lines: string[]): ChangedFile {
  return {
    path,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}

describe('QualityAgent', async () => {
  it('finds the four planted problems of the fixture on the right lines, and nothing else', async () => {
    const { files } = fixture<PullRequestFixture>('pr-planted.json');
    const findings = await new QualityAgent().analyse(files);
    expect(findings.map((f) => [f.ruleId, f.path, f.line, f.severity])).toEqual([
      ['secret.aws_access_key', 'src/orders/repository.ts', 4, 'critical'],
      ['risky.sql_concatenation', 'src/orders/repository.ts', 8, 'high'],
      ['tests.missing', 'src/orders/repository.ts', 2, 'medium'],
      ['debug.console', 'src/orders/repository.ts', 7, 'low'],
    ]);
    for (const f of findings) expect(f.fixHint.length).toBeGreaterThan(10);
  });

  it(
    'recognises the token formats of GitHub, Slack, OpenAI, ' + 'Anthropic, private keys and high-entropy literals',
    async () => {
      const file = added('src/config.ts', [
        `const gh = '${GITHUB_TOKEN}';`,
        `const slack = '${SLACK_TOKEN_IN_CODE}';`,
        `const openai = '${OPENAI_KEY_IN_CODE}';`,
        `const claude = '${ANTHROPIC_KEY_IN_CODE}';`,
        PRIVATE_KEY_HEADER,
        PEM_BODY_RSA,
        pemEnd('RSA'),
        "const apiToken = 'q8Zr2LmX9vTn4KpW7sYb3HdJ6fGc1Ae5';",
        "const greeting = 'hello world, this is a plain sentence';",
      ]);
      const rules = (await new QualityAgent().analyse([file, added('test/config.test.ts', ['it()'])])).map(
        (f) => `${f.line}:${f.ruleId}`,
      );
      expect(rules).toEqual([
        '1:secret.github_token',
        '2:secret.slack_token',
        '3:secret.openai_key',
        '4:secret.anthropic_key',
        '5:secret.private_key',
        '8:secret.generic_credential',
      ]);
    },
  );

  it('flags eval and shell commands built from input, but not safe calls', async () => {
    const file = added('src/run.ts', [
      'eval(userInput);',
      'execSync(`git log ${branch}`);',
      "execFile('git', ['log', branch]);",
      "db.query('SELECT * FROM t WHERE id = $1', [id]);",
    ]);
    const rules = (await new QualityAgent().analyse([file, added('src/run.test.ts', ['it()'])])).map(
      (f) => `${f.line}:${f.ruleId}`,
    );
    expect(rules).toEqual(['1:risky.eval', '2:risky.shell_injection']);
  });

  it('applies the policy packs only when the tenant enables them', async () => {
    const file = added('src/checkout.ts', [
      "const testCard = '4111 1111 1111 1111';",
      'const patient = { ssn: input.ssn, mrn };',
      "const sample = '123-45-6789';",
    ]);
    const tests = added('src/checkout.test.ts', ['it()']);
    expect(await new QualityAgent().analyse([file, tests])).toEqual([]);
    const rules = (await new QualityAgent(['healthcare', 'ecommerce']).analyse([file, tests])).map(
      (f) => `${f.line}:${f.ruleId}`,
    );
    expect(rules).toEqual(['1:policy.card_number', '3:policy.phi_identifier', '2:policy.phi_field']);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('does not ask for tests when a test changed, or when only docs changed', async () => {
    expect(
      await new QualityAgent().analyse([added('src/a.ts', ['export const a = 1;']), added('src/a.spec.ts', ['it()'])]),
    ).toEqual([]);
    expect(await new QualityAgent().analyse([added('docs/a.md', ['# a'])])).toEqual([]);
  });

  it('redacts secrets from text', async () => {
    expect(redactSecrets(`key ${AWS_ACCESS_KEY} here`)).toBe('key [secret removed] here');
  });
});
