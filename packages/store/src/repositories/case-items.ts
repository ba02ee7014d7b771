import { ConflictError, type Case, type Placement } from '@placements/domain';
import { keys } from '../keys.ts';
import type { TransactItem } from '../transaction.ts';

// The items the case aggregates share: a case, a placement and their free text, each written by
// several of them (an allocation writes a case and a placement; a round, many of each).

/** The case is no longer open (it holds a place, or changed since it was read). */
export class CaseNotOpenError extends ConflictError {}

export const caseEntity = (laCode: string, id: string) => `case:${laCode}:${id}`;

export function caseItem(c: Case): Record<string, unknown> {
  return { ...keys.caseItem(c.laCode, c.id), ...keys.caseIndexes(c), itemType: 'case', ...c };
}

export function placementItem(p: Placement): Record<string, unknown> {
  return { ...keys.placement(p.id), ...keys.placementIndexes(p), itemType: 'placement', ...withoutText(p) };
}

/**
 * Free text written by people (a decline's detail, a naming note, a refusal's reason, appeal
 * grounds) lives in its own item beside the placement or direction, never in the placement item
 * or an audit event: audit events are immutable, and text may one day have to be erased.
 */
export const PLACEMENT_TEXT_FIELDS = ['declineDetail', 'namingNote', 'refusalReason'] as const;
export const DIRECTION_TEXT_FIELDS = ['appealGrounds'] as const;
export type PlacementTextField = (typeof PLACEMENT_TEXT_FIELDS)[number];
const TEXT_FIELDS: readonly string[] = [...PLACEMENT_TEXT_FIELDS, ...DIRECTION_TEXT_FIELDS];
/** What a redacted text reads as from then on. */
export const REDACTED = '[redacted]';

export function withoutEvidence(refusal: Record<string, unknown>): Record<string, unknown> {
  const { evidence: _e, ...rest } = refusal;
  return rest;
}

export function withoutText<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!TEXT_FIELDS.includes(k)) out[k] = v;
  return out as T;
}
export function textOf(o: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (TEXT_FIELDS.includes(k) && typeof v === 'string') out[k] = v;
  return out;
}
/** The text item of a placement or direction, if its text changed: written in the same transaction. */
export function textPut(tableName: string, entity: string, before: object | undefined, after: object): TransactItem[] {
  const [b, a] = [textOf(before ?? {}), textOf(after)];
  if (JSON.stringify(b) === JSON.stringify(a)) return [];
  return [{ Put: { TableName: tableName, Item: { ...keys.text(entity), itemType: 'text', entity, ...a } } }];
}
