import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Actor, AuditEvent } from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { guarded } from '../errors.ts';
import type { Page } from '../page.ts';

// The audit trail: every aggregate writes its events in the transaction that makes the change
// (auditItem, never on its own), and the trail of one entity is read back in order.

export function auditItem(event: AuditEvent, sequence: number): Record<string, unknown> {
  return { ...keys.audit(event.entity, sequence, event.eventId), itemType: 'audit', ...event };
}

export function auditEvent(
  entity: string,
  action: string,
  actor: Actor,
  at: string,
  before?: unknown,
  after?: unknown,
): AuditEvent {
  return {
    eventId: randomUUID(),
    entity,
    action,
    actor,
    at,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** An entity's audit events, oldest first. */
export function auditEvents(db: DynamoDBDocumentClient, tableName: string) {
  return async (entity: string, limit: number, cursor?: string): Promise<Page<AuditEvent>> => {
    const pk = keys.auditPartition(entity);
    const start = decodeCursor(cursor, [['pk', 'sk']], (c) => c.pk === pk);
    const res = await guarded(() =>
      db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    return {
      items: (res.Items ?? []).map((i) => stripLayout<AuditEvent>(i)),
      nextCursor: encodeCursor(res.LastEvaluatedKey as Record<string, string> | undefined),
    };
  };
}
