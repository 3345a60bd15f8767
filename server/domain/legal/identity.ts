import type { Seller } from '../../invoices/invoice-document';

/** What the default legal texts quote from the operator's legal identity (server/operator.ts). */
export interface Identity {
  site: string;
  legalName: string;
  legalForm?: string;
  address: string;
  siret: string;
  vatNumber: string;
  email: string;
}

export function identityOf(operator: Seller, baseUrl: string): Identity {
  const a = operator.address;
  return {
    site: new URL(baseUrl).host,
    legalName: operator.legalName,
    legalForm: operator.legalForm,
    address: [...a.lines, `${a.postcode} ${a.city}`].join(', '),
    siret: operator.siret,
    vatNumber: operator.vatNumber,
    email: operator.email ?? '',
  };
}
