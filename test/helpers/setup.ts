// Loaded before every test file (vitest setupFiles): nock must patch http/fetch before any client exists
// (PLATFORM-NOTES.md). Outbound network is blocked except loopback, so a test can never reach a real platform.
import nock from 'nock';
import { afterEach } from 'vitest';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
afterEach(() => {
  nock.cleanAll();
});
