import { formatMoney } from '../lib/money';

/** A command's options, as node:util parseArgs gives them. */
export type Opts = Record<string, string | boolean | undefined>;

/** What a command returns: its exit code, the JSON printed with --json, the text otherwise. */
export type Result = { code: 0 | 1; json: Record<string, unknown>; text: string };

/** Bad arguments: cli.ts prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** Refuses the command's arguments (see UsageError). */
export function usage(message: string): never {
  throw new UsageError(message);
}

/** Amounts in command output: « €1,234.50 ». */
export const euros = (cents: number): string => formatMoney(cents, 'en');
