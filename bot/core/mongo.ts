// One MongoDB connection (one connection pool) per process and database, shared by every store that keeps its data
// there: the audit trail, approvals and Slack installations. Each store takes a share and gives it back on close;
// the connection closes when the last share is given back, so closing one store never cuts off another.
import mongoose, { type Connection } from 'mongoose';

export interface MongoOptions {
  readonly dbName?: string | undefined;
  readonly serverSelectionTimeoutMS?: number | undefined;
}

/** A store's share of the connection. `release` is idempotent. */
export interface MongoShare {
  readonly connection: Connection;
  release(): Promise<void>;
}

const open = new Map<string, { connection: Connection; shares: number }>();

/**
 * A share of the process's connection to `url` (opened on first use; await `connection.asPromise()` to wait for it).
 */
export function shareMongo(url: string, options: MongoOptions = {}): MongoShare {
  const timeout = options.serverSelectionTimeoutMS ?? 5000;
  const key = `${url}\u0000${options.dbName ?? ''}\u0000${timeout}`;
  let entry = open.get(key);
  if (!entry) {
    const connection = mongoose.createConnection(url, {
      bufferCommands: false,
      serverSelectionTimeoutMS: timeout,
      ...(options.dbName ? { dbName: options.dbName } : {}),
    });
    entry = { connection, shares: 0 };
    open.set(key, entry);
  }
  const held = entry;
  held.shares += 1;
  let released = false;
  return {
    connection: held.connection,
    async release() {
      if (released) return;
      released = true;
      held.shares -= 1;
      if (held.shares > 0) return;
      if (open.get(key) === held) open.delete(key);
      await held.connection.close();
    },
  };
}

/** A share whose connection is up; the share is given back when connecting fails. */
export async function connectMongo(url: string, options: MongoOptions = {}): Promise<MongoShare> {
  const share = shareMongo(url, options);
  try {
    await share.connection.asPromise();
    return share;
  } catch (error) {
    await share.release().catch(() => undefined);
    throw error;
  }
}
