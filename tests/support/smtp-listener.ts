import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedAttachment {
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

/** One message as a mail client would see it, plus the SMTP envelope it came with. */
export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  /** The From header as text, e.g. `Bons d'achat <no-reply@localhost>`. */
  from: string;
  /** Addresses of the To header. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: ReceivedAttachment[];
}

export interface SmtpListener {
  url: string;
  port: number;
  /** Accepted messages, in arrival order. */
  messages: ReceivedMail[];
  /** How many messages were refused by failNext. */
  readonly rejected: number;
  /** Messages whose DATA has arrived but which have not been answered yet (see slowDown). */
  readonly inFlight: number;
  /** Refuses the next `n` messages after their DATA, with a temporary error (451 by default). */
  failNext(n: number, responseCode?: number): void;
  /** Holds each answer to DATA for `ms`, so a send stays in flight that long. */
  slowDown(ms: number): void;
  close(): Promise<void>;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? '')).filter(Boolean);

/**
 * A real SMTP server on 127.0.0.1 (ephemeral port unless `port` is given), no TLS and no
 * authentication required, that parses and keeps every message it accepts.
 */
export async function startSmtpListener(opts: { port?: number } = {}): Promise<SmtpListener> {
  const messages: ReceivedMail[] = [];
  let failRemaining = 0;
  let failCode = 451;
  let rejected = 0;
  let inFlight = 0;
  let delayMs = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'test listener',
    closeTimeout: 500,
    onData(stream, session, callback) {
      inFlight++;
      simpleParser(stream)
        .then(async (parsed) => {
          if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
          if (failRemaining > 0) {
            failRemaining--;
            rejected++;
            const err = new Error('Temporary failure, try again later (test listener)') as Error & { responseCode: number };
            err.responseCode = failCode;
            return callback(err);
          }
          messages.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: parsed.from?.text ?? '',
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
          });
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))))
        .finally(() => inFlight--);
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors on client sockets (a client hanging up) must not crash the test process.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;

  let closed = false;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get rejected() {
      return rejected;
    },
    get inFlight() {
      return inFlight;
    },
    failNext(n, responseCode = 451) {
      failRemaining = n;
      failCode = responseCode;
    },
    slowDown(ms) {
      delayMs = ms;
    },
    close: () =>
      closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            closed = true;
            server.close(() => resolve());
          }),
  };
}
