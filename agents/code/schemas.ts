// The only shapes a model's answer can take, one per task. They hold text and positions, never an action, a
// target, a repository or a tenant: those come from the job, which the model cannot change. Unknown keys are
// dropped by zod, so an answer that tries to add them changes nothing.
import { z } from 'zod';

const path = z
  .string()
  .min(1)
  .max(300)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w@.\-/ ]+$/, 'a relative path inside the repository');

export const reviewAnswerSchema = z.object({
  summary: z.string().min(1).max(3000),
  verdict: z.enum(['comment', 'request_changes', 'approve']),
  findings: z
    .array(
      z.object({
        path,
        line: z.number().int().positive(),
        severity: z.enum(['critical', 'high', 'medium', 'low']),
        message: z.string().min(1).max(800),
        fixHint: z.string().max(500).optional(),
      }),
    )
    .max(40),
});
export type ReviewAnswer = z.infer<typeof reviewAnswerSchema>;

export const implementAnswerSchema = z.object({
  title: z.string().min(1).max(120),
  plan: z.array(z.string().min(1).max(500)).min(1).max(20),
  files: z
    .array(z.object({ path, content: z.string().max(200_000) }))
    .min(1)
    .max(20),
});
export type ImplementAnswer = z.infer<typeof implementAnswerSchema>;

export const triageAnswerSchema = z.object({
  type: z.enum(['bug', 'feature', 'task', 'question', 'incident']),
  priority: z.enum(['highest', 'high', 'medium', 'low', 'lowest']),
  labels: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,29}$/)).max(5),
  summary: z.string().min(1).max(1500),
});
export type TriageAnswer = z.infer<typeof triageAnswerSchema>;

// Where a model may write is decided by the allow-list in boundary.ts, not here.
