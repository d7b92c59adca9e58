// The local git repository as the `vcs` port when GitHub is not configured: in the console, the current directory's
// repository (or VOID_LOCAL_REPO); when serving, only a repository named by VOID_LOCAL_REPO. The entry point adds
// this module only to a build whose GitHub module has no App credentials (one build has one VCS).
import { VoidError } from '../../bot/core/errors.js';
import type { VoidModule } from '../../bot/core/module.js';
import { LocalGitVcs } from './client.js';

export interface LocalGitModule extends VoidModule {
  /** The repository opened in set-up, if any. */
  repository(): LocalGitVcs | undefined;
}

/** `required`: a `dir` that is not inside a git repository stops the start (VOID_LOCAL_REPO names one). */
export function localGitModule(options: {
  readonly dir: string | undefined;
  readonly required: boolean;
}): LocalGitModule {
  let local: LocalGitVcs | undefined;
  return {
    name: 'local-git',
    provides: ['vcs'],
    repository: () => local,
    async setup(ctx) {
      const { dir, required } = options;
      if (!dir) return {};
      local = await LocalGitVcs.open(dir);
      if (!local) {
        if (required)
          throw new VoidError(
            'config.local_repo',
            `VOID_LOCAL_REPO is "${dir}", which is not inside a git repository (or git is not installed).`,
          );
        ctx.log.info(
          { dir },
          'no GitHub App and no local git repository here: review and deploy jobs will say they cannot reach a ' +
            'repository',
        );
        return {};
      }
      ctx.log.info(
        { repository: local.dir },
        'no GitHub App: using the local git repository for reviews and deployments',
      );
      return { provides: { vcs: local } };
    },
  };
}
