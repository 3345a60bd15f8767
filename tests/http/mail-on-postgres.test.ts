/**
 * The outbox renders a message from the data when it sends it (server/mail/messages.ts). On
 * PostgreSQL the renderers read through pgMailReads: the same message built from a SQLite
 * file and from the PostgreSQL copy of it must be the same mail (subject, text, HTML, the
 * attachment's name and its text).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database_ } from '../../db/client';
import { renderMessage, type MessageContext } from '../../server/mail/messages';
import { pgMailReads } from '../../server/mail/mail-reads-pg';
import type { OutboxMessage } from '../../server/mail/outbox-repository';
import type { OutgoingMail } from '../../server/mail/transport';
import { VIEWS_DIR } from '../../server/app';
import { postgresAvailable } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';
import { rowOf } from '../support/backend-query';

const message = (kind: string, payload: unknown, recipient: string): OutboxMessage =>
  ({ id: `m-${kind}`, kind, payload: JSON.stringify(payload), recipient, attempts: 1 }) as unknown as OutboxMessage;

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'mail-pdf-'));
  try {
    writeFileSync(join(dir, 'a.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('mail rendered on PostgreSQL', () => {
  let t: TestApp;
  let sqlite: Database_;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', prepare: (database) => void (sqlite = database) });
  }, 120_000);
  afterAll(async () => t?.close());

  it('builds the same mails from PostgreSQL as from the SQLite file it was copied from', async () => {
    const base: MessageContext = { database: sqlite, baseUrl: t.url, viewsDir: VIEWS_DIR, demo: true, operator: t.config.operator };
    const onPg: MessageContext = { ...base, database: t.database, reads: pgMailReads(t.pg!.pool) };
    const order = (await rowOf<{ id: string; email: string }>(t, `SELECT o.id, o.buyer_email AS email FROM orders o WHERE o.status = 'paid' AND EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id) ORDER BY o.id LIMIT 1`))!;
    const user = (await rowOf<{ id: string; email: string; merchant: string }>(t, `SELECT id, email, merchant_id AS merchant FROM merchant_users ORDER BY id LIMIT 1`))!;
    const voucher = (await rowOf<{ id: string }>(t, `SELECT id FROM vouchers WHERE status = 'active' ORDER BY id LIMIT 1`))!;
    const messages = [
      message('order_vouchers', { orderId: order.id }, order.email),
      message('password_reset', { userId: user.id, token: 'tok-1', locale: 'fr' }, user.email),
      message('staff_invitation', { userId: user.id, token: 'tok-2', locale: 'en' }, user.email),
      message('owner_invitation', { userId: user.id, token: 'tok-3', locale: 'fr' }, user.email),
      message('merchant_rejected', { merchantId: user.merchant, reason: 'SIRET inconnu', locale: 'fr' }, user.email),
      message('voucher_expiry_reminder', { voucherId: voucher.id }, 'someone@example.org'),
    ];
    for (const m of messages) {
      const [a, b]: OutgoingMail[] = [await renderMessage(base, m), await renderMessage(onPg, m)];
      expect({ subject: b.subject, text: b.text, html: b.html }, m.kind).toEqual({ subject: a.subject, text: a.text, html: a.html });
      expect(b.attachments?.map((x) => x.filename), m.kind).toEqual(a.attachments?.map((x) => x.filename));
      // The vouchers' PDF: the same pages (codes, amounts, shops), but for the printing time.
      const stamp = /\d{2}\/\d{2}\/\d{4}.{0,12}\d{2}[:h]\d{2}/g;
      for (const [i, att] of (a.attachments ?? []).entries()) {
        expect(pdfText(b.attachments![i]!.content as Buffer).replace(stamp, '')).toEqual(pdfText(att.content as Buffer).replace(stamp, ''));
      }
    }
  });
});
