import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { caseContribution, ConflictError, counterChange, type Actor, type Case } from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import type { Page } from '../page.ts';
import { batchGet, batchPut } from '../batch.ts';
import { guarded } from '../errors.ts';
import { transact } from '../transaction.ts';
import { auditEvent, auditItem } from './audit.ts';
import { counterActions } from './aggregates.ts';
import { caseEntity, caseItem } from './case-items.ts';
import { getItem, gsi1Pages } from './gsi1-page.ts';
import { idempotencyRepository } from './idempotency.ts';
import { placementsRepository } from './placements.ts';
import { roundRecordsRepository } from './round-records.ts';
import { waitingListsRepository } from './waiting-lists.ts';

// The case aggregates, one module each: cases (here), placements and their transitions
// (placements.ts), waiting lists (waiting-lists.ts), a round's commits and record
// (round-records.ts), idempotency records (idempotency.ts) and the audit trail (audit.ts), with
// the items they share in case-items.ts. casesRepository offers them together, as it always has.

/** Cases: opening, importing, reading and replacing a case, each with its audit event and counters. */
export function caseRecordsRepository(db: DynamoDBDocumentClient, tableName: string) {
  /**
   * Cases read consistently with BatchGetItem, 100 keys a request and eight requests at a time (a
   * round reads 10,000 cases, 100 requests, several times), unprocessed keys retried.
   */
  async function readCases(
    refs: { laCode: string; id: string }[],
    projection?: string,
  ): Promise<Record<string, unknown>[]> {
    return batchGet(
      db,
      tableName,
      refs.map((r) => keys.caseItem(r.laCode, r.id)),
      projection ? { consistent: true, projection, names: { '#la': 'laCode', '#id': 'id' } } : { consistent: true },
    );
  }
  const get = getItem(db, tableName);
  const gsi1Page = gsi1Pages(db, tableName);
  return {
    /** Opens a case with its first audit event; the LA's key comes from the caller's token. */
    async createCase(c: Case, actor: Actor): Promise<void> {
      await transact(
        db,
        [
          { Put: { TableName: tableName, Item: caseItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(c.laCode, c.id), 'case.opened', actor, c.openedAt, undefined, c),
                c.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...counterActions(tableName, counterChange({ after: caseContribution(c) })),
        ],
        () => new ConflictError('case_exists', 'A case with this id exists already; try again.'),
      );
    },

    /**
     * Loads many cases at once (a migration from a case-management system, or a benchmark), each
     * with its "opened" audit event. Not conditional: for loading into an empty table only.
     */
    async importCases(cases: Case[], actor: Actor): Promise<void> {
      await guarded(() =>
        batchPut(
          db,
          tableName,
          cases.flatMap((c) => [
            caseItem(c),
            auditItem(
              auditEvent(caseEntity(c.laCode, c.id), 'case.opened', actor, c.openedAt, undefined, c),
              c.version,
            ),
          ]),
        ),
      );
      // Their demand is added to the counters (ADD, so several imports accumulate).
      for (const action of counterActions(
        tableName,
        counterChange(...cases.map((c) => ({ after: caseContribution(c) }))),
      )) {
        await guarded(() =>
          db.send(new UpdateCommand(action.Update as ConstructorParameters<typeof UpdateCommand>[0])),
        );
      }
    },

    /** A case of this LA; another LA's case is simply not found. */
    getCase: (laCode: string, id: string) => get<Case>(keys.caseItem(laCode, id)),
    /** Replaces a case conditioned on its version, with an audit event, in one transaction. */
    async updateCase(before: Case, after: Case, action: string, actor: Actor, at: string): Promise<void> {
      await transact(
        db,
        [
          {
            Put: {
              TableName: tableName,
              Item: caseItem(after),
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': before.version },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(after.laCode, after.id), action, actor, at, before, after),
                after.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...counterActions(
            tableName,
            counterChange({ before: caseContribution(before), after: caseContribution(after) }),
          ),
        ],
        () =>
          new ConflictError(
            'case_changed',
            'The case was changed by someone else a moment ago; reload it and try again.',
          ),
      );
    },

    /** Cases of an LA, active ones (open, allocated, named) first, each group by opening time. */
    async listCases(
      laCode: string,
      options: { activeOnly?: boolean; state?: string; limit: number; cursor?: string },
    ): Promise<Page<Case>> {
      return gsi1Page<Case>({
        pk: keys.casesOfLa(laCode),
        ...(options.activeOnly ? { skPrefix: 'A#' } : {}),
        ...options,
      });
    },

    /**
     * How many of an LA's active cases are in a state (a count, read on the LA's own index
     * partition): allocation checks the places an LA holds but has not named against its cap.
     */
    async countActiveCases(laCode: string, state: string): Promise<number> {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :active)',
              FilterExpression: '#state = :state',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':pk': keys.casesOfLa(laCode), ':active': 'A#', ':state': state },
              Select: 'COUNT',
              ExclusiveStartKey: start,
            }),
          ),
        );
        count += res.Count ?? 0;
        start = res.LastEvaluatedKey;
      } while (start !== undefined);
      return count;
    },

    /** Cases by key, 100 a request (a batch round reads many). */
    async getCases(refs: { laCode: string; id: string }[]): Promise<Map<string, Case>> {
      const found = new Map<string, Case>();
      for (const item of await readCases(refs)) found.set(`${item.laCode}#${item.id}`, stripLayout<Case>(item));
      return found;
    },

    /**
     * Which of these cases exist (`laCode#id`): only their keys are read, so naming the unknown
     * cases of a 10,000-case round costs a fraction of reading the cases themselves.
     */
    async existingCases(refs: { laCode: string; id: string }[]): Promise<Set<string>> {
      const items = await readCases(refs, '#la, #id');
      return new Set(items.map((item) => `${item.laCode}#${item.id}`));
    },
  };
}

export function casesRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    ...caseRecordsRepository(db, tableName),
    ...placementsRepository(db, tableName),
    ...waitingListsRepository(db, tableName),
    ...roundRecordsRepository(db, tableName),
    ...idempotencyRepository(db, tableName),
  };
}

export type CasesRepository = ReturnType<typeof casesRepository>;

// Stable names for the rest of the store and its index.
export {
  caseEntity,
  CaseNotOpenError,
  PLACEMENT_TEXT_FIELDS,
  DIRECTION_TEXT_FIELDS,
  REDACTED,
  type PlacementTextField,
} from './case-items.ts';
export { IdempotentReplayError, IDEMPOTENCY_TTL_SECONDS } from './idempotency.ts';
export { PlaceTakenError, placementTransitions, type PlacementTransition } from './placements.ts';
export {
  planRoundChunks,
  RoundChunkCommittedError,
  RoundPartsRefusedError,
  type RoundListingPart,
  type RoundPlacement,
} from './round-records.ts';
export type { WaitingEntry } from './waiting-lists.ts';
