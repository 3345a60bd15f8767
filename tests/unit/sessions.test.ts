import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../db/client';
import { deleteExpiredSessions, insertSession } from '../../server/domain/sessions/sessions-repository';

describe('session clean-up (maintenance sweep)', () => {
  it('removes expired sessions only', async () => {
    const db = openDatabase(':memory:');
    migrateDatabase(db);
    db.transaction((tx) => {
      insertSession(tx, { tokenHash: 'old', userId: 'u', createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-11-01T00:00:00Z' });
      insertSession(tx, { tokenHash: 'live', userId: 'u', createdAt: '2026-11-20T00:00:00Z', expiresAt: '2026-12-04T00:00:00Z' });
    });
    db.transaction((tx) => deleteExpiredSessions(tx, '2026-11-23T12:00:00.000Z'));
    expect(db.sqlite.prepare('SELECT token_hash FROM sessions').all()).toEqual([{ token_hash: 'live' }]);
    await db.close();
  });
});
