import { deliveryState } from '../../domain/gifts/gift-rules';
import type { GiftWithDelivery } from '../../domain/gifts/gifts-repository';
import { formatStamp } from '../../lib/dates';
import { parisDateTime } from '../../lib/paris-time';
import type { GiftFormValues } from './gift-form';

type T = (key: string, params?: Record<string, string | number>) => string;

/** A form being re-shown after an error, or just saved. */
export interface GiftFormState {
  voucherId: string;
  values?: GiftFormValues;
  errors?: Record<string, string>;
  formError?: string;
  saved?: boolean;
}

/**
 * The gift block under each voucher of the buyer's order page: where its latest send
 * stands (when it is planned, when it went out — the outbox row's sent_at — or that it
 * failed) and the form to send, resend or change it, with the last values as defaults.
 */
export function giftBlocks(latestGifts: GiftWithDelivery[], voucherIds: string[], t: T, locale: string, now: Date, state?: GiftFormState) {
  const latest = new Map(latestGifts.map((g) => [g.voucherId, g]));
  const today = parisDateTime(now);
  return new Map(
    voucherIds.map((id) => {
      const g = latest.get(id);
      const mine = state?.voucherId === id ? state : undefined;
      const st = g ? deliveryState(g.outboxStatus) : null;
      const when = g ? formatStamp(st === 'sent' ? g.sentAt! : g.sendAt, locale) : '';
      const status = g && st ? t(`gifts.status.${st}`, { when, email: g.recipientEmail }) : null;
      const planned = g ? parisDateTime(g.sendAt) : today;
      const values = mine?.values ?? {
        voucherId: id,
        recipientEmail: g?.recipientEmail ?? '',
        recipientName: g?.recipientName ?? '',
        message: g?.message ?? '',
        when: st === 'scheduled' && g!.sendAt > now.toISOString() ? 'later' : 'now',
        sendDate: planned.slice(0, 10),
        sendTime: planned.slice(11, 16),
      };
      const err = (f: string) => (mine?.errors?.[f] ? t(mine.errors[f]!) : null);
      return [
        id,
        {
          status,
          failed: st === 'failed',
          sent: st === 'sent',
          saved: mine?.saved && g ? t('gifts.flash.saved', { email: g.recipientEmail, when }) : null,
          open: Boolean(mine && !mine.saved),
          summary: t(g ? 'gifts.form.resend' : 'gifts.form.summary'),
          values,
          later: values.when === 'later',
          minDate: today.slice(0, 10),
          formError: mine?.formError ?? null,
          errors: { recipientEmail: err('recipientEmail'), recipientName: err('recipientName'), message: err('message'), sendDate: err('sendDate') },
        },
      ] as const;
    }),
  );
}
