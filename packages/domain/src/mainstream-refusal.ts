import type { Actor } from './audit.ts';
import type { Case } from './case.ts';
import type { FieldProblem } from './errors.ts';
import type { Setting } from './setting.ts';
import { provisionGroup } from './tailored-list.ts';

/**
 * The only ground on which an LA may refuse a family's request for a mainstream setting
 * (Children and Families Act 2014, s.33): it would be incompatible with the provision of
 * efficient education for others.
 */
export const MAINSTREAM_REFUSAL_GROUND = 'incompatible_with_efficient_education_of_others' as const;

/** A refused mainstream request, kept with the case: which setting, on what ground, the evidence, who and when. */
export interface MainstreamRefusal {
  urn: string;
  settingName: string;
  ground: typeof MAINSTREAM_REFUSAL_GROUND;
  evidence: string;
  /** The naming it was recorded with. */
  placementId: string;
  by: Actor;
  at: string;
}

export interface MainstreamRefusalInput {
  urn: string;
  ground: string;
  evidence: string;
}

/**
 * What is wrong with a refusal recorded while naming `namedUrn`: the ground must be the legal
 * one, and the refused setting a mainstream one the family asked for (ranked, with
 * mainstreamRequested), not the setting being named, and not refused already.
 */
export function mainstreamRefusalProblems(
  c: Pick<Case, 'preferences' | 'mainstreamRefusals'>,
  namedUrn: string,
  input: MainstreamRefusalInput,
  setting: Pick<Setting, 'urn' | 'name' | 'type'> | undefined,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.ground !== MAINSTREAM_REFUSAL_GROUND) {
    problems.push({
      field: 'mainstreamRefusal.ground',
      message: `a mainstream preference can be refused only as ${MAINSTREAM_REFUSAL_GROUND} (incompatible with the provision of efficient education for others)`,
    });
  }
  if (input.evidence.trim() === '') {
    problems.push({ field: 'mainstreamRefusal.evidence', message: 'is required: the evidence for the refusal' });
  }
  const where = 'mainstreamRefusal.urn';
  if (setting === undefined) {
    problems.push({ field: where, message: `no setting has the URN ${input.urn}` });
  } else if (provisionGroup(setting.type) !== 'mainstream') {
    problems.push({
      field: where,
      message: `${setting.name} (${setting.urn}) is not a mainstream setting; only a mainstream request is refused this way`,
    });
  } else if (setting.urn === namedUrn) {
    problems.push({
      field: where,
      message: `${setting.name} (${setting.urn}) is the setting being named; it cannot also be refused`,
    });
  } else if (!c.preferences?.mainstreamRequested || !c.preferences.ranked.includes(setting.urn)) {
    problems.push({
      field: where,
      message: `${setting.name} (${setting.urn}) is not a mainstream setting the family asked for: record it in the preferences with mainstreamRequested first`,
    });
  } else {
    const earlier = c.mainstreamRefusals?.find((r) => r.urn === setting.urn);
    if (earlier !== undefined)
      problems.push({
        field: where,
        message: `the request for ${setting.name} (${setting.urn}) was already refused on ${earlier.at.slice(0, 10)}`,
      });
  }
  return problems;
}
