// Notification metrics, on Void's one registry (served on /metrics): deliveries by channel and outcome.
import { Counter, register as registry } from 'prom-client';

export type NotificationOutcome = 'sent' | 'retried' | 'dead' | 'bounced' | 'refused';

const NAME = 'void_notifications_total';
const deliveries =
  (registry.getSingleMetric(NAME) as Counter<'channel' | 'outcome'> | undefined) ??
  new Counter({
    name: NAME,
    help:
      'Notification delivery attempts by channel (email, webhook) and outcome (sent, retried, dead, bounced, ' +
      'refused)',
    labelNames: ['channel', 'outcome'],
  });

export function recordNotification(channel: 'email' | 'webhook', outcome: NotificationOutcome): void {
  deliveries.inc({ channel, outcome });
}
