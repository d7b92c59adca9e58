// Triage and deploy jobs end to end (real Void process, in-memory GitHub/JIRA ports, Anthropic faked over HTTP).
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_API,
  MODEL_ENV,
  anthropicMessage,
  anthropicProvider,
  nock,
  startAgentsApp,
  type AgentsTestApp,
} from '../helpers/agents.js';

let app: AgentsTestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('triage job', () => {
  it(
    'offline: classifies from keywords, labels the ticket, ' +
      'points at a similar open ticket, and says no model was used',
    async () => {
      app = await startAgentsApp();
      app.tickets.add({
        key: 'PAY-20',
        summary: 'Checkout fails with a 500 error for saved cards',
        description: 'Stack trace attached. Urgent.',
      });
      app.tickets.add({ key: 'PAY-11', summary: 'Checkout fails for saved cards after the upgrade' });
      app.tickets.add({ key: 'PAY-12', summary: 'Add dark mode' });
      const { reply } = await app.run('triage', { name: 'triage', ticket: 'PAY-20' });
      expect(reply.text).toContain('PAY-20: bug, priority high; possibly related: PAY-11 (no model used)');
      expect(app.tickets.labels.get('PAY-20')).toEqual(['bug']);
      expect(app.tickets.comments).toHaveLength(1);
      expect(app.tickets.comments[0]?.body).toContain('No model was used');
    },
  );

  it('with a model: labels only from the schema, text sanitised', async () => {
    nock(ANTHROPIC_API)
      .post('/v1/messages')
      .reply(
        200,
        anthropicMessage({
          type: 'feature',
          priority: 'medium',
          labels: ['dark-mode', 'ui'],
          summary: 'A UI request. @everyone look at https://elsewhere.example',
          transition: 'Done',
        }),
      );
    app = await startAgentsApp({ models: { providers: [anthropicProvider()] }, env: MODEL_ENV });
    app.tickets.add({ key: 'PAY-12', summary: 'Add dark mode', description: 'Please add a dark theme.' });
    const { reply } = await app.run('triage', { name: 'triage', ticket: 'PAY-12' });
    expect(reply.text).toContain('PAY-12: feature, priority medium');
    expect(app.tickets.labels.get('PAY-12')).toEqual(['dark-mode', 'ui']);
    expect(app.tickets.writes).toEqual(['addLabels PAY-12', 'upsertComment PAY-12']);
    expect(app.tickets.comments[0]?.body).not.toMatch(/@everyone|elsewhere\.example/);
    expect(app.tickets.comments[0]?.body).toContain('Classified with model claude.');
  });
});

describe('deploy job', () => {
  it('creates one GitHub deployment, follows its status to success and reports it', async () => {
    app = await startAgentsApp({ models: { services: { payments: { repo: 'acme/payments-api' } } } });
    const { jobId, reply } = await app.run('deploy', {
      name: 'deploy',
      service: 'payments',
      environment: 'staging',
      ref: 'v1.4.2',
    });
    expect(reply.text).toContain('payments to staging (v1.4.2): deployment 500 success');
    expect(app.vcs.deployments).toMatchObject([
      { repo: 'acme/payments-api', ref: 'v1.4.2', environment: 'staging', marker: `void:deploy:${jobId}` },
    ]);
    const thread = app.chat.texts(jobId).join('\n');
    expect(thread).toContain('deployment 500: queued');
    expect(thread).toContain('deployment 500: in progress');
    // The final state is told once, by the result: no "success … 60%" progress line right before "done".
    expect(app.chat.texts(jobId).filter((x) => /success/.test(x))).toEqual([
      expect.stringMatching(/^✅ deploy done: .*deployment 500 success/),
    ]);
  });

  it('a failed deployment fails the job visibly, and the default repository is the org / service', async () => {
    app = await startAgentsApp();
    app.vcs.deploymentScript = ['in_progress', 'failure'];
    const { reply } = await app.run('deploy', { name: 'deploy', service: 'orders', environment: 'production' });
    expect(reply.text).toContain('deploy.failed: deployment 500 of orders to production (main) ended in failure');
    expect(app.vcs.deployments).toHaveLength(1);
    expect(app.vcs.deployments[0]?.repo).toBe('acme/orders');
  });

  it('stops following after the window and says where to look', async () => {
    app = await startAgentsApp({ agents: { deployPollMs: 5, deployTimeoutMs: 30 } });
    app.vcs.deploymentScript = ['in_progress'];
    const { reply } = await app.run('deploy', { name: 'deploy', service: 'orders', environment: 'staging' });
    expect(reply.text).toContain('still running when Void stopped following it');
  });
});
