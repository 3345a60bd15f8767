/** Monday (UTC) of the week holding `d`, as YYYY-MM-DD: the weeks of the impact chart and its aggregate. */
export function weekStart(d: Date): string {
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}
