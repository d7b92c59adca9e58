// The `automation` section of a tenant in the tenants file (owned by the JIRA integration).
import { z } from 'zod';

export const automationSchema = z.object({}).passthrough();

export type AutomationSettings = z.infer<typeof automationSchema>;
