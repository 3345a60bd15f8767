import type { OpeningSlot } from '../../server/domain/merchants/opening-hours';

const h = (t: number) => Math.round(t * 60);

/** Demo weekly hours: a restaurant serves lunch and dinner Tuesday–Sunday, other shops open Tuesday–Saturday with a lunch break. */
export function demoOpeningHours(category: string): OpeningSlot[] {
  const days = category === 'Restaurant' ? [2, 3, 4, 5, 6, 7] : [2, 3, 4, 5, 6];
  const slots = category === 'Restaurant' ? [[12, 14], [19, 22.5]] : [[9.5, 12.5], [14, 19]];
  return days.flatMap((weekday) => slots.map(([o, c]) => ({ weekday, opensMinute: h(o!), closesMinute: h(c!) })));
}
