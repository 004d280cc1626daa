/**
 * Finds values that look like a card number (PAN): 13–19 digits passing the Luhn check,
 * with single spaces or dashes allowed between digits ("4242 4242 4242 4242").
 *
 * Heuristics that keep ids and phone numbers out:
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

export function containsPan(text: string): boolean {
  for (const match of text.matchAll(DIGIT_RUN)) {
    const groups = match[0].split(/[ -]/);
    for (let start = 0; start < groups.length; start++) {
      let digits = '';
      for (let end = start; end < groups.length; end++) {
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
