/**
 * Overlapping loads of one view (a select changed twice, Refresh pressed while loading): only the
 * latest may render. An earlier answer arriving late would otherwise show the previous choice's
 * data, or a second copy beside the new one.
 *
 *   const begin = latestOnly();
 *   const load = async () => { const current = begin(); const r = await fetch…; if (!current()) return; render(r); };
 */
export function latestOnly(): () => () => boolean {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
