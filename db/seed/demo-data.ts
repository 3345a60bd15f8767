import { ibanWithCheckDigits } from '../../server/lib/identifiers';
/**
 * Fictitious partner shops of the Seine estuary, with varied categories and towns. Their
 * SIRETs are fictitious too (Luhn-valid, SIREN 9xx…): the commission invoice names them.
 */
export const demoMerchants = [
  { slug: 'librairie-la-galerne', name: 'Librairie La Galerne', category: 'Librairie', address: '148 rue de Paris', postalCode: '76600', city: 'Le Havre', siret: '90176037100012', website: 'https://example.org/galerne' },
  { slug: 'fromagerie-du-marche', name: 'Fromagerie du Marché', category: 'Alimentation fine', address: '12 rue Bernardin de Saint-Pierre', postalCode: '76600', city: 'Le Havre', siret: '90276074300010', website: null },
  { slug: 'atelier-velo-oceane', name: 'Atelier Vélo Océane', category: 'Sport et loisirs', address: '55 boulevard de Strasbourg', postalCode: '76600', city: 'Le Havre', siret: '90376111200015', website: 'https://example.org/velo-oceane' },
  { slug: 'maison-lemarchand', name: 'Maison Lemarchand', category: 'Prêt-à-porter', address: '8 place de l’Hôtel de Ville', postalCode: '76600', city: 'Le Havre', siret: '90476148300018', website: null },
  { slug: 'galerie-des-peintres', name: 'Galerie des Peintres', category: 'Art et décoration', address: '3 quai Saint-Étienne', postalCode: '14600', city: 'Honfleur', siret: '90576185400017', website: 'https://example.org/galerie-peintres' },
  { slug: 'le-grenier-a-sel', name: 'Le Grenier à Sel', category: 'Restaurant', address: '21 rue de la République', postalCode: '14600', city: 'Honfleur', siret: '90676222400010', website: null },
  { slug: 'bijouterie-falaise', name: 'Bijouterie Falaise', category: 'Bijouterie', address: '17 rue Jacques Huet', postalCode: '76400', city: 'Fécamp', siret: '90776259500011', website: null },
  { slug: 'le-comptoir-benedictin', name: 'Le Comptoir Bénédictin', category: 'Épicerie fine', address: '110 rue Alexandre Le Grand', postalCode: '76400', city: 'Fécamp', siret: '90876296600012', website: 'https://example.org/comptoir' },
  { slug: 'coiffure-alabaster', name: 'Coiffure Alabaster', category: 'Beauté et bien-être', address: '6 rue Monge', postalCode: '76790', city: 'Étretat', siret: '90976333600015', website: null },
  { slug: 'jouets-harfleur', name: 'Le Coffre à Jouets', category: 'Jouets', address: '4 rue de la Chaussée', postalCode: '76700', city: 'Harfleur', siret: '91076370500019', website: null },
  { slug: 'fleurs-montivilliers', name: 'Au Jardin d’Abbaye', category: 'Fleuriste', address: '2 rue Félix Faure', postalCode: '76290', city: 'Montivilliers', siret: '91176407400017', website: 'https://example.org/jardin-abbaye' },
  { slug: 'quincaillerie-bolbec', name: 'Quincaillerie Centrale', category: 'Bricolage', address: '31 rue de la République', postalCode: '76210', city: 'Bolbec', siret: '91276444600015', website: null },
  { slug: 'cinema-lillebonne', name: 'Cinéma Le Juliobona', category: 'Culture', address: '9 place Félix Faure', postalCode: '76170', city: 'Lillebonne', siret: '91376481700015', website: 'https://example.org/juliobona' },
] as const;

export const demoCampaigns = [
  {
    slug: 'seine-estuaire',
    name: 'Chèques cadeaux Seine Estuaire',
    operatorName: 'CCI Seine Estuaire',
    description:
      'Offrez un bon d’achat à dépenser chez les commerçants indépendants du territoire : librairies, restaurants, artisans, boutiques de mode, fleuristes…\n\nChaque euro dépensé reste dans nos centres-villes. Objectif : 60 000 € dépensés localement.',
    targetCents: 60_000_00,
    denominationsCents: [10_00, 20_00, 50_00],
    minAmountCents: 10_00,
    maxAmountCents: 150_00,
    validityDays: 365,
    maxVouchersPerOrder: 50,
    maxOrderCentsIndividual: 1_500_00,
    merchants: 'all' as const,
  },
  {
    slug: 'noel-fecamp',
    name: 'Noël à Fécamp',
    operatorName: 'Ville de Fécamp',
    description: 'Pour les fêtes, la Ville de Fécamp et ses commerçants lancent des bons cadeaux valables dans les boutiques fécampoises et voisines.',
    targetCents: 15_000_00,
    denominationsCents: [15_00, 30_00],
    minAmountCents: 10_00,
    maxAmountCents: 100_00,
    validityDays: 180,
    maxVouchersPerOrder: 20,
    maxOrderCentsIndividual: 600_00,
    // The town adds 20 % to each purchase, up to 30 € per buyer, within a 2 000 € budget.
    sponsorName: 'Ville de Fécamp',
    bonusKind: 'percent' as const,
    bonusBps: 2_000,
    bonusCapPerBuyerCents: 30_00,
    bonusBudgetCents: 2_000_00,
    merchants: ['bijouterie-falaise', 'le-comptoir-benedictin', 'coiffure-alabaster', 'fleurs-montivilliers'],
  },
];

/** Past demo sales, so the progress bars show something: [campaign, amounts per order…]. */
export const demoSales: [string, number[]][] = [
  ['seine-estuaire', [50_00, 50_00, 20_00, 20_00, 10_00, 150_00, 50_00, 100_00, 20_00, 50_00, 50_00, 30_00, 75_00, 20_00, 10_00, 50_00, 120_00, 50_00, 40_00, 20_00]],
  ['noel-fecamp', [30_00, 15_00, 30_00, 30_00, 15_00]],
];

/** Demo sign-ins for shops, printed on start (never seeded in production). */
export const DEMO_PASSWORD = 'demo-commerce-2026';
export const demoShopUsers = [
  { merchantSlug: 'librairie-la-galerne', email: 'galerne@demo.bons-locaux.fr', name: 'Claire (gérante)', role: 'owner' as const },
  { merchantSlug: 'librairie-la-galerne', email: 'vendeur.galerne@demo.bons-locaux.fr', name: 'Hugo (vendeur)', role: 'staff' as const },
  { merchantSlug: 'fromagerie-du-marche', email: 'fromagerie@demo.bons-locaux.fr', name: 'Paul (gérant)', role: 'owner' as const },
  { merchantSlug: 'bijouterie-falaise', email: 'bijouterie@demo.bons-locaux.fr', name: 'Inès (gérante)', role: 'owner' as const },
];

/**
 * A fictitious but valid French IBAN per demo shop (mod 97 holds; bank 30004 branch 00001),
 * so the demo can run a settlement and produce a SEPA file that validates.
 */
export function demoIban(index: number): string {
  return ibanWithCheckDigits('FR', `3000400001${String(10_000_000_000 + index * 7919).slice(-11)}${String(10 + (index % 89)).padStart(2, '0')}`);
}
