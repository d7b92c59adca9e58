// What agents need from an issue tracker (JIRA). integrations/jira implements it with jira.js.
export interface TicketInfo {
  readonly key: string;
  readonly summary: string;
  readonly description: string;
  /** Acceptance criteria, where the tracker keeps them apart from the description. */
  readonly acceptanceCriteria?: string | undefined;
  readonly type: string;
  readonly status: string;
  readonly priority?: string | undefined;
  readonly labels: readonly string[];
  readonly components: readonly string[];
  readonly assignee?: string | undefined;
  readonly url: string;
}

export interface TicketPort {
  getTicket(tenantId: string, key: string): Promise<TicketInfo>;
  /** Open tickets of the project, most recent first (for duplicates and similar-ticket suggestions). */
  searchOpen(tenantId: string, projectKey: string, limit: number): Promise<TicketInfo[]>;
  /** Creates the comment carrying `marker`, or updates it when it exists already. */
  upsertComment(tenantId: string, key: string, body: string, marker: string): Promise<{ url: string }>;
  transition(tenantId: string, key: string, toStatus: string): Promise<boolean>;
  addLabels(tenantId: string, key: string, labels: readonly string[]): Promise<void>;
  createTicket(
    tenantId: string,
    ticket: { projectKey: string; summary: string; description: string; type: string },
  ): Promise<{ key: string; url: string }>;
}
