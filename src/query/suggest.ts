import { distance } from 'fastest-levenshtein';

/**
 * Up to `max` of `keys` close to something nobody recorded, best first: typos are a few edits
 * away, and a fragment of a long id is contained in it. Nothing close gives nothing: a random
 * "did you mean" is worse than none.
 */
export function closestMatches(ref: string, keys: readonly string[], max = 3): string[] {
  const budget = Math.max(2, Math.floor(ref.length / 3));
  return [...new Set(keys)]
    .map((key) => ({ key, d: key.includes(ref) ? 0 : distance(ref, key) }))
    .filter(({ d }) => d <= budget)
    .sort((a, b) => a.d - b.d || a.key.localeCompare(b.key))
    .slice(0, max)
    .map(({ key }) => key);
}
