// GitHub identities by numeric user id (issue 14 item 4). A login can be renamed, and the freed login registered by
// someone else, who would then inherit the member's identity; the numeric user id never changes. Login-only entries
// of the tenants file still work, but `void check-config` and `void doctor` warn about each, and
// `void doctor --resolve-github-ids` looks the ids up (GET /users/{login}) and prints the entries to paste.
import type { Writable } from 'node:stream';
import { refused, type Refused } from '../core/outcome.js';
import { parseGithubIdentity } from '../core/registry.js';
import type { Tenant } from '../core/types.js';

export const DEFAULT_GITHUB_API = 'https://api.github.com';

interface LoginOnly {
  readonly tenant: Tenant;
  readonly memberId: string;
  readonly login: string;
}

function loginOnlyEntries(tenants: readonly Tenant[]): LoginOnly[] {
  return tenants.flatMap((tenant) =>
    tenant.members.flatMap((m) =>
      (m.identities.github ?? [])
        .map(parseGithubIdentity)
        .filter((i) => !i.id)
        .map((i) => ({ tenant, memberId: m.id, login: i.login })),
    ),
  );
}

/** One warning per tenant that names GitHub members by login only (shown by check-config and doctor). */
export function githubLoginWarnings(tenants: readonly Tenant[]): string[] {
  const byTenant = new Map<string, string[]>();
  for (const e of loginOnlyEntries(tenants))
    byTenant.set(e.tenant.id, [...(byTenant.get(e.tenant.id) ?? []), `${e.memberId} (${e.login})`]);
  return [...byTenant].map(
    ([tenant, list]) =>
      `tenant ${tenant}: GitHub identities given by login only: ${list.join(', ')}. A renamed login can be ` +
      `registered by someone else, who would then act as that member. Give the numeric id, github: { id: 583231, ` +
      `login: alice }; \`void doctor --resolve-github-ids\` prints them.`,
  );
}

type Fetch = typeof fetch;

/** Looks each login-only identity up and prints the entry to paste; resolves the exit code (1 if any lookup failed). */
export async function resolveGithubIds(
  tenants: readonly Tenant[],
  out: Writable,
  options: { apiUrl?: string | undefined; fetch?: Fetch } = {},
): Promise<number> {
  const entries = loginOnlyEntries(tenants);
  if (!entries.length) {
    out.write('Every GitHub identity in the tenants file already has its numeric id.\n');
    return 0;
  }
  const base = (options.apiUrl ?? DEFAULT_GITHUB_API).replace(/\/+$/, '');
  const fetcher = options.fetch ?? fetch;
  let failed = 0;
  for (const e of entries) {
    const line = await lookup(fetcher, base, e.login).catch((err: unknown) =>
      refused('github_ids.unreachable', { error: (err as Error).name }),
    );
    if (line.ok)
      out.write(`tenant ${e.tenant.id}, member ${e.memberId}:  github: { id: ${line.id}, login: ${line.login} }\n`);
    else {
      failed += 1;
      out.write(`tenant ${e.tenant.id}, member ${e.memberId}: ${e.login}: ${line.refusal.message}\n`);
    }
  }
  out.write("Paste each entry in place of the login under the member's identities, then run `void check-config`.\n");
  return failed ? 1 : 0;
}

async function lookup(
  fetcher: Fetch,
  base: string,
  login: string,
): Promise<{ ok: true; id: number; login: string } | Refused> {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/.test(login)) return refused('github_ids.not_a_login');
  const res = await fetcher(`${base}/users/${encodeURIComponent(login)}`, {
    headers: { accept: 'application/vnd.github+json', 'user-agent': 'void-doctor' },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return refused('github_ids.no_such_user');
  if (!res.ok) return refused('github_ids.bad_status', { status: res.status });
  const body = (await res.json()) as { id?: unknown; login?: unknown };
  if (typeof body.id !== 'number' || typeof body.login !== 'string') return refused('github_ids.no_id');
  return { ok: true, id: body.id, login: body.login };
}
