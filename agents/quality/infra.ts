// Infrastructure and pipeline rules: Dockerfiles, Terraform, Kubernetes manifests, GitHub Actions workflows, and
// the transport and framework rules of languages the structural engine does not parse (infra-languages.ts).
// Each rule reads the whole file (at the head commit, or the diff's new side when the file could not be read) and
// names lines; the QualityAgent keeps the ones on changed lines.
import { linesMatching, rule, type FileRule } from './file-rule.js';
import { LANGUAGES, TLS_MESSAGE } from './infra-languages.js';

export const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ['dockerfile', /(^|\/)(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.dockerfile$/i],
  ['terraform', /\.tf$/],
  ['github_actions', /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/],
  ['kubernetes', /\.ya?ml$/],
  ['python', /\.py$/],
  ['go', /\.go$/],
  ['java', /\.(java|kt)$/],
  ['ruby', /\.rb$/],
];

export function familyOf(path: string): string | undefined {
  return FAMILIES.find(([, pattern]) => pattern.test(path))?.[0];
}

const DOCKER: FileRule[] = [
  rule(
    'dockerfile',
    'docker.runs_as_root',
    'high',
    'The image runs as root (no USER, or USER root, in the final stage)',
    'Add a non-root user and `USER app` before the entrypoint.',
    (c) => {
      const lines = c.split('\n');
      const lastFrom =
        lines
          .map((l, i) => (/^\s*FROM\s/i.test(l) ? i : -1))
          .filter((i) => i >= 0)
          .pop() ?? 0;
      const users = lines.map((l, i) => ({ l, i })).filter(({ l, i }) => i >= lastFrom && /^\s*USER\s+/i.test(l));
      const last = users.pop();
      if (!last) return [lastFrom + 1];
      return /^\s*USER\s+(root|0)(:|\s|$)/i.test(last.l) ? [last.i + 1] : [];
    },
  ),
  rule(
    'dockerfile',
    'docker.latest_tag',
    'medium',
    'A base image without a pinned version (`latest` or no tag)',
    'Pin the base image to a version, ideally by digest.',
    (c) =>
      linesMatching(c, /^\s*FROM\s+(?!scratch\b)(?:--\S+\s+)*[^\s:@]+(?::latest)?(?:\s+AS\s+\w+)?\s*$/i).filter(
        (n) => !/\$\{?\w+/.test(c.split('\n')[n - 1] ?? ''),
      ),
  ),
  rule(
    'dockerfile',
    'docker.curl_pipe_shell',
    'high',
    'A script downloaded and piped into a shell',
    'Download, verify a checksum or signature, then run.',
    (c) => linesMatching(c, /\b(curl|wget)\b[^|\n]*\|\s*(ba|z)?sh\b/),
  ),
  rule(
    'dockerfile',
    'docker.copy_before_install',
    'low',
    'The whole context is copied before dependencies are installed (every change busts the cache, ' +
      'and secrets in the context land in a layer)',
    'Copy the manifest and lockfile first, install, then copy the rest; keep a .dockerignore.',
    (c) => {
      const lines = c.split('\n');
      const copyAll = lines.findIndex((l) => /^\s*(COPY|ADD)\s+(--\S+\s+)*\.\s+\.?\/?\S*\s*$/i.test(l));
      const install = lines.findIndex(
        (l, i) =>
          i > copyAll &&
          /\b(npm (ci|install)|yarn install|pnpm install|pip install|bundle install|go mod download)\b/.test(l),
      );
      return copyAll >= 0 && install > copyAll ? [copyAll + 1] : [];
    },
  ),
];

const ADMIN_PORTS = new Set([22, 3389, 5432, 3306, 1433, 1521, 27017, 6379, 9200, 5984, 11211, 2375, 2379]);

/** An ingress block or a security group rule resource, opened (group 1), and its body (group 2): nested blocks one
 *  level deep, up to the closing brace. */
const INGRESS_OPENING = String.raw`(ingress\s*\{|resource\s+"aws_(?:vpc_)?security_group(?:_ingress)?_rule"[^{]*\{)`;
const BLOCK_BODY = String.raw`([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}`;

const TERRAFORM: FileRule[] = [
  rule(
    'terraform',
    'terraform.open_admin_port',
    'critical',
    'Ingress open to the whole internet (0.0.0.0/0 or ::/0) on an admin or database port',
    'Restrict the source to known networks, or reach the service through a bastion, VPN or private link.',
    (c) => {
      const out: number[] = [];
      const blocks = [...c.matchAll(new RegExp(INGRESS_OPENING + BLOCK_BODY, 'g'))];
      for (const block of blocks) {
        const body = block[2] ?? '';
        if (/egress/.test(block[1] ?? '') || /type\s*=\s*"egress"/.test(body) || !/(0\.0\.0\.0\/0|::\/0)/.test(body))
          continue;
        const from = Number(/from_port\s*=\s*(\d+)/.exec(body)?.[1] ?? NaN);
        const to = Number(/to_port\s*=\s*(\d+)/.exec(body)?.[1] ?? from);
        if ([...ADMIN_PORTS].some((p) => p >= from && p <= to) || (from === 0 && to >= 65535)) {
          const offset = (block.index ?? 0) + (block[0].search(/0\.0\.0\.0\/0|::\/0/) || 0);
          out.push(c.slice(0, offset).split('\n').length);
        }
      }
      return out;
    },
  ),
  rule(
    'terraform',
    'terraform.publicly_accessible',
    'critical',
    'A database reachable from the internet (publicly_accessible = true)',
    'Keep databases in private subnets with publicly_accessible = false.',
    (c) => linesMatching(c, /publicly_accessible\s*=\s*true/),
  ),
  rule(
    'terraform',
    'terraform.public_bucket',
    'high',
    'A storage bucket readable or writable by anyone',
    'Use a private ACL and block public access.',
    (c) =>
      linesMatching(
        c,
        /acl\s*=\s*"public-read(-write)?"|block_public_(acls|policy)\s*=\s*false|"Principal"\s*:\s*"\*"/,
      ),
  ),
  rule(
    'terraform',
    'terraform.unencrypted_storage',
    'medium',
    'Storage explicitly not encrypted at rest',
    'Turn encryption at rest on (storage_encrypted / encrypted = true, with a KMS key).',
    (c) => linesMatching(c, /\b(storage_encrypted|encrypted)\s*=\s*false/),
  ),
];

const KUBERNETES: FileRule[] = [
  rule(
    'kubernetes',
    'k8s.privileged',
    'high',
    'A privileged container, or one sharing the host network or PIDs',
    'Drop privileged/hostNetwork/hostPID; grant only the capabilities needed.',
    (c) =>
      isK8s(c)
        ? linesMatching(c, /^\s*(privileged|hostNetwork|hostPID|hostIPC|allowPrivilegeEscalation)\s*:\s*true\b/)
        : [],
  ),
  rule(
    'kubernetes',
    'k8s.runs_as_root',
    'high',
    'A container set to run as root',
    'Set runAsNonRoot: true and a non-zero runAsUser.',
    (c) => (isK8s(c) ? linesMatching(c, /^\s*(runAsUser\s*:\s*0\b|runAsNonRoot\s*:\s*false\b)/) : []),
  ),
  rule(
    'kubernetes',
    'k8s.no_resource_limits',
    'medium',
    'A container without resource limits',
    'Set resources.limits (memory, cpu) on every container.',
    (c) => {
      if (!isK8s(c) || /^\s*limits\s*:/m.test(c)) return [];
      return linesMatching(c, /^\s*containers\s*:/);
    },
  ),
];

function isK8s(content: string): boolean {
  return (
    /^\s*apiVersion\s*:/m.test(content) &&
    /^\s*kind\s*:\s*(Pod|Deployment|StatefulSet|DaemonSet|Job|CronJob|ReplicaSet)\b/m.test(content)
  );
}

/** `${{ github.event.issue… }}`, `${{ github.head_ref }}`: text from outside (titles, bodies, branch names…). */
const OUTSIDER_EVENTS = ['issue', 'pull_request', 'comment', 'review', 'head_commit', 'commits', 'discussion', 'pages'];
const OUTSIDER_TEXT = new RegExp(String.raw`\$\{\{\s*github\.(event\.(${OUTSIDER_EVENTS.join('|')})|head_ref)`);

const ACTIONS: FileRule[] = [
  rule(
    'github_actions',
    'actions.pull_request_target_checkout',
    'critical',
    '`pull_request_target` checks out the pull request head: untrusted code runs with the repository secrets',
    'Use `pull_request`, or never check out or run the head in a `pull_request_target` job.',
    (c) =>
      /^\s*pull_request_target\s*:|on\s*:\s*\[?[^\n]*pull_request_target/m.test(c)
        ? linesMatching(c, /github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|refs\/pull\/.*\/merge/)
        : [],
  ),
  rule(
    'github_actions',
    'actions.unpinned_action',
    'medium',
    'A third-party action not pinned to a commit SHA',
    'Pin the action to a full commit SHA (with the version in a comment).',
    (c) =>
      linesMatching(
        c,
        /^\s*(-\s*)?uses\s*:\s*(?!actions\/|github\/|\.\/|docker:\/\/)[\w.-]+\/[\w./-]+@(?![0-9a-f]{40}\b)/,
      ),
  ),
  rule(
    'github_actions',
    'actions.script_injection',
    'high',
    '`${{ github.event.* }}` interpolated into a run script (script injection)',
    'Pass the value through an environment variable (`env: TITLE: ${{ … }}`) and quote "$TITLE" in the script.',
    (c) => {
      const lines = c.split('\n');
      const out: number[] = [];
      let inRun = -1;
      lines.forEach((l, i) => {
        const indent = l.search(/\S/);
        const key = /^(\s*(?:-\s*)?)\w/.exec(l)?.[1]?.length ?? indent;
        if (/^\s*(-\s*)?run\s*:/.test(l)) inRun = key;
        else if (inRun >= 0 && indent >= 0 && key <= inRun) inRun = -1;
        if (inRun >= 0 && OUTSIDER_TEXT.test(l)) out.push(i + 1);
      });
      return out;
    },
  ),
];

export const FILE_RULES: readonly FileRule[] = [...DOCKER, ...TERRAFORM, ...KUBERNETES, ...ACTIONS, ...LANGUAGES];

/** TLS verification turned off for Node, for git (`sslVerify false`), for curl (`-k`, `--insecure`). */
const TLS_CHECK_OFF = new RegExp(
  [
    String.raw`NODE_TLS_REJECT_UNAUTHORIZED['"]?\s*[=:]\s*['"]?0`,
    String.raw`sslVerify\s*(=|\s)\s*false`,
    String.raw`\bcurl\b[^\n]*\s(-k|--insecure)\b`,
  ].join('|'),
);

/** Lines any text file may carry: NODE_TLS_REJECT_UNAUTHORIZED=0 in a Dockerfile, a compose file, a CI job, .env. */
export const ANY_FILE_RULES: readonly FileRule[] = [
  rule(
    'any',
    'risky.tls_disabled',
    'high',
    TLS_MESSAGE,
    'Remove NODE_TLS_REJECT_UNAUTHORIZED=0 / sslVerify false; trust a private CA with NODE_EXTRA_CA_CERTS instead.',
    (c, path) => (/\.(m?[jt]sx?|cjs)$/.test(path) ? [] : linesMatching(c, TLS_CHECK_OFF)),
  ),
];

export function fileRulesFor(path: string): FileRule[] {
  const families = FAMILIES.filter(([, pattern]) => pattern.test(path)).map(([family]) => family);
  const scoped = families.includes('github_actions') ? families.filter((f) => f !== 'kubernetes') : families;
  return [...FILE_RULES.filter((r) => scoped.includes(r.family)), ...ANY_FILE_RULES];
}
