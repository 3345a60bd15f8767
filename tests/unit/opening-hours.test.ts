import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMinute, hoursFormValues, openAt, parseHoursForm, type OpeningSlot } from '../../server/domain/merchants/opening-hours';
import { addDays, isoWeekday, parisWallTime } from '../../server/lib/paris-time';

const slot = (weekday: number, opens: string, closes: string): OpeningSlot => {
  const m = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  return { weekday, opensMinute: m(opens), closesMinute: m(closes) };
};

describe('open now (Europe/Paris)', () => {
  // 2026-03-29 and 2026-10-25 are Sundays (7): the spring and autumn clock changes.
  const sunday = [slot(7, '02:00', '03:00'), slot(7, '03:00', '12:00')];
  it.each([
    ['winter: 07:30 UTC is 08:30 in Paris, before opening', [slot(3, '09:00', '12:00')], '2026-12-02T07:30:00Z', false],
    ['summer: 07:30 UTC is 09:30 in Paris, open', [slot(3, '09:00', '12:00')], '2026-07-01T07:30:00Z', true],
    ['opening minute is open', [slot(3, '09:00', '12:00')], '2026-12-02T08:00:00Z', true],
    ['closing minute is closed', [slot(3, '09:00', '12:00')], '2026-12-02T11:00:00Z', false],
    ['between two slots of the day', [slot(3, '09:00', '12:00'), slot(3, '14:00', '19:00')], '2026-12-02T12:30:00Z', false],
    ['second slot of the day', [slot(3, '09:00', '12:00'), slot(3, '14:00', '19:00')], '2026-12-02T13:30:00Z', true],
    ['spring change: 00:59 UTC is 01:59 CET, closed', sunday, '2026-03-29T00:59:00Z', false],
    ['spring change: 01:00 UTC is 03:00 CEST, open (02:00–03:00 never happens)', sunday, '2026-03-29T01:00:00Z', true],
    ['autumn change: 00:30 UTC is the first 02:30 (CEST), open', sunday, '2026-10-25T00:30:00Z', true],
    ['autumn change: 01:30 UTC is the second 02:30 (CET), open', sunday, '2026-10-25T01:30:00Z', true],
    ['autumn change: 11:00 UTC is 12:00 CET, closed', sunday, '2026-10-25T11:00:00Z', false],
    ['a slot to midnight: Sunday 23:59', [slot(7, '18:00', '24:00')], '2026-12-06T22:59:00Z', true],
    ['a slot to midnight: Monday 00:00 is another day', [slot(7, '18:00', '24:00')], '2026-12-06T23:00:00Z', false],
    ['the other weekday is closed', [slot(1, '09:00', '19:00')], '2026-12-08T10:00:00Z', false],
    ['no hours: never open now', [], '2026-12-07T10:00:00Z', false],
  ])('%s', (_name, slots, at, open) => {
    expect(openAt(slots as OpeningSlot[], new Date(at)).open).toBe(open);
  });

  it('says when the current slot closes', () => {
    expect(openAt([slot(1, '09:00', '12:00'), slot(1, '14:00', '19:00')], new Date('2026-12-07T14:00:00Z'))).toEqual({ open: true, closesMinute: 19 * 60 });
  });

  it('agrees with Paris wall-clock time on any day of 2026–2028, DST days included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 3 }),
        fc.integer({ min: 3 * 60 + 1, max: 1438 }), // opens - 1 ≥ 03:00: the spring gap (02:00–03:00) is not a wall time
        fc.integer({ min: 1, max: 600 }),
        (day, opens, length) => {
          const date = addDays('2026-01-01', day);
          const weekday = isoWeekday(date);
          const s = { weekday, opensMinute: opens, closesMinute: Math.min(1440, opens + length) };
          const at = (minute: number) => parisWallTime(date, Math.floor(minute / 60), minute % 60);
          expect(openAt([s], at(opens)).open).toBe(true);
          expect(openAt([s], at(s.closesMinute - 1)).open).toBe(true);
          if (s.closesMinute < 1440) expect(openAt([s], at(s.closesMinute)).open).toBe(false);
          expect(openAt([s], at(opens - 1)).open).toBe(false);
          expect(openAt([{ ...s, weekday: (weekday % 7) + 1 }], at(opens)).open).toBe(false);
        },
      ),
    );
  });
});

describe('the weekly hours form', () => {
  it('reads slots, 9h30 and 00:00 as midnight at the end of the day, and reads back its values', () => {
    const form = parseHoursForm({ h1_0_opens: '9h30', h1_0_closes: '12:00', h1_1_opens: '14:00', h1_1_closes: '19:00', h6_0_opens: '18:00', h6_0_closes: '00:00', h7_0_opens: '', h7_0_closes: '' });
    expect(form.errors).toEqual({});
    expect(form.input).toEqual([slot(1, '09:30', '12:00'), slot(1, '14:00', '19:00'), { weekday: 6, opensMinute: 1080, closesMinute: 1440 }]);
    expect(hoursFormValues(form.input!)).toEqual({ h1_0_opens: '09:30', h1_0_closes: '12:00', h1_1_opens: '14:00', h1_1_closes: '19:00', h6_0_opens: '18:00', h6_0_closes: '00:00' });
    expect(formatMinute(1440)).toBe('24:00');
  });

  it.each([
    ['a slot past midnight is refused (two slots instead)', { h5_0_opens: '18:00', h5_0_closes: '02:00' }, { h5_0_closes: 'hours.errors.order' }],
    ['closing before opening', { h2_0_opens: '12:00', h2_0_closes: '09:00' }, { h2_0_closes: 'hours.errors.order' }],
    ['closing when it opens', { h2_0_opens: '12:00', h2_0_closes: '12:00' }, { h2_0_closes: 'hours.errors.order' }],
    ['not a time', { h2_0_opens: 'midi', h2_0_closes: '14:00' }, { h2_0_opens: 'hours.errors.time' }],
    ['25:00', { h2_0_opens: '09:00', h2_0_closes: '25:00' }, { h2_0_closes: 'hours.errors.time' }],
    ['opening at 24:00', { h2_0_opens: '24:00', h2_0_closes: '00:00' }, { h2_0_opens: 'hours.errors.time' }],
    ['half a slot', { h3_1_opens: '14:00' }, { h3_1_closes: 'hours.errors.half' }],
    ['overlapping slots', { h4_0_opens: '09:00', h4_0_closes: '13:00', h4_1_opens: '12:00', h4_1_closes: '18:00' }, { h4_1_opens: 'hours.errors.overlap' }],
  ])('%s', (_name, body, errors) => {
    const form = parseHoursForm(body);
    expect(form.errors).toEqual(errors);
    expect(form.input).toBeUndefined();
  });
});
