// The MongoDB leg of the deployment checks: `void doctor`'s store check and the start-up warning when several web
// replicas share a MongoDB that is not a replica set. Runs against MONGODB_URL or a mongod that
// mongodb-memory-server can start (a standalone one); says plainly when it is skipped.
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../bot/config/load.js';
import { checkStore, mongoTopology, replicaSetAdvice } from '../../bot/doctor-infra.js';
import { observabilityModule } from '../../bot/observability.js';
import { captureLogger, startTestApp, testConfig } from '../helpers/app.js';
import { startMongoLeg } from '../helpers/audit.js';

const mongo = await startMongoLeg(10_000);
if (!mongo.url) console.warn(`[deploy-mongo] MongoDB leg SKIPPED: ${mongo.reason}. Set MONGODB_URL to run it.`);
afterAll(async () => mongo.stop());

describe.skipIf(!mongo.url)('MongoDB topology checks (MongoDB leg)', () => {
  const url = mongo.url as string;

  it('doctor reads the version and the topology', async () => {
    const topology = await mongoTopology(url);
    expect(topology.version).toMatch(/^\d+\.\d+/);
    const check = await checkStore(loadEnv({ MONGODB_URL: url, VOID_WEB_REPLICAS: '3' }));
    expect(check.status).toBe(topology.setName ? 'ok' : 'warn');
    expect(check.detail).toContain(replicaSetAdvice(topology, 3).message);
  });

  it('warns at start when several web replicas share a standalone MongoDB', async () => {
    const topology = await mongoTopology(url);
    const { log, lines } = captureLogger([], 'info');
    const t = await startTestApp({
      config: testConfig({ env: { MONGODB_URL: url, VOID_WEB_REPLICAS: '3' } }),
      modules: [observabilityModule()],
      log,
    });
    await t.stop();
    const warned = lines.some((l) => l.includes('"level":40') && l.includes('is not a replica set'));
    expect(warned).toBe(!topology.setName);
  });
});
