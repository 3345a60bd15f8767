import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client';
import { systemClock } from '../../server/lib/clock';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Issue 13: order creation and the POS API's failed lookups were limited in each process's
 * memory (express-rate-limit, MissLimiter), so two processes on one database allowed twice
 * the limit. Defaults: 30 orders per address per 10 min, 10 per buyer email per hour,
 * 30 failed lookups per address per 10 min.
 */
let dir: string;
const servers: ServerProcess[] = [];
const order = (s: ServerProcess, email: string) =>
  fetch(`${s.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'seine-estuaire', paymentMethod: 'card', buyer: { type: 'individual', name: 'Léa Martin', email }, items: [{ amountCents: 2000, quantity: 1 }] }),
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'order-limits-'));
  const env = childEnv({ DATABASE_URL: `file:${join(dir, 'shared.db')}`, DATA_DIR: dir, SESSION_SECRET: 'order-limits-session-secret-of-32chars' });
  servers.push(await startServerProcess(env));
  servers.push(await startServerProcess(env));
}, 90_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('two server processes on one database file', () => {
  it('share the order limits: per buyer email (10 an hour), then per address (30 per 10 min)', async () => {
    const sameEmail: number[] = [];
    for (let i = 0; i < 12; i++) sameEmail.push((await order(servers[i % 2]!, 'lea@example.org')).status);
    expect(sameEmail).toEqual([...Array(10).fill(201), 429, 429]);
    // Every request counts per address, refused ones too: 12 so far, 18 more pass.
    const others: number[] = [];
    for (let i = 0; i < 20; i++) others.push((await order(servers[i % 2]!, `buyer${i}@example.org`)).status);
    expect(others).toEqual([...Array(18).fill(201), 429, 429]);
  }, 90_000);

  it("share the POS API's failed-lookup limit per address (30 per 10 min)", async () => {
    const database = openDatabase(`file:${join(dir, 'shared.db')}`);
    const merchant = database.sqlite.prepare(`SELECT id FROM merchants WHERE slug = 'librairie-la-galerne'`).get() as { id: string };
    // Two keys: one key locks itself after 20 failures (its own limit, already in the database).
    const keys = [0, 1].map((n) => createApiKey({ database, clock: systemClock }, { kind: 'merchant', merchantId: merchant.id, label: `till ${n}` }).key);
    database.sqlite.close();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const code = `2222-2222-2222-2222-${String(2000 + i).slice(-4).replace(/[01]/g, '3')}`;
      statuses.push((await fetch(`${servers[i % 2]!.url}/api/v1/vouchers/${code}`, { headers: { authorization: `Bearer ${keys[Math.floor(i / 2) % 2]}` } })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 404 || s === 422), statuses.join(' ')).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  }, 60_000);
});
