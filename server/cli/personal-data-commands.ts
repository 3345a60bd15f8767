import { writeFileSync } from 'node:fs';
import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { erasePersonalData, exportPersonalData } from '../domain/privacy/personal-data-service';
import { runRetention, setCampaignRetention } from '../domain/privacy/retention-service';
import { systemClock } from '../lib/clock';
import { notOnPostgres } from '../lib/not-on-postgres';
import { parseNow } from './expiry-commands';
import { usage, type Opts, type Result } from './command';

export const PERSONAL_DATA_USAGE = `  personal-data export --email E [--out FILE] [--reason R]   everything held under one email address, as JSON (a data subject's request)
  personal-data erase --email E --reason R   erase one person's name, email, phone and messages (books, invoices and reports unchanged)
  personal-data retention --campaign SLUG --months N   keep a campaign's personal data N months after it is over (1-120)
  personal-data retention-run [--now ISO-8601]   erase now what the daily 03:00 job would (campaigns past their retention)`;

const CLI_ACTOR = 'cli';
const str = (v: string | boolean | undefined) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** `personal-data <export|erase|retention|retention-run>`: every action is written to the audit log as `cli`. */
export const personalDataCommand = (db: Database_, opts: Opts, sub: string | undefined): Promise<Result> => personalData({ database: db }, opts, sub);

/** The same command on a PostgreSQL DATABASE_URL (server/cli/postgres-commands.ts): the same services, on the pool. */
export const personalDataCommandPostgres = (pg: PgDatabase, opts: Opts, sub: string | undefined): Promise<Result> => personalData({ database: notOnPostgres(), pg }, opts, sub);

async function personalData(backend: { database: Database_; pg?: PgDatabase }, opts: Opts, sub: string | undefined): Promise<Result> {
  const deps = { ...backend, clock: systemClock };
  switch (sub) {
    case 'export': {
      const email = str(opts.email) ?? usage('personal-data export needs --email');
      const data = await exportPersonalData(deps, email, CLI_ACTOR, str(opts.reason) ?? null);
      const out = str(opts.out);
      if (out) {
        writeFileSync(out, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
        return { code: 0, json: { written: out, orders: data.orders.length, recipientVouchers: data.recipientVouchers.length }, text: `personal data written to ${out}` };
      }
      return { code: 0, json: data as unknown as Record<string, unknown>, text: JSON.stringify(data, null, 2) };
    }
    case 'erase': {
      const email = str(opts.email) ?? usage('personal-data erase needs --email');
      const reason = str(opts.reason) ?? usage('personal-data erase needs --reason (the request it answers)');
      const s = await erasePersonalData(deps, email, CLI_ACTOR, reason);
      return {
        code: 0,
        json: { erased: s },
        text: `erased ${s.subject}: ${s.orders} order(s) as buyer, ${s.recipientLines + s.recipientVouchers} as recipient, ${s.organisations} organisation contact(s), ${s.messages} mail(s); invoices kept: ${s.keptInvoices.join(', ') || 'none'}`,
      };
    }
    case 'retention': {
      const slug = str(opts.campaign) ?? usage('personal-data retention needs --campaign');
      const months = Number(str(opts.months) ?? usage('personal-data retention needs --months'));
      await setCampaignRetention(deps, slug, months, CLI_ACTOR);
      return { code: 0, json: { campaign: slug, months }, text: `${slug}: personal data kept ${months} month(s) after the campaign is over` };
    }
    case 'retention-run': {
      const now = parseNow(opts.now);
      const r = await runRetention({ ...backend, clock: { now: () => now } }, CLI_ACTOR);
      return { code: 0, json: r as unknown as Record<string, unknown>, text: r.campaigns.map((c) => `${c.slug}: ${c.orders} order(s), ${c.recipientLines} recipient line(s), ${c.organisations} organisation contact(s) erased`).join('\n') || 'no campaign past its retention' };
    }
    default:
      return usage('personal-data needs export, erase, retention or retention-run');
  }
}
