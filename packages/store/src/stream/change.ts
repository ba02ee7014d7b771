import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * One change of the table, as the stream delivers it (NEW_AND_OLD_IMAGES), with the images
 * unmarshalled. The same shape whether it came from a Lambda event or from DynamoDB Local's stream,
 * so every handler runs unchanged in both.
 */
export interface StreamChange {
  eventId: string; // the stream record's eventID (dedup key)
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequenceNumber: string;
  newImage?: Record<string, unknown>; // unmarshalled item
  oldImage?: Record<string, unknown>;
}
export type StreamHandler = (changes: StreamChange[]) => Promise<void>;

/** A stream record as both GetRecords and a Lambda DynamoDBStreamEvent carry it (AttributeValue images). */
export interface RawStreamRecord {
  eventID?: string | undefined;
  eventName?: string | undefined;
  dynamodb?:
    | {
        SequenceNumber?: string | undefined;
        NewImage?: Record<string, unknown> | undefined;
        OldImage?: Record<string, unknown> | undefined;
      }
    | undefined;
}

type Marshalled = Parameters<typeof unmarshall>[0];

/**
 * The streams client reads an empty map attribute (`{"M":{}}`) as an AttributeValue with no member
 * (`{}`), which unmarshall refuses; it can only have been an empty map, so it is read as one.
 */
function emptyMapsRestored(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const av = value as Record<string, unknown>;
  if (Object.keys(av).length === 0) return { M: {} };
  if (av.M !== undefined) return { M: imageRestored(av.M as Record<string, unknown>) };
  if (Array.isArray(av.L)) return { L: av.L.map(emptyMapsRestored) };
  return av;
}
const imageRestored = (image: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, emptyMapsRestored(v)]));
const unmarshalled = (image: Record<string, unknown>) => unmarshall(imageRestored(image) as Marshalled);

export function toStreamChange(r: RawStreamRecord): StreamChange {
  const d = r.dynamodb ?? {};
  return {
    eventId: r.eventID ?? '',
    eventName: (r.eventName ?? 'MODIFY') as StreamChange['eventName'],
    sequenceNumber: d.SequenceNumber ?? '',
    ...(d.NewImage ? { newImage: unmarshalled(d.NewImage) } : {}),
    ...(d.OldImage ? { oldImage: unmarshalled(d.OldImage) } : {}),
  };
}

/** The item type of a change (from the new image, or the old one when the item was removed). */
export const itemTypeOf = (c: StreamChange): string | undefined =>
  (c.newImage?.itemType ?? c.oldImage?.itemType) as string | undefined;

/**
 * Hands a batch to every handler, in order; each handler picks out the item types it cares about. A handler's failure fails the batch, which is then
 * retried whole (handlers are idempotent, so the ones that succeeded change nothing the second time).
 */
export async function dispatch(handlers: readonly StreamHandler[], changes: StreamChange[]): Promise<void> {
  if (changes.length === 0) return;
  for (const handle of handlers) await handle(changes);
}
