/**
 * Finds values that look like a card number (PAN): 13–19 digits passing the Luhn check,
 * with single spaces or dashes allowed between digits ("4242 4242 4242 4242").
 *
 * Heuristics that keep ids and phone numbers out:
 * - a run of digits counts only where it stands on its own: digits glued to a letter
 *   ("3E948382407574026F31", "ORDER4242424242424242") are part of an identifier. Wompi's card
 *   tokens end in 32 mixed-case hex characters, and about 18 in a million hold a Luhn-valid
 *   13–19 digit stretch between two letters; refusing those refused genuine payments, and a
 *   retry with the same token failed again. Underscores, quotes, colons, dots… delimit, so
 *   "card_4242424242424242" and "card 4242424242424242." are still caught;
 * - values shaped like Wompi's own ids and tokens (KNOWN_ID_SHAPES, docs/wompi.md#response-conventions-and-identifiers) are skipped
 *   wherever they appear; the shapes are tight (a merchant id of at most 12 digits, exactly 32
 *   characters of tail, a 10-digit epoch in a transaction id), so a card number put where a
 *   token goes ("tok_4242424242424242", "tok_test_4242424242424242_…") is still caught;
 * - a run of digits is taken whole: 25 digits in a row (an id) is not searched for a 16-digit
 *   card inside it; a run with separators is split into its groups and every contiguous window
 *   of whole groups is checked, so "4242 4242 4242 4242 12 26" is still caught;
 * - a window of several groups counts only when each group has at most 6 digits, as printed
 *   cards do (4-4-4-4, Amex 4-6-5, Diners 4-6-4): "ref-26804-1795320672026" (a timestamp
 *   after a dash) is an identifier, not a card;
 * - the first digit is 1–9 (no issuer range starts with 0, zero-padded ids do);
 * - 13-digit numbers only when they start with 4 (only Visa issued them), which keeps
 *   epoch-millisecond timestamps (1763700000000) out.
 */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const MAX_GROUP_DIGITS = 6;
/** maximal runs of digits joined by single spaces or dashes */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

function plausiblePan(digits: string): boolean {
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) return false;
  if (digits[0] === '0') return false;
  if (digits.length === 13 && digits[0] !== '4') return false;
  return luhnValid(digits);
}

/** Wompi id and token shapes (docs/wompi.md#response-conventions-and-identifiers), each a whole value between non-alphanumerics. */
export const KNOWN_ID_SHAPES: readonly RegExp[] = [
  /tok_(?:test|prod|stagtest)_\d{1,12}_[0-9A-Za-z]{32}/, // card token
  /(?:nequi|daviplata|bancolombia)_(?:test|prod|stagtest)_[0-9A-Za-z]{32}/, // wallet tokens
  /\d{1,9}-\d{10}-\d{5}/, // transaction id: <1 + merchant>-<unix seconds>-<5 digits>
  /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/, // UUID (Bancolombia tokens, our ids)
];
// not when it continues a digit run ("4242 4242 4242 4242-1635300853-71494" keeps its card)
const KNOWN_IDS = new RegExp(
  `(?<![\\p{L}\\p{N}_]|\\d[ -])(?:${KNOWN_ID_SHAPES.map((r) => r.source).join('|')})(?![\\p{L}\\p{N}_]|[ -]\\d)`,
  'gu',
);
const ALNUM = /[\p{L}\p{N}]/u;

/** The text with every known Wompi id or token blanked (same length, so positions and neighbours keep their meaning). */
function withoutKnownIds(text: string): string {
  return text.replace(KNOWN_IDS, (m) => ' '.repeat(m.length));
}

export function containsPan(text: string): boolean {
  const scanned = withoutKnownIds(text);
  for (const match of scanned.matchAll(DIGIT_RUN)) {
    const groups = match[0].split(/[ -]/);
    const at = match.index ?? 0;
    // a group glued to a letter belongs to an identifier and never joins a window
    const first = ALNUM.test(scanned[at - 1] ?? '') ? 1 : 0;
    const last = ALNUM.test(scanned[at + match[0].length] ?? '') ? groups.length - 2 : groups.length - 1;
    for (let start = first; start <= last; start++) {
      let digits = '';
      for (let end = start; end <= last; end++) {
        if (end > start && (groups[start].length > MAX_GROUP_DIGITS || groups[end].length > MAX_GROUP_DIGITS)) break;
        digits += groups[end];
        if (digits.length > MAX_DIGITS) break;
        if (plausiblePan(digits)) return true;
      }
    }
  }
  return false;
}

/**
 * Dotted paths (`metadata.notes`, `items.0.text`) of the values in a parsed JSON body that
 * look like a card number; a key that looks like one is reported as its parent's path.
 * The values themselves are never returned.
 */
export function findPanPaths(body: unknown, maxDepth = 32): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, path: string, depth: number) => {
    if (depth > maxDepth) return;
    if (typeof node === 'string') {
      if (containsPan(node)) found.add(path || '(body)');
    } else if (typeof node === 'number') {
      if (Number.isInteger(node) && containsPan(String(node))) found.add(path || '(body)');
    } else if (Array.isArray(node)) {
      node.forEach((v, i) => visit(v, path ? `${path}.${i}` : String(i), depth + 1));
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const keyLooksLikePan = containsPan(k);
        if (keyLooksLikePan) found.add(path || '(body)');
        visit(v, keyLooksLikePan ? path || '(body)' : path ? `${path}.${k}` : k, depth + 1);
      }
    }
  };
  visit(body, '', 0);
  return [...found];
}
