import type { LegalPageKey } from './legal-pages';
import type { Identity } from './identity';

/**
 * Default English texts of the legal pages (the French ones are the reference; these say the
 * same). [TO COMPLETE …] marks what only the operator knows; it adapts them in the back-office.
 */
export function defaultTextEn(page: LegalPageKey, o: Identity): string {
  switch (page) {
    case 'mentions':
      return `## Publisher
The site ${o.site} is published by **${o.legalName}**${o.legalForm ? `, ${o.legalForm}` : ''}.
Address: ${o.address}
SIRET: ${o.siret} · VAT number: ${o.vatNumber}
Contact: [${o.email}](mailto:${o.email})

## Publication director
[TO COMPLETE: name and position of the publication director]

## Hosting
[TO COMPLETE: name, company name, address and telephone number of the site's host]

## Intellectual property
The texts, logos and images of this site belong to ${o.legalName} or to their authors. Any reproduction without permission is forbidden.

## Personal data and cookies
The site only sets the cookies it needs to work (language, session, form protection): no audience measurement or advertising cookie. See the [privacy notice](/confidentialite).`;
    case 'terms':
      return `## Purpose
These terms govern the sale by **${o.legalName}** ("the operator") of vouchers valid only in the partner shops of the scheme, and their use.

## Nature of the vouchers
The vouchers are **multi-purpose vouchers** (article 256 ter of the French general tax code): their sale bears no VAT; VAT is due by the shop when it accepts the voucher as payment.
Each voucher carries a unique code and a QR code. It is a bearer voucher: whoever shows the code can use it.

## Order and payment
Orders are placed on the site; the price is the face value of the vouchers, without fees. Payment is by card (secure payment provider) or, for organisations, by bank transfer. The vouchers are emailed as soon as payment is received.

## Validity and use
- Vouchers can be used until the expiry date shown on each voucher, only in the scheme's partner shops listed on the site.
- A voucher can be used several times, until its balance is spent.
- **No change is given**: if a purchase is below the balance, the rest stays on the voucher; if it is above, the difference is paid by other means.
- Vouchers cannot be exchanged for cash and are not refunded once their expiry date has passed.

## Loss or theft
Report the loss or theft of a voucher at once to [${o.email}](mailto:${o.email}) with your order reference. The operator blocks the voucher and issues you a new one for the balance unused when it was blocked. Amounts spent before the report cannot be refunded.

## Right of withdrawal
If you buy as a consumer, you may withdraw within 14 days of your order (article L221-18 of the French consumer code), without giving a reason, by writing to [${o.email}](mailto:${o.email}). The balance of the unused vouchers is refunded within 14 days, by the means of payment used for the order, and the vouchers are cancelled. Purchases made by an organisation for its business do not carry this right.
[TO COMPLETE: adapt if the scheme grants more favourable rules]

## Refunds outside withdrawal
Apart from withdrawal, vouchers are refunded only if the operator cancels the scheme.

## Complaints and mediation
Send any complaint to [${o.email}](mailto:${o.email}). In case of dispute you may turn, free of charge, to the consumer mediator: [TO COMPLETE: name and website of the mediator].

## Personal data
See the [privacy notice](/confidentialite).`;
    case 'merchant-terms':
      return `## Purpose
These terms set the rules under which shops take part in the voucher scheme run by **${o.legalName}** ("the operator").

## Application
The shop applies on the site. The operator checks the information (SIRET, bank details) and accepts or refuses the application; an accepted shop is listed on the scheme's site.

## Accepting vouchers
- The shop accepts vouchers as payment for any purchase, up to their balance and while they are valid, by recording them with the site's online till.
- It gives no change on a voucher and does not exchange it for cash.
- It refuses a blocked or expired voucher, as the till says.

## Paying the shop
The operator pays the shop, by bank transfer to the declared account, the value of the vouchers it accepted, on the scheme's settlement calendar; a statement details each payment.
[TO COMPLETE: commission if any, and calendar]

## VAT
The vouchers are multi-purpose vouchers: the shop declares VAT on the sale it makes when it accepts the voucher.

## Leaving the scheme
The shop may leave the scheme by writing to [${o.email}](mailto:${o.email}); vouchers accepted before it leaves are paid to it.

## Personal data
The application's information is used to process the application, list the shop and pay it. See the [privacy notice](/confidentialite).`;
    case 'privacy':
      return `## Controller
**${o.legalName}**, ${o.address}. Contact: [${o.email}](mailto:${o.email}).
Data protection officer: [TO COMPLETE: name or department and contact address of the DPO]

## Data processed and purposes
- **Buying vouchers**: the buyer's name and email address and, where given, the recipient's name, email and message, to send the vouchers and the invoice (legal basis: performance of the contract).
- **Beneficiaries named by an organisation** (employer, town hall): name and email, to send them their vouchers (legal basis: performance of the contract with the organisation, or a task in the public interest for a public body).
- **Partner shops**: the shop's details, its users' details and bank details, to manage its participation and pay it (legal basis: performance of the contract).
- **Invoices and accounting entries**: kept as the law requires (legal basis: legal obligation).
- **Security**: technical logs and the audit log of staff actions (legal basis: legitimate interest in protecting the service).

## Retention
- Buyers', beneficiaries' and recipients' data: erased or pseudonymised [TO COMPLETE: number] months after the scheme closes.
- Invoices and accounting records: 10 years (article L123-22 of the French commercial code).
- Technical logs: [TO COMPLETE: duration, e.g. 12 months].

## Recipients
The data is neither sold nor transferred. It is processed by the operator and its processors: host, payment provider (for card payments), email service. [TO COMPLETE: names of the processors]

## Your rights
You may access your data, have it corrected or erased, object to its processing or ask for its restriction and portability, by writing to [${o.email}](mailto:${o.email}). You may also lodge a complaint with the CNIL ([www.cnil.fr](https://www.cnil.fr)).

## Cookies
The site only sets cookies it needs to work (language, session, form protection), which need no consent.`;
    case 'accessibility':
      return `## Test results
[TO COMPLETE after the audit: share of RGAA criteria met, date of the audit and who carried it out]

## Content that is not accessible
### Non-conformities
[TO COMPLETE: list of the criteria not met]

### Derogations for disproportionate burden
None.

### Content not subject to the accessibility obligation
[TO COMPLETE: e.g. third-party content]

## Preparation of this statement
This statement was prepared on [TO COMPLETE: date].
Technologies used: HTML5, CSS, JavaScript (not needed to buy).
Test environment: [TO COMPLETE: browsers and assistive technologies used]

## Feedback and contact
If you cannot access some content or a service, contact ${o.legalName} to be directed to an accessible alternative or to get the content in another form: [${o.email}](mailto:${o.email}), ${o.address}.

## Recourse
If you report an accessibility defect that prevents you from accessing content or a feature of the site and you get no answer from us, you may send a complaint or a referral to the Défenseur des droits (the French rights defender):
- write to the Défenseur des droits ([online form](https://formulaire.defenseurdesdroits.fr/));
- contact the Défenseur des droits' delegate in your region ([list of delegates](https://www.defenseurdesdroits.fr/saisir/delegues));
- send a letter by post (free of charge, no stamp needed): Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.`;
  }
}
