// Teams' part of the configuration checks: the local-emulator mode turns inbound authentication off, so it is only
// allowed where nobody else can reach it (a loopback HOST) and where no real bot registration could be spoken for
// (no MICROSOFT_APP_ID).
import type { Env } from './env.js';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/** Problems that must stop Void from starting, each with what to do instead. */
export function checkTeamsConfig(env: Env): string[] {
  if (!env.TEAMS_EMULATOR_MODE) return [];
  const problems: string[] = [];
  if (!isLoopbackHost(env.HOST)) {
    problems.push(
      `TEAMS_EMULATOR_MODE=true turns Teams authentication off, but HOST is "${env.HOST}": ` +
        `anyone who can reach /api/messages could act as any Teams user. Set HOST=127.0.0.1 for the local Bot ` +
        `Framework Emulator, or unset TEAMS_EMULATOR_MODE.`,
    );
  }
  if (env.MICROSOFT_APP_ID) {
    problems.push(
      'TEAMS_EMULATOR_MODE=true cannot be used with MICROSOFT_APP_ID set: the emulator needs no app id, ' +
        'and a real bot must never run unauthenticated. Unset one of them.',
    );
  }
  return problems;
}
