import { Router } from 'express';
import type { AppContext } from '../context';
import { operatorAuthRoutes } from './auth-routes';
import { operatorOrderRoutes } from './orders-routes';
import { operatorSecurityRoutes } from './security-routes';
import { operatorSettlementRoutes } from './settlements-routes';
import { operatorReportRoutes } from './reports-routes';
import { operatorArea } from './session';
import { operatorVoucherRoutes } from './vouchers-routes';
import { operatorAuditRoutes } from './audit-routes';
import { operatorRedemptionEventRoutes } from './redemption-events-routes';
import { operatorMerchantRoutes } from './merchants-routes';
import { operatorCampaignRoutes } from './campaigns-routes';
import { operatorImpactRoutes } from './impact-routes';
import { operatorLegalRoutes } from './legal-routes';
import { operatorPersonalDataRoutes } from './personal-data-routes';

/**
 * The operator's back-office under /operateur. Mounted after the shop pages: the body
 * parser and CSRF check of the page stack already ran; each route checks its permission.
 */
export function operatorRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use('/operateur', ctx.withCsrf, operatorArea(ctx));
  r.use(operatorAuthRoutes(ctx));
  r.use(operatorOrderRoutes(ctx));
  r.use(operatorSecurityRoutes(ctx));
  r.use(operatorSettlementRoutes(ctx));
  r.use(operatorReportRoutes(ctx));
  r.use(operatorVoucherRoutes(ctx));
  r.use(operatorAuditRoutes(ctx));
  r.use(operatorRedemptionEventRoutes(ctx));
  r.use(operatorMerchantRoutes(ctx));
  r.use(operatorCampaignRoutes(ctx));
  r.use(operatorImpactRoutes(ctx));
  r.use(operatorLegalRoutes(ctx));
  r.use(operatorPersonalDataRoutes(ctx));
  return r;
}
