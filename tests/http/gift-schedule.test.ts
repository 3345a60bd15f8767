import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../db/seed/demo';
import { sendGift } from '../../server/domain/gifts/gifts-service';
import { formatMoney } from '../../server/lib/money';
import { parisWallTime } from '../../server/lib/paris-time';
import { paidOrderWithToken } from '../support/gift-orders';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15, item 3: a gift scheduled for a day and time (Europe/Paris) is mailed to its
 * recipient at that instant — not before — and once, whether the server restarted in
 * between or two servers share the database. The schedule is the outbox row's due instant.
 */
const RECIPIENT = 'lea.dubois@example.net';
const dir = mkdtempSync(join(tmpdir(), 'gift-schedule-'));
const file = join(dir, 'shared.db');
const clock = fixedClock('2026-12-20T10:00:00Z');
const opened: TestApp[] = [];

async function open(): Promise<TestApp> {
  const app = await startTestApp({ clock, databaseFile: file, backend: 'sqlite' });
  opened.push(app);
  return app;
}

/** Every mail the given apps' workers wrote so far (each app writes .eml files in its own data dir). */
async function mailsOf(apps: TestApp[]): Promise<ParsedMail[]> {
  const out: ParsedMail[] = [];
  for (const app of apps) {
    const d = join(app.dataDir, 'outbox');
    let files: string[] = [];
    try {
      files = readdirSync(d).filter((f) => f.endsWith('.eml'));
    } catch {
      continue;
    }
    for (const f of files) out.push(await simpleParser(readFileSync(join(d, f))));
  }
  return out;
}
const giftMails = (mails: ParsedMail[]) => mails.filter((m) => m.to && 'text' in m.to && m.to.text === RECIPIENT);

afterAll(async () => {
  for (const app of opened.splice(0)) await app.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

// On SQLite in every pass: these servers share one database FILE (a restart, two processes
// on it), so their apps ask for SQLite. The same on PostgreSQL — the gift mail claimed once by
// SKIP LOCKED, sent with its buyer's note — is run by gift-form.test.ts on that backend.
describe('a gift scheduled for Christmas Eve, 08:00 Paris time', () => {
  it('is sent at that instant, not before, by the server running then — after a restart — and once', async () => {
    const first = await open();
    await seedDemo(first.database, clock.now());
    const { order, voucherIds } = await paidOrderWithToken(first);
    const at = parisWallTime('2026-12-24', 8, 0);
    expect(at.toISOString()).toBe('2026-12-24T07:00:00.000Z');
    await sendGift(first, order, { voucherId: voucherIds[0]!, recipientEmail: RECIPIENT, recipientName: 'Léa', message: 'Joyeux Noël !', sendAt: at });

    await first.drainOutbox();
    expect(giftMails(await mailsOf([first]))).toHaveLength(0);
    clock.set('2026-12-24T06:59:59.999Z');
    await first.drainOutbox();
    expect(giftMails(await mailsOf([first]))).toHaveLength(0);

    // The server stops before the day (its mails so far are gone with it); another starts on the same file.
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const second = await open();
    clock.set('2026-12-24T07:00:00.000Z');
    await second.drainOutbox();
    const sent = giftMails(await mailsOf([second]));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe(`Camille Martin vous offre un bon d’achat de ${formatMoney(2500, 'fr')}`);
    expect(sent[0]!.text).toContain('Joyeux Noël !');
    expect(sent[0]!.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);

    // Days later, more passes: nothing more to the recipient; the buyer was told once.
    clock.set('2026-12-27T12:00:00Z');
    await second.drainOutbox();
    await second.drainOutbox();
    const all = await mailsOf([second]);
    expect(giftMails(all)).toHaveLength(1);
    const notes = all.filter((m) => m.subject === `Votre bon de ${formatMoney(2500, 'fr')} a été envoyé à ${RECIPIENT}`);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('le 24/12/2026 08:00');
    const row = second.database.sqlite.prepare(`SELECT m.status, m.sent_at AS sentAt FROM voucher_gifts g JOIN outbox_messages m ON m.id = g.outbox_message_id`).all();
    expect(row).toEqual([{ status: 'sent', sentAt: '2026-12-24T07:00:00.000Z' }]);
  });

  it('two servers on one database, both passing at the due instant: one mail', async () => {
    const a = opened[0] ?? (await open());
    const b = await open();
    const { order, voucherIds } = await paidOrderWithToken(a);
    clock.set('2026-12-28T09:00:00Z');
    const at = parisWallTime('2026-12-31', 23, 59);
    for (const v of voucherIds) await sendGift(a, order, { voucherId: v, recipientEmail: RECIPIENT, sendAt: at });
    const before = giftMails(await mailsOf([a, b])).length;
    clock.set(at);
    await Promise.all([a.drainOutbox(), b.drainOutbox(), a.drainOutbox(), b.drainOutbox()]);
    await Promise.all([a.drainOutbox(), b.drainOutbox()]);
    expect(giftMails(await mailsOf([a, b])).length - before).toBe(1);
  });
});
