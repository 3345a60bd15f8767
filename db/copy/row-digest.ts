import { createHash } from 'node:crypto';

const MOD = 1n << 128n;

/**
 * An order-independent digest of a table's rows: the sum, modulo 2^128, of the first 128 bits
 * of each row's SHA-256 (a sum, not a XOR, so two equal rows do not cancel out). Both sides feed
 * rows as arrays of the same columns in the same order, with SQLite's INTEGER and PostgreSQL's
 * bigint both as JS numbers: equal digests and counts mean equal multisets of rows, whatever
 * order each database returns them in.
 */
export class RowDigest {
  private sum = 0n;
  rows = 0;

  add(row: readonly unknown[]): void {
    const hash = createHash('sha256').update(JSON.stringify(row)).digest();
    this.sum = (this.sum + hash.readBigUInt64BE(0) * (1n << 64n) + hash.readBigUInt64BE(8)) % MOD;
    this.rows += 1;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(32, '0');
  }
}
