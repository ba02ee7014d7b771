/**
 * Who acts in the marketplace. Each user holds exactly one role and belongs to one organisation
 * (their tenant): the org named for each role below. Shared by the API's authorisation, the
 * Cognito groups and the API Gateway scopes, so one list drives all three.
 */
export const ROLES = ['national', 'partnership', 'la', 'provider', 'trust', 'adjudicator'] as const;
export type Role = (typeof ROLES)[number];

/** What each role's organisation id is, and what the role does (Cognito group descriptions). */
export const ROLE_ORGS: Record<Role, string> = {
  national: 'the national framework team (one org); publishes bands and tariffs',
  partnership: 'a regional partnership id such as se19; commissions across its member LAs',
  la: "an LA's GSS code such as E10000016; opens and allocates its own cases",
  provider: "a provider organisation id; publishes its own settings' listings and answers consultations",
  trust: 'an academy trust id; appeals backstop directions to its own academies',
  adjudicator: 'the Schools Adjudicator (one org); determines appeals',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
