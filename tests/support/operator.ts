import { expect } from 'vitest';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { FormClient } from './test-app';

/** A browser-like client signed in to the operator back-office (demo password by default). */
export async function operatorClient(baseUrl: string, email: string, password = DEMO_OPERATOR_PASSWORD): Promise<FormClient> {
  const c = new FormClient(baseUrl);
  const page = await c.get('/operateur/connexion');
  expect((await c.post('/operateur/connexion', { email, password }, page.html)).res.status).toBe(303);
  return c;
}
