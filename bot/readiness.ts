// What a web replica answers on /readyz: ready while Redis and the store answer and it is not draining; the
// platforms' credential checks shown beside, degrading the status but never the readiness (every replica shares a
// credential, so taking one replica out would not help).
import type { Handler } from './core/http.js';
import type { PlatformHealth } from './core/health.js';
import { json } from './http/server.js';

export interface ReadinessChecks {
  /** True once shutdown began: load balancers must stop sending requests. */
  draining(): boolean;
  redis(): Promise<unknown>;
  store(): Promise<unknown>;
  platforms(): Promise<Record<string, PlatformHealth>>;
}

export function readinessHandler(checks: ReadinessChecks): Handler {
  return async () => {
    if (checks.draining()) return json(503, { status: 'draining', checks: {} });
    const probe = (ping: Promise<unknown>) =>
      ping.then(
        () => 'ok',
        () => 'unreachable',
      );
    const [redis, store] = await Promise.all([probe(checks.redis()), probe(checks.store())]);
    const results: Record<string, string> = { redis, store };
    const ready = Object.values(results).every((v) => v === 'ok');
    // A platform whose credential fails (a wrong Teams app password) loses every reply there: say so here, but
    // stay ready, since every replica shares the credential and Slack, GitHub and JIRA still work.
    const platforms = await checks.platforms();
    const failing = Object.entries(platforms)
      .filter(([, h]) => h.status === 'failing')
      .map(([name]) => name);
    const status = !ready ? 'not_ready' : failing.length ? 'degraded' : 'ready';
    return json(ready ? 200 : 503, {
      status,
      checks: results,
      ...(Object.keys(platforms).length ? { platforms } : {}),
      ...(failing.length ? { failing } : {}),
    });
  };
}
