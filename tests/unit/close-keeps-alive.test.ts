import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('closing a database with a checkpoint thread', () => {
  it('keeps the process alive until close() resolves (no silent exit mid-await)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'close-'));
    try {
      const script = `
        import { openDatabase } from './db/client.ts';
        const db = openDatabase('file:${join(dir, 'a.db')}');
        db.sqlite.exec('CREATE TABLE t (v INTEGER)');
        await db.close();
        console.log('closed');
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stdout.trim()).toBe('closed');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
