/**
 * Text that Postgres stores as it is given. A NUL character is rejected by `text` and `jsonb`
 * alike, and a lone UTF-16 surrogate is rejected by `jsonb` and silently replaced with U+FFFD on
 * the way to `text`; both are written out as their JSON escape (`\u0000`, `\ud800`) instead, so
 * the stored text still says exactly what the original held.
 */

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
export const UNSAFE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_TEXT_GLOBAL = new RegExp(UNSAFE_TEXT.source, 'g');

/** `text` with every NUL and lone surrogate replaced by its `\uXXXX` escape. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_TEXT_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Bounded, storable text for error messages and stacks: longer than `maxChars` is cut with an
 * explicit note of how much was left out (an error message is a diagnostic, not a value).
 */
export function boundedText(text: string, maxChars: number): string {
  const safe = safeText(text);
  if (safe.length <= maxChars) return safe;
  const kept = Array.from(safe.slice(0, maxChars)).join('');
  return `${kept.replace(/[\ud800-\udbff]$/, '')}… (${safe.length - maxChars} more characters not stored)`;
}
