import { translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { plainMail, readsOf, type MessageContext } from './mail-parts';
import type { OutgoingMail } from './transport';

/** « Your statement »: rendered at send time from the stored statement (immutable amounts). */
export async function renderSettlementStatement(ctx: MessageContext, p: { statementId: string }, to: string): Promise<OutgoingMail> {
  const reads = readsOf(ctx);
  const s = await reads.statement(p.statementId);
  if (!s) throw new Error(`statement ${p.statementId} not found`);
  const batch = (await reads.batch(s.batchId))!;
  // Shops have no language setting yet: French, the programme's language.
  const locale = 'fr';
  const m = (c: number) => formatMoney(c, locale);
  const params = {
    reference: s.reference, batch: batch.reference, until: batch.until, count: s.redemptionCount, gross: m(s.grossCents), commission: m(s.commissionCents),
    vat: m(s.vatCents), net: m(s.netCents), method: translateForPage(locale, `settlement.method_${s.method}`), url: `${ctx.baseUrl}/commercant/releves/${s.id}`, invoice: s.invoiceNumber,
  };
  return plainMail(to, translateForPage(locale, 'settlement.mail_subject', params), translateForPage(locale, 'settlement.mail_body', params));
}
