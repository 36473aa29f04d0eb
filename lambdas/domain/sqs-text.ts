/**
 * What SQS accepts in a message body (SendMessage docs): #x9 | #xA | #xD | #x20–#xD7FF |
 * #xE000–#xFFFD | #x10000–#x10FFFF. So no C0 control but tab, LF and CR; no U+FFFE or U+FFFF; no
 * lone surrogate (it has no UTF-8 form). Everything else, emoji and every astral character included,
 * is allowed.
 */
export const SQS_REFUSED_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const isSqsSafeText = (text: string): boolean => !SQS_REFUSED_CHARACTER.test(text);

/**
 * JSON that any SQS queue takes, for any value. JSON.stringify already escapes C0 controls and lone
 * surrogates; U+FFFE and U+FFFF are the only characters SQS refuses that it leaves raw, and in JSON
 * text they can only stand inside strings, where `\uFFFE` is the same value. So the text parses back
 * to exactly the value given.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (character) =>
    character === '\uFFFE' ? '\\ufffe' : '\\uffff',
  );
}
