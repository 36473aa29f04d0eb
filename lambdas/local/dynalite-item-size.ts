import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Makes dynalite measure items as DynamoDB does, so the local twin refuses what AWS refuses.
 *
 * dynalite enforces the 400 KB item limit (PutItem, UpdateItem, BatchWriteItem: ValidationException
 * "Item size has exceeded the maximum allowed size", "Item size to update has exceeded …"), but it
 * measures strings and attribute names in UTF-16 code units. DynamoDB counts UTF-8 bytes: a string of
 * 150,000 "€" is 450,000 bytes to DynamoDB and 150,000 to dynalite, which would store locally an item
 * that AWS refuses. This swaps dynalite's size function (the one its actions call for the limit check
 * and the response-size limits) for one that counts UTF-8 bytes and otherwise follows the same rules
 * (DynamoDB Developer Guide, "Item sizes and formats"): a name's bytes plus its value's; a number
 * 1 byte plus 1 per two significant digits; binary its bytes; null and booleans 1; a list or a map
 * 3 bytes plus 1 per element plus the elements (a map's names included). Local only: never bundled
 * into a Lambda.
 */

/** An attribute value in DynamoDB's wire format (`{ S: '…' }`, `{ L: [...] }`, …). */
type AttributeValue = object;
type StoredItem = Readonly<Record<string, AttributeValue>>;
type ItemSize = (item: StoredItem, compress?: boolean, addMetaSize?: boolean, rangeKey?: string) => number;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

function numberSize(value: string): number {
  // Significant digits: no sign, no exponent, no leading or trailing zeros, no decimal point.
  const mantissa = value.replace(/^[-+]/, '').replace(/[eE].*$/, '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length === 0) return 1;
  return 1 + Math.ceil(digits.length / 2) + (value.startsWith('-') ? 1 : 0);
}

function valueSize(value: AttributeValue): number {
  const [type] = Object.keys(value);
  const content = type === undefined ? undefined : (value as Record<string, unknown>)[type];
  switch (type) {
    case 'S':
      return bytes(String(content));
    case 'N':
      return numberSize(String(content));
    case 'B':
      return Buffer.from(String(content), 'base64').length;
    case 'SS':
      return (content as string[]).reduce((sum, item) => sum + bytes(item), 0);
    case 'NS':
      return (content as string[]).reduce((sum, item) => sum + numberSize(item), 0);
    case 'BS':
      return (content as string[]).reduce((sum, item) => sum + Buffer.from(item, 'base64').length, 0);
    case 'L':
      return 3 + (content as AttributeValue[]).reduce((sum, item) => sum + 1 + valueSize(item), 0);
    case 'M': {
      const entries = Object.entries(content as StoredItem);
      return 3 + entries.length + itemSizeUtf8(content as StoredItem);
    }
    default:
      // NULL, BOOL
      return 1;
  }
}

/** An item's size as DynamoDB counts it against the 400 KB limit (UTF-8 bytes). */
export function itemSizeUtf8(item: StoredItem): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + bytes(name) + valueSize(value), 0);
}

let installed = false;

/** Installs the UTF-8 size rule in the dynalite module of this process (idempotent). */
export function measureItemsLikeDynamoDb(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const db = require(join(dirname(require.resolve('dynalite')), 'db', 'index.js')) as { itemSize: ItemSize };
  const original = db.itemSize;
  // The plain call (one argument) is the size limit check; the others are dynalite's estimates of
  // its own storage format for query and scan page limits, left as they are.
  db.itemSize = (item, compress, addMetaSize, rangeKey) =>
    compress || addMetaSize ? original(item, compress, addMetaSize, rangeKey) : itemSizeUtf8(item);
  installed = true;
}
