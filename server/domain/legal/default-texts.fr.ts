import type { LegalPageKey } from './legal-pages';
import type { Identity } from './identity';

/**
 * Default French texts of the legal pages: a sound starting point built from the operator's
 * legal identity, with [À COMPLÉTER …] where only the operator knows the answer (host,
 * publication director, durations it chose). The operator adapts them in the back-office.
 */
export function defaultTextFr(page: LegalPageKey, o: Identity): string {
  switch (page) {
    case 'mentions':
      return `## Éditeur du site
Le site ${o.site} est édité par **${o.legalName}**${o.legalForm ? `, ${o.legalForm}` : ''}.
Adresse : ${o.address}
SIRET : ${o.siret} · TVA intracommunautaire : ${o.vatNumber}
Contact : [${o.email}](mailto:${o.email})

## Directeur de la publication
[À COMPLÉTER : nom et fonction du directeur ou de la directrice de la publication]

## Hébergement
[À COMPLÉTER : nom, raison sociale, adresse et téléphone de l'hébergeur du site]

## Propriété intellectuelle
Les textes, logos et images de ce site appartiennent à ${o.legalName} ou à leurs auteurs. Toute reproduction sans autorisation est interdite.

## Données personnelles et cookies
Le site ne dépose que les cookies nécessaires à son fonctionnement (langue, session, protection des formulaires) : aucun cookie de mesure d'audience ni de publicité. Voir la [politique de confidentialité](/confidentialite).`;
    case 'terms':
      return `## Objet
Les présentes conditions régissent la vente, par **${o.legalName}** (« l'opérateur »), de bons d'achat valables uniquement chez les commerces partenaires de l'opération, et leur utilisation.

## Nature des bons
Les bons sont des **bons à usages multiples** (article 256 ter du code général des impôts) : leur vente n'est pas soumise à la TVA ; la TVA est due par le commerce lorsqu'il accepte le bon en paiement.
Chaque bon porte un code unique et un QR code. Il est au porteur : quiconque présente le code peut l'utiliser.

## Commande et paiement
La commande est passée sur le site ; le prix est la valeur faciale des bons, sans frais. Le paiement se fait par carte bancaire (prestataire de paiement sécurisé) ou, pour les organisations, par virement. Les bons sont envoyés par e-mail dès le paiement reçu.

## Validité et utilisation
- Les bons sont utilisables jusqu'à la date de fin de validité indiquée sur chaque bon, uniquement chez les commerces partenaires de l'opération listés sur le site.
- Un bon peut être utilisé en plusieurs fois, jusqu'à épuisement de son solde.
- **Aucun rendu de monnaie** n'est fait : si l'achat est inférieur au solde, le reste demeure sur le bon ; s'il est supérieur, la différence est payée par un autre moyen.
- Les bons ne sont ni échangeables contre de l'argent ni remboursables une fois la date de validité passée.

## Perte ou vol
Signalez sans attendre la perte ou le vol d'un bon à [${o.email}](mailto:${o.email}) en indiquant la référence de votre commande. L'opérateur bloque le bon et vous en délivre un nouveau pour le solde non utilisé au moment du blocage. Les montants utilisés avant le signalement ne peuvent pas être remboursés.

## Droit de rétractation
Si vous achetez en tant que consommateur, vous disposez de 14 jours à compter de la commande pour vous rétracter (article L221-18 du code de la consommation), sans avoir à vous justifier, en écrivant à [${o.email}](mailto:${o.email}). Vous êtes remboursé du solde des bons non utilisés dans les 14 jours, par le moyen de paiement utilisé pour la commande ; les bons sont alors annulés. Les achats faits par une organisation pour ses besoins professionnels n'ouvrent pas ce droit.
[À COMPLÉTER : adapter si l'opération prévoit des règles plus favorables]

## Remboursement en dehors de la rétractation
Hors rétractation, les bons ne sont remboursés que si l'opération est annulée par l'opérateur.

## Réclamations et médiation
Toute réclamation est à adresser à [${o.email}](mailto:${o.email}). En cas de litige, vous pouvez recourir gratuitement au médiateur de la consommation : [À COMPLÉTER : nom et site du médiateur].

## Données personnelles
Voir la [politique de confidentialité](/confidentialite).`;
    case 'merchant-terms':
      return `## Objet
Les présentes conditions fixent les règles de participation des commerces à l'opération de bons d'achat organisée par **${o.legalName}** (« l'opérateur »).

## Candidature
Le commerce candidate sur le site. L'opérateur vérifie les informations (SIRET, coordonnées bancaires) et accepte ou refuse la candidature ; un commerce accepté est publié sur le site de l'opération.

## Acceptation des bons
- Le commerce accepte les bons en paiement de tout achat, jusqu'à leur solde et pendant leur validité, en les validant avec la caisse en ligne du site.
- Il ne rend pas de monnaie sur un bon et ne l'échange pas contre de l'argent.
- Il refuse un bon bloqué ou expiré, tel que la caisse l'indique.

## Remboursement du commerce
L'opérateur rembourse au commerce, par virement sur le compte déclaré, la valeur des bons acceptés, selon le calendrier de règlement de l'opération ; un relevé détaille chaque règlement.
[À COMPLÉTER : commission éventuelle et calendrier]

## TVA
Les bons sont des bons à usages multiples : le commerce déclare la TVA sur la vente qu'il réalise lorsqu'il accepte le bon.

## Sortie du programme
Le commerce peut quitter l'opération en écrivant à [${o.email}](mailto:${o.email}) ; les bons acceptés avant sa sortie lui sont remboursés.

## Données personnelles
Les informations de la candidature sont utilisées pour traiter la candidature, publier le commerce et lui verser les remboursements. Voir la [politique de confidentialité](/confidentialite).`;
    case 'privacy':
      return `## Responsable du traitement
**${o.legalName}**, ${o.address}. Contact : [${o.email}](mailto:${o.email}).
Délégué à la protection des données : [À COMPLÉTER : nom ou service et adresse de contact du DPO]

## Données traitées et finalités
- **Achat de bons** : nom et adresse e-mail de l'acheteur, et le cas échéant nom, e-mail et message du destinataire, pour envoyer les bons et la facture (base légale : exécution du contrat).
- **Bénéficiaires désignés par une organisation** (employeur, mairie) : nom et e-mail, pour leur envoyer leurs bons (base légale : exécution du contrat conclu avec l'organisation, ou mission d'intérêt public pour une collectivité).
- **Commerces partenaires** : coordonnées du commerce, de ses utilisateurs et coordonnées bancaires, pour gérer leur participation et les rembourser (base légale : exécution du contrat).
- **Factures et écritures comptables** : conservation imposée par la loi (base légale : obligation légale).
- **Sécurité** : journaux techniques et journal d'audit des actions du personnel (base légale : intérêt légitime à protéger le service).

## Durées de conservation
- Données des acheteurs, bénéficiaires et destinataires : effacées ou pseudonymisées [À COMPLÉTER : nombre] mois après la clôture de l'opération.
- Factures et pièces comptables : 10 ans (article L123-22 du code de commerce).
- Journaux techniques : [À COMPLÉTER : durée, par exemple 12 mois].

## Destinataires
Les données ne sont ni vendues ni cédées. Elles sont traitées par l'opérateur et ses sous-traitants : hébergeur, prestataire de paiement (pour les paiements par carte), service d'envoi d'e-mails. [À COMPLÉTER : noms des sous-traitants]

## Vos droits
Vous pouvez accéder à vos données, les faire rectifier ou effacer, vous opposer à leur traitement ou en demander la limitation et la portabilité, en écrivant à [${o.email}](mailto:${o.email}). Vous pouvez aussi introduire une réclamation auprès de la CNIL ([www.cnil.fr](https://www.cnil.fr)).

## Cookies
Le site ne dépose que des cookies nécessaires à son fonctionnement (langue, session, protection des formulaires), exemptés de consentement.`;
    case 'accessibility':
      return `## Résultats des tests
[À COMPLÉTER après l'audit : pourcentage de critères RGAA respectés, date de l'audit et organisme qui l'a réalisé]

## Contenus non accessibles
### Non-conformités
[À COMPLÉTER : liste des critères non respectés]

### Dérogations pour charge disproportionnée
Aucune.

### Contenus non soumis à l'obligation d'accessibilité
[À COMPLÉTER : par exemple les contenus de tiers]

## Établissement de cette déclaration
Cette déclaration a été établie le [À COMPLÉTER : date].
Technologies utilisées : HTML5, CSS, JavaScript (non requis pour acheter).
Environnement de test : [À COMPLÉTER : navigateurs et technologies d'assistance utilisés]

## Retour d'information et contact
Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez ${o.legalName} pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme : [${o.email}](mailto:${o.email}), ${o.address}.

## Voies de recours
Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu ou une fonctionnalité du site, que vous nous le signalez et que vous ne parvenez pas à obtenir une réponse de notre part, vous êtes en droit de faire parvenir vos doléances ou une demande de saisine au Défenseur des droits :
- écrire un message au Défenseur des droits ([formulaire en ligne](https://formulaire.defenseurdesdroits.fr/)) ;
- contacter le délégué du Défenseur des droits dans votre région ([liste des délégués](https://www.defenseurdesdroits.fr/saisir/delegues)) ;
- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.`;
  }
}
