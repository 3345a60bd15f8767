/**
 * Which shop categories may accept a campaign (e.g. an employer campaign without fuel or
 * everyday food). Checked where a shop is linked to a campaign (campaign_merchants rows are
 * written by onboarding-service.replaceCampaigns, for applications and operator edits).
 * Links that already exist stay when a campaign later narrows its categories: the shop has
 * taken vouchers in good faith and its settlement must not change; the operator unlinks it
 * explicitly if needed.
 */
export function acceptsCategory(acceptedCategoriesJson: string | null, category: string): boolean {
  if (acceptedCategoriesJson === null) return true;
  const list = JSON.parse(acceptedCategoriesJson) as unknown;
  return Array.isArray(list) && list.includes(category);
}
