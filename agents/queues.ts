// Job kinds and the job data schema belong to the kernel (bot/core/jobs.ts): approvals and the commands queue jobs
// too. This re-export keeps the agents' own imports short.
export * from '../bot/core/jobs.js';
