import { describe, expect, it } from 'vitest';
import { MAX_GIFT_SENDS, planGift, type GiftSituation } from '../../server/domain/gifts/gift-rules';
import { parseGiftForm } from '../../server/web/gifts/gift-form';

const now = new Date('2026-12-20T10:00:00Z');
const base: GiftSituation = { orderStatus: 'paid', voucher: { status: 'active', expiresAt: '2027-12-20T22:59:59.999Z' }, sends: 0, latest: null };
const code = (f: () => unknown) => {
  try {
    f();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('planGift (issue 15, item 3)', () => {
  it('now, a date to come, a waiting send changed in place, a sent one sent again', () => {
    expect(planGift(base, null, now)).toEqual({ action: 'new', sendAt: now });
    const at = new Date('2026-12-24T07:00:00Z');
    expect(planGift(base, at, now)).toEqual({ action: 'new', sendAt: at });
    expect(planGift({ ...base, sends: 1, latest: 'scheduled' }, at, now).action).toBe('reschedule');
    expect(planGift({ ...base, sends: 1, latest: 'sent' }, null, now).action).toBe('new');
    expect(planGift({ ...base, sends: 1, latest: 'failed' }, null, now).action).toBe('new');
    // A minute late is « now », not an error.
    expect(planGift(base, new Date(now.getTime() - 60_000), now).sendAt).toEqual(now);
  });

  it('refuses what cannot be given', () => {
    expect(code(() => planGift({ ...base, voucher: undefined }, null, now))).toBe('VOUCHER_NOT_FOUND');
    expect(code(() => planGift({ ...base, orderStatus: 'pending_payment' }, null, now))).toBe('GIFT_ORDER_NOT_PAID');
    expect(code(() => planGift({ ...base, voucher: { ...base.voucher!, status: 'spent' } }, null, now))).toBe('GIFT_VOUCHER_NOT_ACTIVE');
    expect(code(() => planGift(base, new Date('2026-12-19T10:00:00Z'), now))).toBe('GIFT_DATE_PAST');
    expect(code(() => planGift(base, new Date('2027-12-21T00:00:00Z'), now))).toBe('GIFT_DATE_AFTER_EXPIRY');
    expect(code(() => planGift({ ...base, sends: 1, latest: 'sending' }, null, now))).toBe('GIFT_BEING_SENT');
    expect(code(() => planGift({ ...base, sends: MAX_GIFT_SENDS, latest: 'sent' }, null, now))).toBe('GIFT_SEND_LIMIT');
  });
});

describe('the gift form reads date and time as a Paris clock shows them', () => {
  const form = (sendDate: string, sendTime: string) => parseGiftForm({ voucherId: 'v1', recipientEmail: 'a@example.net', when: 'later', sendDate, sendTime });
  it('winter (UTC+1) and summer (UTC+2)', () => {
    expect(form('2026-12-24', '08:00').input?.sendAt?.toISOString()).toBe('2026-12-24T07:00:00.000Z');
    expect(form('2027-07-14', '10:00').input?.sendAt?.toISOString()).toBe('2027-07-14T08:00:00.000Z');
  });
  it('refuses dates and times that do not exist, and a « later » without them', () => {
    for (const [d, t] of [['2027-02-30', '10:00'], ['2026-12-24', '24:00'], ['24/12/2026', '08:00'], ['', '']]) expect(form(d!, t!).errors).toEqual({ sendDate: 'gifts.errors.date_format' });
    expect(parseGiftForm({ voucherId: 'v1', recipientEmail: 'a@example.net', when: 'now' }).input?.sendAt).toBeNull();
    expect(parseGiftForm({ voucherId: 'v1', recipientEmail: 'x', when: 'now', message: 'a\u202Eb' }).errors).toEqual({ recipientEmail: 'errors.email', message: 'errors.invalid_chars' });
  });
});
