/**
 * What each operator role may do: one pure table, so every route, CLI command and test
 * asks the same question (`can(role, action)`) and the answer is reviewed in one place.
 * viewer reads only; operator runs the programme (orders, transfers, shops, settlements);
 * admin does everything, including managing staff and the operator's settings.
 */
export const OPERATOR_ROLES = ['admin', 'operator', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

const ALL: readonly OperatorRole[] = OPERATOR_ROLES;
const RUNS: readonly OperatorRole[] = ['admin', 'operator'];
const ADMIN: readonly OperatorRole[] = ['admin'];

const PERMISSIONS = {
  /** One's own account: password, second factor. */
  'account.self': ALL,
  'orders.read': ALL,
  'orders.record_transfer': RUNS,
  'orders.cancel': RUNS,
  /** Refund a card order's unused vouchers through the payment provider. */
  'orders.refund': RUNS,
  'merchants.read': ALL,
  'merchants.manage': RUNS,
  'campaigns.read': ALL,
  'campaigns.manage': RUNS,
  'settlements.read': ALL,
  'settlements.run': RUNS,
  /** Voucher support: look a voucher up; block, unblock, reissue, adjust its balance. */
  'vouchers.read': ALL,
  'vouchers.manage': RUNS,
  'audit.read': ALL,
  'staff.read': ALL,
  'staff.manage': ADMIN,
  'settings.manage': ADMIN,
  /** A data subject's request: look up, export or erase one person's data; campaigns' retention. */
  'personal_data.manage': ADMIN,
} as const satisfies Record<string, readonly OperatorRole[]>;

export type OperatorAction = keyof typeof PERMISSIONS;

export function isOperatorRole(x: unknown): x is OperatorRole {
  return typeof x === 'string' && (OPERATOR_ROLES as readonly string[]).includes(x);
}

/** Unknown roles and unknown actions are refused (deny by default). */
export function can(role: string | null | undefined, action: OperatorAction): boolean {
  const allowed: readonly string[] | undefined = Object.hasOwn(PERMISSIONS, action) ? PERMISSIONS[action] : undefined;
  return !!role && !!allowed && allowed.includes(role);
}
