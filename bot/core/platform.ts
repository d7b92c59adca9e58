// The platforms Void speaks to, on their own so that every kernel file can name one without importing the model.

/** `web` is the dashboard: it decides approvals and signs people in, but nobody chats through it. */
export const PLATFORMS = ['slack', 'teams', 'github', 'jira', 'console', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];
