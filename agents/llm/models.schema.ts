// The `models` section of a tenant in the tenants file (owned by the model router).
import { z } from 'zod';

export const modelsSchema = z.object({}).passthrough();

export type ModelsSettings = z.infer<typeof modelsSchema>;
