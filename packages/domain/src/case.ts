import * as z from 'zod/mini';
import './zod-english.ts';
import { DISTRICT_PATTERN } from './reference.ts';
import { NEED_CODES, type NeedCode } from './needs.ts';
import type { FieldProblem } from './errors.ts';
import { identityProblem } from './identity.ts';
import type { Escalation } from './escalation.ts';
import type { MainstreamRefusal } from './mainstream-refusal.ts';

/**
 * A case is pseudonymous: an LA-issued reference, needs, band, age, home postcode district and
 * preferences. Nothing that identifies a child is accepted, so nothing can be stored.
 */
export const CASE_STATES = ['open', 'allocated', 'named', 'placed', 'closed'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** Fields a case-management system might send that identify a child; refused by name. */
const IDENTIFYING = [
  'name',
  'firstName',
  'lastName',
  'surname',
  'fullName',
  'dateOfBirth',
  'dob',
  'birthDate',
  'upn',
  'nhsNumber',
  'address',
  'postcode',
];

export const CaseInputSchema = z.pipe(
  z
    .catchall(
      z.object({
        // The LA's own reference, optional and kept for the LA alone; the marketplace gives every
        // case its own (`reference`), the only one that ever leaves the LA.
        ref: z.optional(
          z.string({ error: 'must be text: your LA’s own reference for the case' }).check(
            z.regex(/^[A-Za-z0-9][A-Za-z0-9/_-]{2,39}$/, {
              error: 'must be the LA’s pseudonymous reference: 3 to 40 letters, digits, -, _ or /, no spaces',
            }),
            z.superRefine((ref, ctx) => {
              const problem = identityProblem(ref, { reference: true });
              if (problem !== undefined) ctx.addIssue({ code: 'custom', input: ref, message: problem });
            }),
          ),
        ),
        needs: z
          .array(z.enum(NEED_CODES, { error: `must be SEN need codes: ${NEED_CODES.join(', ')}` }), {
            error: 'is required: need codes, primary first',
          })
          .check(
            z.minLength(1, { error: 'must name at least the primary need' }),
            z.maxLength(NEED_CODES.length),
            z.refine((n) => new Set(n).size === n.length, { error: 'must not repeat a need' }),
          ),
        band: z
          .string({ error: 'is required: the band from the national framework, such as S2' })
          .check(z.regex(/^[A-Z][A-Z0-9]{0,7}$/, { error: 'must be a band code such as S2' })),
        age: z
          .number({ error: 'is required: age in whole years' })
          .check(
            z.int({ error: 'must be whole years' }),
            z.minimum(0, { error: 'must be 0 to 25' }),
            z.maximum(25, { error: 'must be 0 to 25' }),
          ),
        homeDistrict: z
          .string({ error: 'is required: the home postcode district, such as ME14' })
          .check(
            z.trim(),
            z.toUpperCase(),
            z.regex(DISTRICT_PATTERN, { error: 'must be a postcode district such as ME14, never a full postcode' }),
          ),
        postSixteen: z._default(z.boolean({ error: 'must be true or false' }), false),
        phaseTransferDeadline: z.optional(
          z.string().check(
            z.regex(/^\d{4}-(02-15|03-31)$/, {
              error: 'must be 15 February (school transfers) or 31 March (post-16 transfers) of a year, as YYYY-MM-DD',
            }),
          ),
        ),
      }),
      z.unknown(),
    )
    .check(
      z.superRefine((value, ctx) => {
        for (const key of Object.keys(value)) {
          if (['ref', 'needs', 'band', 'age', 'homeDistrict', 'postSixteen', 'phaseTransferDeadline'].includes(key))
            continue;
          const identifying = IDENTIFYING.some((f) => f.toLowerCase() === key.toLowerCase());
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: identifying
              ? 'must not be sent: the marketplace stores no child’s identity; use the pseudonymous ref'
              : 'is not a case field',
          });
        }
      }),
    ),
  z.transform(({ ref, needs, band, age, homeDistrict, postSixteen, phaseTransferDeadline }) => ({
    ...(ref !== undefined ? { ref } : {}),
    needs,
    band,
    age,
    homeDistrict,
    postSixteen,
    ...(phaseTransferDeadline ? { phaseTransferDeadline } : {}),
  })),
);

export type CaseInput = z.infer<typeof CaseInputSchema>;

export interface Preferences {
  holder: 'parent' | 'young_person';
  /** URNs in the family's order, most preferred first. */
  ranked: string[];
  mainstreamRequested: boolean;
}

export interface Case {
  id: string;
  /** The marketplace's reference for the case (server-generated, random): the one shared beyond the LA. */
  reference: string;
  /** The LA's own reference, if it gave one: shown to the LA only, never in a report to others. */
  ref?: string;
  laCode: string;
  needs: NeedCode[];
  band: string;
  age: number;
  homeDistrict: string;
  postSixteen: boolean;
  phaseTransferDeadline?: string;
  state: CaseState;
  preferences?: Preferences;
  /** The placement in progress, if any: a case holds at most one place. */
  activePlacementId?: string;
  /** Listings (urn#listingId) that declined this case on consultation; not offered again. */
  declined?: string[];
  /** Waiting lists the case is on: listing (urn#listingId) → when it joined (orders the queue). */
  waitingOn?: Record<string, string>;
  /** Escalations raised by the timeliness job, each once (by key). */
  escalations?: Escalation[];
  /** The family's mainstream requests the LA refused, each with its legal ground and evidence. */
  mainstreamRefusals?: MainstreamRefusal[];
  openedAt: string;
  /** When the case last had a place (or was opened); days without a place count from here. */
  withoutPlaceSince: string;
  version: number;
}

/** The end of compulsory school age: from the last Friday in June of the school year a child turns 16. */
export const COMPULSORY_SCHOOL_AGE_ENDS = 16;

export const PreferencesSchema = z.strictObject({
  holder: z.enum(['parent', 'young_person'], { error: 'must be parent or young_person' }),
  ranked: z
    .array(z.string().check(z.regex(/^\d{6}$/, { error: 'must be six-digit URNs' })), {
      error: 'is required: the settings in the family’s order',
    })
    .check(
      z.minLength(1, { error: 'must rank at least one setting' }),
      z.maxLength(20, { error: 'must rank at most 20 settings' }),
      z.refine((r) => new Set(r).size === r.length, { error: 'must not rank a setting twice' }),
    ),
  mainstreamRequested: z._default(z.boolean({ error: 'must be true or false' }), false),
});

/** The preference holder follows the age: the parent until compulsory school age ends, then the young person. */
export function preferenceProblems(c: Pick<Case, 'age'>, p: Preferences): FieldProblem[] {
  if (c.age >= COMPULSORY_SCHOOL_AGE_ENDS && p.holder !== 'young_person') {
    return [{ field: 'holder', message: `must be young_person: at ${c.age} the young person holds the preferences` }];
  }
  if (c.age < COMPULSORY_SCHOOL_AGE_ENDS && p.holder !== 'parent') {
    return [{ field: 'holder', message: `must be parent: at ${c.age} the parent holds the preferences` }];
  }
  return [];
}

/** Whole days from one ISO time to another. */
export function daysBetween(fromIso: string, toIso: string): number {
  return Math.max(0, Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / 86_400_000));
}
