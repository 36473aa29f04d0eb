/**
 * Tenant text in the service's emails (alert subjects and bodies, the SNS subject): a webhook's
 * name, URL or last error comes from a customer and must not be able to forge headers, reorder
 * what the reader sees or blow up a subject line. Pure: no I/O.
 */

/** Default bound of a quoted name (in characters as the reader sees them: grapheme clusters). */
export const MAX_QUOTED_NAME = 80;

const ELLIPSIS = '…';

/**
 * C0 controls (CR, LF, TAB, NUL, …), DEL, C1 controls, the bidi embeddings/overrides/isolates
 * (U+202A–U+202E, U+2066–U+2069), the implicit direction marks (U+200E, U+200F, U+061C) and the
 * Unicode line/paragraph separators (U+2028, U+2029).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** A UTF-16 surrogate without its partner: not a character, and invalid in UTF-8 headers. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text` made safe for one line of an email: lone surrogates become U+FFFD, unsafe characters
 * become spaces, runs of whitespace collapse, the ends are trimmed, and text longer than `max`
 * grapheme clusters is cut to `max - 1` of them plus an ellipsis (an emoji is never split).
 */
export function safeLine(text: string, max: number): string {
  const cleaned = text.replace(LONE_SURROGATE, '\ufffd').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (max <= 0) return '';
  // Cheap bound first: a 10 MB name is not segmented whole.
  const head = cleaned.length > max * 16 ? cleaned.slice(0, max * 16) : cleaned;
  const clusters: string[] = [];
  for (const { segment } of graphemes.segment(head)) {
    clusters.push(segment);
    if (clusters.length > max) break;
  }
  if (clusters.length <= max && head === cleaned) return cleaned;
  return `${clusters
    .slice(0, max - 1)
    .join('')
    .trimEnd()}${ELLIPSIS}`;
}

/**
 * Tenant text quoted for a subject or a sentence: `"<safe line>"`, double quotes inside turned into
 * single ones so the quoting cannot be closed early.
 */
export function quoted(text: string, max = MAX_QUOTED_NAME): string {
  return `"${safeLine(text, max).replace(/"/g, "'")}"`;
}
