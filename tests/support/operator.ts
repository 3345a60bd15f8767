import { expect } from 'vitest';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { FormClient } from './test-app';

/** The demo back-office accounts (seeded with DEMO_OPERATOR_PASSWORD): an admin and a read-only viewer. */
export const DEMO_ADMIN_EMAIL = 'operateur@demo.bons-locaux.fr';
export const DEMO_VIEWER_EMAIL = 'lecture@demo.bons-locaux.fr';

/**
 * A browser-like client signed in to the operator back-office (demo password by default).
 * With `next`, the form carries it and the sign-in must redirect there.
 */
export async function operatorClient(baseUrl: string, email: string, password = DEMO_OPERATOR_PASSWORD, options: { next?: string } = {}): Promise<FormClient> {
  const c = new FormClient(baseUrl);
  const page = await c.get('/operateur/connexion');
  const fields: Record<string, string> = { email, password };
  if (options.next !== undefined) fields.next = options.next;
  const res = await c.post('/operateur/connexion', fields, page.html);
  expect(res.res.status).toBe(303);
  if (options.next !== undefined) expect(res.res.headers.get('location')).toBe(options.next);
  return c;
}
