// The `github` section of a tenant in the tenants file (owned by the GitHub integration): which repositories get
// an automatic review on which pull request events, and how Void answers commands typed in plain issues.
import { z } from 'zod';

export const AUTO_REVIEW_EVENTS = ['opened', 'reopened', 'ready_for_review', 'synchronize'] as const;

const repoGlob = z
  .string()
  .regex(
    /^[A-Za-z0-9*?._-]+\/[A-Za-z0-9*?._-]+$/,
    'expected an "owner/repository" pattern such as acme/* or acme/payments-*',
  );

const autoReviewRule = z
  .object({
    /** `owner/name` patterns: `*` matches any characters but "/", `?` one character; case-insensitive. */
    repos: z.array(repoGlob).min(1, 'name at least one repository pattern'),
    /** Pull request events that start a review (default: all four). */
    events: z
      .array(z.enum(AUTO_REVIEW_EVENTS))
      .min(1)
      .default([...AUTO_REVIEW_EVENTS]),
    /** Draft pull requests are reviewed once they are marked ready (default true). */
    skipDrafts: z.boolean().default(true),
    /** Pull requests opened by bots (Dependabot, Renovate, Void itself) are not reviewed (default true). */
    skipBots: z.boolean().default(true),
    /**
     * A GitHub login linked to a member of this tenant (e.g. a review service account) that requests the review
     * when the person who opened or pushed is not a member. Without it, such events start no review.
     */
    as: z.string().min(1).max(100).optional(),
  })
  .strict();

export const githubSettingsSchema = z
  .object({
    /** The first rule whose pattern matches the repository decides. */
    autoReview: z.array(autoReviewRule).optional(),
    /** `/void …` typed in an issue that is not a pull request: answer with a short note (default) or ignore it. */
    plainIssueComments: z.enum(['reply', 'ignore']).optional(),
  })
  .strict();

// Defaults are applied when the section is read, so that an absent section (`{}`) is valid as it is.
export type GithubSettings = Required<z.infer<typeof githubSettingsSchema>>;
export type AutoReviewRule = z.infer<typeof autoReviewRule>;

/** A tenant's section, parsed (it was validated at load; an unexpected shape reads as "no automation"). */
export function readGithubSettings(raw: unknown): GithubSettings {
  const parsed = githubSettingsSchema.safeParse(raw ?? {});
  const data = parsed.success ? parsed.data : {};
  return { autoReview: data.autoReview ?? [], plainIssueComments: data.plainIssueComments ?? 'reply' };
}

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/** The rule that applies to `owner/name`, if any. */
export function autoReviewRuleFor(settings: GithubSettings, fullName: string): AutoReviewRule | undefined {
  return settings.autoReview.find((rule) => rule.repos.some((glob) => globToRegExp(glob).test(fullName)));
}
