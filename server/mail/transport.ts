import nodemailer from 'nodemailer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  send(mail: OutgoingMail & { from: string }): Promise<void>;
}

/** Real SMTP when SMTP_URL is set (nodemailer reads user, password, port and TLS from it). */
export function smtpTransport(url: string): MailTransport {
  const t = nodemailer.createTransport(url);
  return {
    kind: 'smtp',
    send: async (mail) => {
      await t.sendMail(mail);
    },
  };
}

/** Without SMTP: each message becomes an .eml file in data/outbox/, listed at /dev/outbox. */
export function fileTransport(dir: string): MailTransport {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'files',
    send: async (mail) => {
      const info = await t.sendMail(mail);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safeTo = mail.to.replace(/[^a-zA-Z0-9@._-]/g, '_');
      // A random suffix: two messages in the same millisecond never overwrite each other.
      writeFileSync(join(dir, `${stamp}-${randomBytes(3).toString('hex')}-${safeTo}.eml`), info.message as Buffer);
    },
  };
}

/**
 * A message that can never be sent (what it carries no longer exists or no longer holds):
 * the worker marks it failed at once instead of retrying for two days.
 */
export class PermanentMailError extends Error {
  override name = 'PermanentMailError';
}
