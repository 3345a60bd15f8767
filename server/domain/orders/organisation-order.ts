import { vatOn } from '../../invoices/invoice-document';
import { cents, percentOf } from '../../lib/money';
import { AppError } from '../../lib/errors';
import { isGiftEvent, largestGiftPerEmployee, type GiftEvent } from '../bulk/employer-gifts';
import type { Campaign } from '../campaigns/campaign';
import { SERVICE_FEE_VAT_BP } from '../invoices/invoices-service';
import type { OrganisationInput } from '../organisations/organisations-service';
import { checkOrganisationBuyer, type OrganisationBuyerInput } from './organisation-buyer';

/** The API's bound on lines and quantities, the form's on its total and a file's rows (checkOrder bounds every order by it). */
export { MAX_ORDER_VOUCHERS } from '../campaigns/campaign';

export interface OrganisationOrderInput {
  /** Employer gift event printed on the vouchers (companies). */
  giftEvent?: string;
  /** The buyer read the ceiling warning and orders anyway. */
  ceilingAcknowledged?: boolean;
}

interface Input extends OrganisationOrderInput {
  buyer: Omit<OrganisationBuyerInput, 'type'> & { type: string; name: string; email: string };
  items: { amountCents: number; quantity: number; recipientName?: string; recipientEmail?: string }[];
}

export interface OrganisationTerms {
  organisation: OrganisationInput;
  purchaseOrder: string | null;
  serviceCode: string | null;
  giftEvent: GiftEvent | null;
  feeCents: number;
  feeVatCents: number;
}

/**
 * The extra rules of an organisation's order (the year's employer ceiling read by the caller
 * in the order's unit of work): checked
 * identity (SIRET, VAT, address), the service fee and its VAT (same rounding as the
 * invoice), and for employers the URSSAF gift ceiling per employee unless an event is
 * given or the buyer acknowledged the warning.
 */
export function organisationTerms(campaign: Campaign, input: Input, faceCents: number, employerCeilingCents: number): OrganisationTerms {
  const type = input.buyer.type as 'company' | 'municipality';
  const checked = checkOrganisationBuyer({ ...input.buyer, type });
  if (!checked.ok) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', checked.fields);
  if (input.giftEvent !== undefined && !isGiftEvent(input.giftEvent)) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { giftEvent: 'errors.gift_event' });
  const giftEvent = type === 'company' && isGiftEvent(input.giftEvent) ? input.giftEvent : null;
  if (type === 'company' && !giftEvent && !input.ceilingAcknowledged) {
    const ceiling = employerCeilingCents;
    const largest = largestGiftPerEmployee(input.items);
    if (largest > ceiling) {
      throw new AppError('EMPLOYER_CEILING_EXCEEDED', 422, 'errors.employer_ceiling_exceeded', { items: 'errors.employer_ceiling_exceeded' }, { ceilingCents: ceiling, largestCents: largest });
    }
  }
  const feeCents = percentOf(cents(faceCents), campaign.orgFeeBps);
  const v = checked.value;
  return {
    organisation: {
      kind: type,
      name: v.organisation,
      siret: v.siret,
      vatNumber: v.vatNumber,
      billingAddress: v.billingAddress,
      postalCode: v.postalCode,
      city: v.city,
      contactName: input.buyer.name,
      contactEmail: input.buyer.email,
    },
    purchaseOrder: v.purchaseOrder,
    serviceCode: v.serviceCode,
    giftEvent,
    feeCents,
    feeVatCents: vatOn(feeCents, SERVICE_FEE_VAT_BP),
  };
}
