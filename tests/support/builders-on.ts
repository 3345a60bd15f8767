/**
 * What builders.ts's `…On` helpers lack, on the test app's backend (after start, where
 * `database` refuses on PostgreSQL).
 */
import type { TestApp } from './test-app';
import { rowOf } from './backend-query';

/** The stored row's balance and status, on the app's backend (builders.ts `voucherState`). */
export async function voucherStateOn(t: Pick<TestApp, 'database' | 'pg'>, code: string): Promise<{ balanceCents: number; status: string }> {
  const row = await rowOf<{ balancecents: number; status: string }>(t, 'SELECT balance_cents AS balancecents, status FROM vouchers WHERE code = @code', {
    code: code.replace(/-/g, '').toUpperCase(),
  });
  if (!row) throw new Error(`no voucher ${code}`);
  return { balanceCents: row.balancecents, status: row.status };
}
