import * as z from 'zod/mini';
/**
 * Shapes of a child's identity in text the marketplace is sent: a case reference, a short note.
 * The marketplace stores no child's identity, so text holding one of these is refused, naming
 * the field, before anything is written. Pure checks: no list of names is kept, so a name is
 * recognised by its shape (a title, or capitalised words) and not by spelling.
 */

/** Capitalised words of the domain's own phrases (Schools Adjudicator, Key Stage), never taken for a name. */
const COMMON_WORDS = new Set(
  'the a an this that these our we they it in on at of for and or but no not our your their schools school adjudicator local authority council county borough city academy trust special educational needs send education health care plan ehc ehcp key stage year section part children families act mainstream independent provision college unit resourced base hospital speech language therapy team panel monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(
    ' ',
  ),
);

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec';

/** The NHS number's modulus 11 check digit (NHS Data Dictionary); undefined when no digit is valid. */
export function nhsCheckDigit(nine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

const isNhsNumber = (ten: string) => /^\d{10}$/.test(ten) && nhsCheckDigit(ten.slice(0, 9)) === Number(ten[9]);

const plausibleDate = (y: number, m: number, d: number) =>
  y >= 1950 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
const year = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

/** Why the text looks like it holds a date (of birth, most likely), or undefined. */
function dateShape(text: string): boolean {
  for (const m of text.matchAll(/(?<!\d)(\d{4})[-/. ]?(\d{2})[-/. ]?(\d{2})(?!\d)/g)) {
    if (plausibleDate(Number(m[1]), Number(m[2]), Number(m[3]))) return true;
  }
  for (const m of text.matchAll(/(?<!\d)(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})(?!\d)/g)) {
    if (plausibleDate(year(m[3]!), Number(m[2]), Number(m[1]))) return true;
  }
  for (const m of text.matchAll(/(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)/g)) {
    if (plausibleDate(Number(m[3]), Number(m[2]), Number(m[1]))) return true;
  }
  return new RegExp(
    `(?<![a-z])(\\d{1,2}(st|nd|rd|th)?[\\s./-]*(${MONTHS})[a-z]*[\\s./-]*\\d{2,4}|(${MONTHS})[a-z]*[\\s./-]*\\d{1,2}(st|nd|rd|th)?,?[\\s./-]*\\d{4})`,
    'i',
  ).test(text);
}

/** The identity shapes found in free text, in words a person can act on (empty when none). */
export function identityShapes(text: string, options: { reference?: boolean } = {}): string[] {
  const found: string[] = [];
  // UPN: a check letter, 11 digits, then a digit (or a letter for a temporary UPN).
  if (/(?<![A-Za-z0-9])[A-Za-z]\d{11}[0-9A-Za-z](?![A-Za-z0-9])/.test(text)) found.push('a unique pupil number (UPN)');
  const digitsOnly = [...text.matchAll(/(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/g)].map((m) =>
    m[0].replace(/[ -]/g, ''),
  );
  if (digitsOnly.some(isNhsNumber)) found.push('an NHS number');
  if (dateShape(text)) found.push('a date');
  if (/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/.test(text)) found.push('an email address');
  if (/\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i.test(text)) found.push('a full postcode');
  if (options.reference) {
    // A reference is a code: a word in lower or mixed case (Smith, smith) is a name's shape.
    if (/[a-z]{3,}/.test(text) || /[A-Z][a-z]{2,}/.test(text)) found.push('a name (a word in lower or mixed case)');
  } else if (
    /\b(Mr|Mrs|Ms|Miss|Mx|Master|Dr)\.?\s+[A-Z][a-z]+/.test(text) ||
    /\b(named|called|known as)\s+[A-Z][a-z]+/.test(text) ||
    [...text.matchAll(/\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b/g)].some(
      (m) => !COMMON_WORDS.has(m[1]!.toLowerCase()) && !COMMON_WORDS.has(m[2]!.toLowerCase()),
    )
  ) {
    found.push('a name');
  }
  return found;
}

/** One field's problem message when its text holds identity shapes, or undefined. */
export function identityProblem(text: string, options: { reference?: boolean } = {}): string | undefined {
  const shapes = identityShapes(text, options);
  if (shapes.length === 0) return undefined;
  return `must not hold a child’s identity: it looks like it contains ${shapes.join(', ')}. ${
    options.reference
      ? 'Use a code of capitals, digits, -, _ or / (or leave it out: the marketplace gives every case its own reference).'
      : 'Describe the reason without names, dates or numbers that identify a child.'
  }`;
}

/**
 * A short free-text note beside a coded reason: at most `max` characters, and refused (naming
 * the field) when it holds identity shapes. Free text is the one place a child's name could
 * slip in, so it is kept short and checked, and kept apart from the audit trail (redactable).
 */
export function shortText(max = 500) {
  return z
    .string({
      // A required note left out reads as missing, not as the wrong type.
      error: (issue) => (issue.input === undefined ? 'is required: a short note' : 'must be text'),
    })
    .check(
      z.minLength(1, { error: 'must not be empty: leave it out instead' }),
      z.maxLength(max, { error: `must be at most ${max} characters: a short note beside the coded reason` }),
      z.superRefine((text, ctx) => {
        const problem = identityProblem(text);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', input: text, message: problem });
      }),
    );
}
