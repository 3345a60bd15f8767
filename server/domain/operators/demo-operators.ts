import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { createOperatorUser } from './operator-users-service';
import type { OperatorRole } from './roles';

/** Printed on start with the other demo accounts; never used outside the demo seed. */
export const DEMO_OPERATOR_PASSWORD = 'demo-operateur-2026';

export const demoOperatorUsers: { email: string; name: string; role: OperatorRole }[] = [
  { email: 'operateur@demo.bons-locaux.fr', name: 'Nadia Martin', role: 'admin' },
  { email: 'lecture@demo.bons-locaux.fr', name: 'Marc Leroy', role: 'viewer' },
];

/** The back-office's demo staff: an admin and a read-only viewer. */
export async function seedDemoOperators(deps: { database: Database_; clock: Clock }): Promise<{ email: string; password: string; role: OperatorRole }[]> {
  for (const u of demoOperatorUsers) await createOperatorUser(deps, { ...u, password: DEMO_OPERATOR_PASSWORD });
  return demoOperatorUsers.map((u) => ({ email: u.email, password: DEMO_OPERATOR_PASSWORD, role: u.role }));
}
