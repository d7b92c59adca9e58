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

/** A file of one of these names (regex sources) in any folder, or a path `alsoMatching` matches; case-insensitive. */
function fileNamed(names: readonly string[], alsoMatching?: string): RegExp {
  const named = String.raw`(^|\/)(${names.join('|')})$`;
  return new RegExp(alsoMatching === undefined ? named : `${named}|${alsoMatching}`, 'i');
}

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
    fileNamed([
      String.raw`package\.json`,
      String.raw`package-lock\.json`,
      String.raw`npm-shrinkwrap\.json`,
      String.raw`yarn\.lock`,
      String.raw`pnpm-lock\.yaml`,
      String.raw`\.npmrc`,
      String.raw`\.yarnrc(\.yml)?`,
    ]),
    'npm manifests and their scripts',
  ],
  [
    fileNamed([
      String.raw`pyproject\.toml`,
      String.raw`setup\.py`,
      String.raw`setup\.cfg`,
      String.raw`requirements[^/]*\.txt`,
      String.raw`Pipfile(\.lock)?`,
      String.raw`poetry\.lock`,
      String.raw`tox\.ini`,
      String.raw`noxfile\.py`,
    ]),
    'Python build manifests',
  ],
  [
    fileNamed(
      [
        String.raw`pom\.xml`,
        String.raw`build\.gradle(\.kts)?`,
        String.raw`settings\.gradle(\.kts)?`,
        String.raw`gradle\.properties`,
        String.raw`gradlew(\.bat)?`,
      ],
      String.raw`(^|\/)gradle\/`, // and any file under a gradle/ folder
    ),
    'JVM build manifests',
  ],
  [
    fileNamed([
      String.raw`Cargo\.toml`,
      String.raw`Cargo\.lock`,
      String.raw`go\.mod`,
      String.raw`go\.sum`,
      String.raw`Gemfile(\.lock)?`,
      String.raw`Rakefile`,
      String.raw`composer\.json`,
      String.raw`composer\.lock`,
      String.raw`[^/]*\.csproj`,
      String.raw`Directory\.Build\.[^/]+`,
    ]),
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
