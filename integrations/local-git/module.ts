// Chooses the local git repository as the VCS when GitHub is not configured: in the console, the current
// directory's repository (or VOID_LOCAL_REPO); when serving, only a repository named by VOID_LOCAL_REPO.
import { VoidError } from '../../bot/core/errors.js';
import type { SharedPorts } from '../../bot/core/module.js';
import type { Logger } from '../../bot/core/logger.js';
import { LocalGitVcs } from './client.js';

export async function attachLocalRepository(
  ports: SharedPorts,
  dir: string | undefined,
  log: Logger,
  required: boolean,
): Promise<LocalGitVcs | undefined> {
  if (ports.vcs || !dir) return undefined;
  const local = await LocalGitVcs.open(dir);
  if (!local) {
    if (required)
      throw new VoidError(
        'config.local_repo',
        `VOID_LOCAL_REPO is "${dir}", which is not inside a git repository (or git is not installed).`,
      );
    log.info(
      { dir },
      'no GitHub App and no local git repository here: review and deploy jobs will say they cannot reach a repository',
    );
    return undefined;
  }
  ports.vcs = local;
  log.info({ repository: local.dir }, 'no GitHub App: using the local git repository for reviews and deployments');
  return local;
}
