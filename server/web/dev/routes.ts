import { Router, type Request } from 'express';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';

/**
 * Whether the request came straight from this machine: a loopback peer and no proxy in
 * between (a reverse proxy on the same host connects from loopback on behalf of anyone, so
 * a forwarded request is not local). The socket's address, never req.ip, which TRUST_PROXY
 * lets a client choose.
 */
export function isLocalRequest(req: Pick<Request, 'socket' | 'headers'>): boolean {
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  return loopback && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
}

/**
 * Outside production (app.ts does not mount it there), mail written to data/outbox/ can be
 * read in the browser — from this machine only: the mails carry reset links and order
 * tokens, and HOST=0.0.0.0 in development exposes the server to the network.
 */
export function devRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use('/dev', (req, _res, next) => next(isLocalRequest(req) ? undefined : new AppError('NOT_FOUND', 404, 'errors.not_found')));
  r.get('/dev/outbox', (_req, res) => {
    const files = existsSync(ctx.outboxDir)
      ? readdirSync(ctx.outboxDir)
          .filter((f) => f.endsWith('.eml'))
          .map((name) => ({ name, size: statSync(join(ctx.outboxDir, name)).size, subject: subjectOf(join(ctx.outboxDir, name)) }))
          .sort((a, b) => b.name.localeCompare(a.name))
      : [];
    res.render('dev/outbox', { title: res.locals.t('dev.outbox_title'), files, dir: ctx.outboxDir });
  });
  r.get('/dev/outbox/:file', (req, res) => {
    const name = req.params.file;
    if (!/^[\w@.-]+\.eml$/.test(name) || !existsSync(join(ctx.outboxDir, name))) throw new AppError('NOT_FOUND', 404, 'errors.not_found');
    res.type('text/plain; charset=utf-8').set('Content-Disposition', `inline; filename="${name}"`).send(readFileSync(join(ctx.outboxDir, name)));
  });
  return r;
}

function subjectOf(path: string): string {
  const head = readFileSync(path, 'utf8').slice(0, 4000);
  const m = /^Subject: (.*(?:\n[ \t].*)*)/m.exec(head);
  if (!m) return '';
  return m[1]!.replace(/\n[ \t]/g, ' ').replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_s, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQ(data),
  );
}

function decodeQ(s: string): string {
  return Buffer.from(s.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}
