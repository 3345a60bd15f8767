/** The outbox kind of a gift's mail to its recipient (server/mail/gift-messages.ts). */
export const GIFT_KIND = 'voucher_gift';
/** The outbox kind of the note telling the buyer their gift went out. */
export const GIFT_SENT_KIND = 'voucher_gift_sent';
