import { QueryCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  ConflictError,
  type Framework,
  type LocalAuthority,
  type Partnership,
  type PostcodeDistrict,
} from '@placements/domain';
import { keys, postcodeArea, stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { guarded } from '../errors.ts';
import type { Page } from '../page.ts';
import { partitionItems } from '../batch.ts';

/** Reference data: LAs, partnerships, framework versions and postcode districts. */
export function referenceRepository(db: DynamoDBDocumentClient, tableName: string) {
  /** One page of a small reference collection held in a single partition, in key order. */
  async function pageOf<T>(pk: string, limit: number, cursor: string | undefined): Promise<Page<T>> {
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
      items: (res.Items ?? []).map((i) => stripLayout<T>(i)),
      nextCursor: encodeCursor(res.LastEvaluatedKey as Record<string, string> | undefined),
    };
  }

  async function getOne<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: key })));
    return res.Item === undefined ? undefined : stripLayout<T>(res.Item);
  }

  /** Every item of a partition (used for small collections such as framework versions). */
  async function allOf<T>(pk: string): Promise<T[]> {
    return (await partitionItems(db, tableName, pk)).map((i) => stripLayout<T>(i));
  }

  return {
    /** LAs in GSS-code order. */
    listLas: (limit: number, cursor?: string) => pageOf<LocalAuthority>(keys.laCollection(), limit, cursor),
    getLa: (gss: string) => getOne<LocalAuthority>(keys.la(gss)),
    /** Every LA (153 at most): for caches and imports that need them all. */
    allLas: () => allOf<LocalAuthority>(keys.laCollection()),
    allPartnerships: () => allOf<Partnership>(keys.partnershipCollection()),
    listPartnerships: (limit: number, cursor?: string) =>
      pageOf<Partnership>(keys.partnershipCollection(), limit, cursor),
    getPartnership: (id: string) => getOne<Partnership>(keys.partnership(id)),
    listFrameworks: () => allOf<Framework>(keys.frameworkCollection()),
    /** Creates or replaces a partnership (members and remit). */
    async putPartnership(p: Partnership): Promise<void> {
      await guarded(() =>
        db.send(
          new PutCommand({ TableName: tableName, Item: { ...keys.partnership(p.id), itemType: 'partnership', ...p } }),
        ),
      );
    },
    /** Publishes a framework version; versions are immutable, so an existing one is a conflict. */
    async putFramework(framework: Framework): Promise<void> {
      try {
        await guarded(() =>
          db.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...keys.framework(framework.version), itemType: 'framework', ...framework },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConflictError(
            'framework_version_exists',
            `Framework ${framework.version} is already published and cannot change; publish it as a new version.`,
          );
        }
        throw error;
      }
    },
    async getDistrict(district: string): Promise<PostcodeDistrict | undefined> {
      const areaCode = postcodeArea(district);
      if (areaCode === '') return undefined;
      const area = await getOne<{ districts: Record<string, Omit<PostcodeDistrict, 'district'>> }>(
        keys.districtArea(areaCode),
      );
      const found = area?.districts[district];
      return found === undefined ? undefined : { district, ...found };
    },
  };
}

export type ReferenceRepository = ReturnType<typeof referenceRepository>;
