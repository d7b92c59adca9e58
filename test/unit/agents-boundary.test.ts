// The implement agent's write boundary is an allow-list: only under the folders the policy allows, and never CI or
// build configuration (the paths a prefix deny-list used to miss are listed here one by one).
import { describe, expect, it } from 'vitest';
import { DEFAULT_WRITE_PATHS, mayWrite } from '../../agents/code/boundary.js';

describe('write boundary', () => {
  it('allows source and test folders by default', () => {
    for (const path of ['src/orders/limit.ts', 'test/orders/limit.test.ts', 'lib/x.rb', 'tests/test_x.py'])
      expect(mayWrite(path), path).toEqual({ ok: true, value: true });
  });

  it('refuses CI and build configuration wherever it sits, even inside an allowed folder', () => {
    const never = [
      '.github/workflows/deploy.yml',
      '.gitlab-ci.yml',
      '.circleci/config.yml',
      '.buildkite/pipeline.yml',
      'azure-pipelines.yml',
      'Jenkinsfile',
      'Makefile',
      'src/Makefile',
      'Dockerfile',
      'src/api/Dockerfile',
      'docker-compose.yml',
      'package.json',
      'src/package.json',
      'pyproject.toml',
      'build.gradle',
      'go.mod',
      'CODEOWNERS',
      'void.yaml',
    ];
    for (const path of never) expect(mayWrite(path, ['', ...DEFAULT_WRITE_PATHS]).ok, path).toBe(false);
    expect(mayWrite('.buildkite/pipeline.yml')).toMatchObject({
      ok: false,
      refusal: {
        code: 'agent.protected_path',
        message: 'Buildkite: CI, build and ownership configuration is never written by an agent',
      },
    });
  });

  it('refuses anything outside the allow-list, and the policy can name other folders', () => {
    expect(mayWrite('README.md')).toMatchObject({
      ok: false,
      refusal: {
        code: 'agent.outside_allowed',
        message: `outside the folders the policy allows (${DEFAULT_WRITE_PATHS.join(', ')})`,
      },
    });
    expect(mayWrite('scripts/release.sh').ok).toBe(false);
    expect(mayWrite('packages/api/src/x.ts', ['packages/api/']).ok).toBe(true);
    expect(mayWrite('src/x.ts', ['packages/api/']).ok).toBe(false);
  });
});
