// Where the implement agent may write: an allow-list, not a deny-list. Only under the folders the tenant's policy
// allows (by default the conventional source and test folders), and never CI or build configuration, whatever the
// allow-list says: a change to those needs a person and its own approval rule, not an agent.

import { ok, refused, type Outcome } from '../../bot/core/outcome.js';

/** Conventional source and test folders: the default when the approving rule names none (`writePaths`). */
export const DEFAULT_WRITE_PATHS = [
  'src/',
  'lib/',
  'app/',
  'pkg/',
  'internal/',
  'cmd/',
  'test/',
  'tests/',
  'spec/',
  '__tests__/',
  'docs/void-plans/',
] as const;

/** CI, build, ownership and dependency configuration: never written by an agent (any folder depth where it applies). */
const NEVER: ReadonlyArray<[RegExp, string]> = [
  [/(^|\/)\.github\//i, 'GitHub workflows and settings'],
  [/(^|\/)\.gitlab-ci[^/]*$/i, 'GitLab CI'],
  [/(^|\/)\.gitlab\//i, 'GitLab settings'],
  [/(^|\/)\.circleci\//i, 'CircleCI'],
  [/(^|\/)\.buildkite\//i, 'Buildkite'],
  [/(^|\/)azure-pipelines[^/]*\.ya?ml$/i, 'Azure Pipelines'],
  [/(^|\/)\.azure-pipelines\//i, 'Azure Pipelines'],
  [/(^|\/)Jenkinsfile[^/]*$/i, 'Jenkins'],
  [
    /(^|\/)(\.travis\.yml|bitbucket-pipelines\.yml|\.drone\.yml|cloudbuild\.ya?ml|buildspec\.ya?ml|appveyor\.yml)$/i,
    'CI configuration',
  ],
  [/(^|\/)(GNU)?Makefile$|\.mk$/i, 'Makefiles'],
  [
    /(^|\/)(Dockerfile[^/]*|[^/]*\.Dockerfile|docker-compose[^/]*\.ya?ml|compose\.ya?ml|\.dockerignore)$/i,
    'container builds',
  ],
  [
    /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|\.npmrc|\.yarnrc(\.yml)?)$/i, // eslint-disable-line max-len -- a list of file names, one alternation that reads as the list
    'npm manifests and their scripts',
  ],
  [
    /(^|\/)(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.txt|Pipfile(\.lock)?|poetry\.lock|tox\.ini|noxfile\.py)$/i, // eslint-disable-line max-len -- a list of file names, one alternation that reads as the list
    'Python build manifests',
  ],
  [
    /(^|\/)(pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gradle\.properties|gradlew(\.bat)?)$|(^|\/)gradle\//i, // eslint-disable-line max-len -- a list of file names, one alternation that reads as the list
    'JVM build manifests',
  ],
  [
    /(^|\/)(Cargo\.toml|Cargo\.lock|go\.mod|go\.sum|Gemfile(\.lock)?|Rakefile|composer\.json|composer\.lock|[^/]*\.csproj|Directory\.Build\.[^/]+)$/i, // eslint-disable-line max-len -- a list of file names, one alternation that reads as the list
    'build manifests',
  ],
  [/(^|\/)(CODEOWNERS|\.pre-commit-config\.yaml|\.husky\/.*|lefthook\.yml)$/i, 'ownership and hooks'],
  [/(^|\/)void\.ya?ml$|^\.git\//i, "Void's configuration and git internals"],
];

export type Verdict = Outcome<true>;

/** Whether the agent may write `path` under this allow-list (folders ending in "/"). */
export function mayWrite(path: string, allow: readonly string[] = DEFAULT_WRITE_PATHS): Verdict {
  const never = NEVER.find(([re]) => re.test(path));
  if (never) return refused('agent.protected_path', { what: never[1] });
  if (!allow.some((folder) => path.startsWith(folder))) return refused('agent.outside_allowed', { allow });
  return ok(true);
}
