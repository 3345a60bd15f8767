/**
 * A till server process on PostgreSQL, for the multi-process tests: the real POS handlers
 * (pos-routes.ts `redeemHandler`, `voidHandler`: validation, the money path, the JSON
 * answers, the error handler) on the PostgreSQL till (till-postgres.ts) with its own pool.
 * What it does NOT serve: the app's authentication (API keys and sessions, still on SQLite):
 * the shop is named by an `x-test-shop` header instead, which only this test server reads.
 *   PG_URL=postgres://… node --import tsx tests/support/pg-till-server.ts   → prints "listening <port>"
 */
import express from 'express';
import { openPostgresPool } from '../../db/postgres-pool';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { REDEMPTIONS_PATH, redeemHandler, voidHandler } from '../../server/web/api/pos-routes';
import { leanJsonBody } from '../../server/web/middleware/json-body';
import { errorHandler } from '../../server/web/middleware/errors';

const pg = openPostgresPool(process.env.PG_URL!, { max: Number(process.env.PG_POOL ?? 10) });
const till = postgresTill(pg, { clock: systemClock, voidWindowMinutes: 30 });
const app = express();
const shop: express.RequestHandler = (req, res, next) => {
  const merchantId = req.get('x-test-shop');
  if (!merchantId) return res.status(401).json({ error: { code: 'UNAUTHORIZED' } });
  res.locals.apiActor = { kind: 'merchant', merchantId, actor: `test-shop:${process.pid}` };
  next();
};
app.post(REDEMPTIONS_PATH, shop, leanJsonBody(16 * 1024), redeemHandler(till));
app.post('/api/v1/redemptions/:id/void', shop, voidHandler(till));
app.use(errorHandler(createLogger('silent')));
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => void pg.close().then(() => process.exit(0))));
