// The logger lives in the kernel (bot/core/logger.ts) so that every layer can take one; this re-export keeps the
// application's imports short. Lower layers (integrations/, agents/, approvals/, audit/) import bot/core/logger.js.
export * from './core/logger.js';
