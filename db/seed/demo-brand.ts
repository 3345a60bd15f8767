import type { Database_ } from '../client';
import { parseBrandForm } from '../../server/domain/brand/brand';
import { saveBrand } from '../../server/domain/brand/brand-service';
import { fixedClock } from '../../server/lib/clock';

/**
 * A brand for the demo started with `npm start` (or `cli seed-demo`), so the operator's
 * settings show at first sight: a scheme name and colours that pass the contrast check
 * (checked here by the same rule as the form). The test apps do not get it: their pages
 * keep the default look the tests expect. An admin changes or replaces it in the back-office.
 */
export function seedDemoBrand(database: Database_, now: Date): void {
  const { input } = parseBrandForm({ name: 'Bons d’achat Seine Estuaire', primary: '#0e5a6b', accent: '#b23c0c' });
  if (!input) throw new Error('the demo brand fails its own contrast check');
  saveBrand({ database, clock: fixedClock(now) }, 'system:seed', input);
}
