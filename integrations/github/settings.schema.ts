// The `github` section of a tenant in the tenants file (owned by the GitHub integration).
import { z } from 'zod';

export const githubSettingsSchema = z.object({}).passthrough();

export type GithubSettings = z.infer<typeof githubSettingsSchema>;
