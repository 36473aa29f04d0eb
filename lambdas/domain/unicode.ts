/**
 * JavaScript strings may hold lone surrogates (JSON's "\ud800" parses to one); UTF-8, and so a
 * DynamoDB string, cannot: written as they are they come back as U+FFFD. Text that must come back
 * exactly is kept by `storableText`: as it is when it is well formed, else as a marked JSON escape.
 * Text that starts with the mark is escaped too, so the mapping stays one to one.
 */

const LONE_SURROGATE = /\p{Surrogate}/u;
const ESCAPED_MARK = '\u0000json:';

export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

export const storableText = (text: string): string =>
  isWellFormedText(text) && !text.startsWith(ESCAPED_MARK) ? text : `${ESCAPED_MARK}${JSON.stringify(text)}`;

export function textFromStorage(stored: string): string {
  if (!stored.startsWith(ESCAPED_MARK)) return stored;
  try {
    const text: unknown = JSON.parse(stored.slice(ESCAPED_MARK.length));
    return typeof text === 'string' ? text : stored;
  } catch {
    return stored;
  }
}
