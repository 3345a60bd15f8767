import { describe, expect, it } from 'vitest';
import { campaignToValues, checkImage, newCampaignValues, parseCampaignForm, parseDenominations, parsePercentBps, type CampaignFormValues } from '../../server/domain/campaigns/campaign-form';
import { toCampaign } from '../../server/domain/campaigns/campaign';

const valid = (over: Partial<CampaignFormValues> = {}): CampaignFormValues => ({ ...newCampaignValues('2026-12-01'), name: 'Bons de Noël', operatorName: 'Ville', target: '50 000', ...over });

describe('campaign form', () => {
  it('parses a complete form into cents, basis points and Paris instants', () => {
    const r = parseCampaignForm(valid({ denominations: '10, 20, 50', commission: '2,5', orgFee: '1', lastDay: '2026-12-31' }));
    expect(r.errors).toEqual({});
    expect(r.input).toMatchObject({ targetCents: 5_000_000, denominationsCents: [1000, 2000, 5000], commissionBps: 250, orgFeeBps: 100, minAmountCents: 1000, maxAmountCents: 15000, validityDays: 365, acceptedCategories: null, bonusKind: 'none', sponsorName: null });
    // Midnight in Paris (UTC+1 in winter); off sale from the midnight after the last day.
    expect(r.input!.startsAt).toBe('2026-11-30T23:00:00.000Z');
    expect(r.input!.endsAt).toBe('2026-12-31T23:00:00.000Z');
  });

  it('keeps the individual ceiling within one card payment and the organisation voucher count within an order', () => {
    expect(parseCampaignForm(valid({ maxOrderIndividual: '999 999,99', maxVouchersPerOrgOrder: '10000' })).errors).toEqual({});
    expect(parseCampaignForm(valid({ maxOrderIndividual: '1 000 000' })).errors).toEqual({ maxOrderIndividual: 'cadmin.errors.over_card_max' });
    expect(parseCampaignForm(valid({ maxVouchersPerOrgOrder: '10001' })).errors).toEqual({ maxVouchersPerOrgOrder: 'cadmin.errors.integer' });
  });

  it('reads denominations separated by ; or comma-space, refuses a bare comma list', () => {
    expect(parseDenominations('50; 10 ;20')).toEqual([1000, 2000, 5000]);
    expect(parseDenominations('12,50, 20')).toEqual([1250, 2000]);
    expect(parseDenominations('10,20,50')).toBeNull();
    expect(parseDenominations('10; abc')).toBeNull();
    expect(parseDenominations('')).toEqual([]);
    expect(parsePercentBps('3 %')).toBe(300);
    expect(parsePercentBps('0,75')).toBe(75);
  });

  it('gives a message per wrong field', () => {
    const r = parseCampaignForm(valid({ name: '', target: 'beaucoup', minAmount: '200', maxAmount: '100', validityDays: '0', commission: '80', breakageRule: 'sponsor', sponsorName: '', startsOn: '2026-02-30', categoriesMode: 'some', categories: [] }));
    expect(r.input).toBeNull();
    expect(r.errors).toMatchObject({
      name: 'cadmin.errors.required',
      target: 'cadmin.errors.amount',
      maxAmount: 'cadmin.errors.min_over_max',
      validityDays: 'cadmin.errors.integer',
      commission: 'cadmin.errors.percent',
      sponsorName: 'cadmin.errors.sponsor_needed',
      startsOn: 'cadmin.errors.date',
      categories: 'cadmin.errors.categories',
    });
    expect(parseCampaignForm(valid({ lastDay: '2026-11-01' })).errors.lastDay).toBe('cadmin.errors.ends_before_start');
    expect(parseCampaignForm(valid({ maxOrderIndividual: '5' })).errors.maxOrderIndividual).toBe('cadmin.errors.order_below_voucher');
  });

  it('keeps only known categories, in the list order', () => {
    const r = parseCampaignForm(valid({ categoriesMode: 'some', categories: ['Restaurant', 'Librairie'] }));
    expect(r.input!.acceptedCategories).toEqual(['Librairie', 'Restaurant']);
    expect(parseCampaignForm(valid({ categoriesMode: 'some', categories: ['Casino'] })).errors.categories).toBe('cadmin.errors.categories');
  });

  it('requires the bonus settings of the chosen kind', () => {
    expect(parseCampaignForm(valid({ bonusKind: 'percent' })).errors).toMatchObject({ bonusPercent: 'cadmin.errors.required', bonusBudget: 'cadmin.errors.required' });
    const r = parseCampaignForm(valid({ bonusKind: 'percent', bonusPercent: '10', bonusBudget: '5000', bonusCapPerBuyer: '20' }));
    expect(r.input).toMatchObject({ bonusBps: 1000, bonusBudgetCents: 500_000, bonusCapPerBuyerCents: 2000, bonusFixedCents: 0 });
    expect(parseCampaignForm(valid({ bonusKind: 'other' })).errors.bonusKind).toBe('cadmin.errors.choice');
  });

  it('round-trips a stored campaign through the form', () => {
    const r = parseCampaignForm(valid({ denominations: '15; 30', commission: '2,5', lastDay: '2027-03-31', categoriesMode: 'some', categories: ['Librairie'] }));
    const row = { ...r.input!, id: 'x', slug: 's', status: 'draft', currency: 'EUR', imagePath: null, bonusReservedCents: 0, bonusUsedCents: 0, soldCents: 0, redeemedCents: 0, createdAt: '', denominationsCents: JSON.stringify(r.input!.denominationsCents), acceptedCategories: JSON.stringify(r.input!.acceptedCategories) } as const;
    const back = parseCampaignForm(campaignToValues(toCampaign(row as never)));
    expect(back.input).toEqual(r.input);
  });

  it('recognises PNG and JPEG by their magic bytes only', () => {
    expect(checkImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toEqual({ ok: true, ext: 'png' });
    expect(checkImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ ok: true, ext: 'jpg' });
    expect(checkImage(Buffer.from('<svg onload="x">'))).toEqual({ ok: false, reason: 'not_image' });
    expect(checkImage(Buffer.alloc(2 * 1024 * 1024 + 1, 0xff))).toEqual({ ok: false, reason: 'too_large' });
  });
});
