// One MongoDB connection per process and database (bot/core/mongo.ts): the audit trail, approvals and Slack
// installations take shares of it, and closing one store never closes the connection under another. No server is
// needed: sharing and closing are decided before anything is sent.
import { afterEach, describe, expect, it } from 'vitest';
import { shareMongo, type MongoShare } from '../../bot/core/mongo.js';

const URL = 'mongodb://127.0.0.1:1/void-share-test';
const held: MongoShare[] = [];
const take = (url = URL, dbName?: string) => {
  const share = shareMongo(url, { dbName, serverSelectionTimeoutMS: 200 });
  held.push(share);
  return share;
};

afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => s.release()));
});

describe('the shared MongoDB connection', () => {
  it('is one connection for every store of the process, kept open until the last store closes', async () => {
    const audit = take();
    const approvals = take();
    const slack = take();
    expect(approvals.connection).toBe(audit.connection);
    expect(slack.connection).toBe(audit.connection);
    await audit.release();
    await approvals.release();
    expect(slack.connection.readyState).not.toBe(0); // still in use by the Slack installations
    await slack.release();
    expect(slack.connection.readyState).toBe(0);
  });

  it('opens a fresh connection after the last one closed, and a separate one per database', async () => {
    const first = take();
    await first.release();
    const again = take();
    expect(again.connection).not.toBe(first.connection);
    const other = take(URL, 'void-other-db');
    expect(other.connection).not.toBe(again.connection);
  });

  it('counts a store that closes twice once', async () => {
    const a = take();
    const b = take();
    await a.release();
    await a.release();
    expect(b.connection.readyState).not.toBe(0);
  });
});
