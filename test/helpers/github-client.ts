// Set-up shared by the GitHub client tests (github-client*.test.ts): the tenants, one repository, the App's
// credentials against the nock-intercepted API, and a pull request as GitHub answers it.
import { parseTenantsYaml } from '../../bot/config/load.js';
import { TenantRegistry } from '../../bot/core/registry.js';
import { createLogger } from '../../bot/logger.js';
import { GithubClient } from '../../integrations/github/client.js';
import type { OctokitTuning } from '../../integrations/github/octokit.js';
import { appPrivateKey, FAST_TUNING, GITHUB_API } from './github.js';
import { GITHUB_TENANTS } from './github-app.js';
export const registry = new TenantRegistry(parseTenantsYaml(GITHUB_TENANTS, 'test.yaml'));
export const repo = { owner: 'acme', name: 'api' };
export const creds = { appId: 4242, privateKey: appPrivateKey(), baseUrl: GITHUB_API };

export function client(tuning: OctokitTuning = FAST_TUNING, log = createLogger({ level: 'silent' })): GithubClient {
  return new GithubClient(creds, registry, log, tuning);
}

export const pr = {
  number: 7,
  title: 'Add retries',
  body: null,
  user: { login: 'alice' },
  head: { sha: 'a'.repeat(40), ref: 'feature' },
  base: { ref: 'main' },
  draft: false,
  html_url: 'https://github.test/acme/api/pull/7',
};
