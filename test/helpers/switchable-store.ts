// An embedded audit store that can be made unreachable (`down = true`): inserts then fail as a MongoDB outage would,
// for the tests of invariant 5 (no side effect without its audit record).
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';

export class SwitchableStore extends EmbeddedAuditStore {
  down = false;
  override async insert(record: AuditRecord): Promise<boolean> {
    if (this.down) throw new Error('MongoServerSelectionError: connect ECONNREFUSED');
    return super.insert(record);
  }
}
