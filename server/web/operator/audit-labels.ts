import type { AuditNames } from '../../domain/audit/audit-names';
import { dictionaries, translateForPage } from '../../lib/i18n';

/**
 * The audit log in words (issue 15): « Virement enregistré » for `order_transfer_recorded`,
 * « Opérateur Claire Martin » for `operator:01a24d9c-…`, « Paiement (démo) » for `payment:demo`.
 * The raw values stay in the CSV export and in the filters' values, which tools read.
 */
const known = (key: string) => key in dictionaries.fr;

export function actionLabel(action: string, locale: string): string {
  const key = `operator.audit.act.${action.replace(/\./g, '_')}`;
  return known(key) ? translateForPage(locale, key) : action;
}

export function entityTypeLabel(type: string, locale: string): string {
  const key = `operator.audit.type.${type}`;
  return known(key) ? translateForPage(locale, key) : type;
}

export function actorLabel(actor: string, names: AuditNames, locale: string): string {
  const i = actor.indexOf(':');
  const kind = i < 0 ? actor : actor.slice(0, i);
  const rest = i < 0 ? '' : actor.slice(i + 1);
  const key = `operator.audit.by.${kind}`;
  if (!known(key)) return actor;
  if (kind === 'operator' || kind === 'user' || kind === 'key') {
    const name = names.actors.get(actor);
    return name === undefined ? translateForPage(locale, 'operator.audit.by.unknown') : translateForPage(locale, key, { name });
  }
  return translateForPage(locale, key, { name: rest.replace(/[-_]/g, ' ') });
}

/** The reference or name of an entry's object, or null when it has none to show (then the id stays). */
export function entityName(type: string, id: string, names: AuditNames): string | null {
  return names.entities.get(`${type}:${id}`) ?? null;
}
