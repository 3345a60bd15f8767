import { z } from 'zod';
import { parisDateTime, parisWallTime } from '../../lib/paris-time';
import { plainText } from '../api/plain-text-schema';
import type { GiftInput } from '../../domain/gifts/gifts-service';

const text = (max: number, tooLong = 'errors.too_long') => z.string().trim().max(max, { message: tooLong });

/**
 * The « send this voucher by email » form of the buyer's order page. Date and time are
 * what a Paris clock shows (the page says so); they become an instant here. Errors are
 * i18n keys per field, shown beside the field.
 */
const schema = z
  .object({
    voucherId: z.string().trim().min(1).max(64),
    recipientEmail: z.string().trim().toLowerCase().max(254, { message: 'errors.email' }).pipe(z.email({ message: 'errors.email' })),
    recipientName: text(80).pipe(plainText()),
    message: text(300, 'errors.message_too_long').pipe(plainText(true)),
    when: z.enum(['now', 'later'], { message: 'gifts.errors.date_format' }),
    sendDate: z.string().trim().max(10),
    sendTime: z.string().trim().max(5),
  })
  .superRefine((v, ctx) => {
    if (v.when === 'later' && !laterInstant(v.sendDate, v.sendTime)) ctx.addIssue({ code: 'custom', path: ['sendDate'], message: 'gifts.errors.date_format' });
  });

export type GiftFormValues = Record<'voucherId' | 'recipientEmail' | 'recipientName' | 'message' | 'when' | 'sendDate' | 'sendTime', string>;

/** The instant Paris clocks show `time` on `date`, or null for a date or time that does not exist. */
function laterInstant(date: string, time: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t || +t[1]! > 23 || +t[2]! > 59) return null;
  const at = parisWallTime(date, +t[1]!, +t[2]!);
  // 2026-02-30 rolls over to March: refused rather than moved.
  return parisDateTime(at).slice(0, 10) === date ? at : null;
}

const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

export function parseGiftForm(body: Record<string, unknown>): { values: GiftFormValues; errors: Record<string, string>; input?: GiftInput } {
  const values: GiftFormValues = {
    voucherId: str(body.voucherId, 64),
    recipientEmail: str(body.recipientEmail, 320),
    recipientName: str(body.recipientName, 200),
    message: str(body.message, 1000),
    when: str(body.when, 10) || 'now',
    sendDate: str(body.sendDate, 20),
    sendTime: str(body.sendTime, 20),
  };
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message.startsWith('errors.') || issue.message.startsWith('gifts.') ? issue.message : 'errors.required';
    return { values, errors };
  }
  const v = parsed.data;
  return {
    values,
    errors: {},
    input: {
      voucherId: v.voucherId,
      recipientEmail: v.recipientEmail,
      recipientName: v.recipientName || undefined,
      message: v.message || undefined,
      sendAt: v.when === 'later' ? laterInstant(v.sendDate, v.sendTime) : null,
    },
  };
}
