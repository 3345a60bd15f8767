import { translateForPage } from '../lib/i18n';
import { plainMail, readsOf, type MessageContext } from './mail-parts';
import type { OutgoingMail } from './transport';

/**
 * A newly approved shop's owner: not the staff invitation's wording ("you are invited
 * at X by its owner") — here the shop itself joined the network and the owner manages it.
 */
export async function renderOwnerInvitation(ctx: MessageContext, p: { userId: string; token: string; locale: string }, to: string): Promise<OutgoingMail> {
  const reads = readsOf(ctx);
  const user = await reads.user(p.userId);
  if (!user) throw new Error(`user ${p.userId} not found`);
  const shop = (await reads.shop(user.merchantId))!;
  const params = { link: `${ctx.baseUrl}/mot-de-passe/${p.token}`, name: user.name, shop: shop.name, till: `${ctx.baseUrl}/caisse`, dashboard: `${ctx.baseUrl}/commercant` };
  return plainMail(to, translateForPage(p.locale, 'onboarding.mail.approved_subject', params), translateForPage(p.locale, 'onboarding.mail.approved_body', params));
}

/**
 * The reason is the one the operator typed when refusing (kept in the payload as sent).
 * The shop is asked to reply rather than apply again: its SIRET stays registered, and an
 * operator can edit and approve a rejected shop.
 */
export async function renderMerchantRejected(ctx: MessageContext, p: { merchantId: string; reason: string; locale: string }, to: string): Promise<OutgoingMail> {
  const shop = await readsOf(ctx).shop(p.merchantId);
  if (!shop) throw new Error(`merchant ${p.merchantId} not found`);
  const params = { shop: shop.name, reason: p.reason };
  return plainMail(to, translateForPage(p.locale, 'onboarding.mail.rejected_subject', params), translateForPage(p.locale, 'onboarding.mail.rejected_body', params));
}
