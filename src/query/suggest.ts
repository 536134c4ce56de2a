import { closest, distance } from 'fastest-levenshtein';

/**
 * Up to `max` of `keys` close to something nobody recorded, best first: typos are a few edits
 * away, and a fragment of a long id is contained in it. When nothing is close and there are only
 * a few keys, the single closest one is still worth showing.
 */
export function closestMatches(ref: string, keys: readonly string[], max = 3): string[] {
  const budget = Math.max(2, Math.floor(ref.length / 3));
  const scored = [...new Set(keys)]
    .map((key) => ({ key, d: key.includes(ref) ? 0 : distance(ref, key) }))
    .filter(({ d }) => d <= budget)
    .sort((a, b) => a.d - b.d || a.key.localeCompare(b.key))
    .slice(0, max)
    .map(({ key }) => key);
  if (scored.length === 0 && keys.length > 0 && keys.length <= 20) return [closest(ref, [...keys])];
  return scored;
}
