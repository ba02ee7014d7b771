/**
 * One record of the table's stream, unmarshalled, as the stream consumer hands it to each handler.
 * The same shape as the consumer's own (the event backbone); handlers must be idempotent, since a
 * batch may be delivered more than once.
 */
export interface StreamChange {
  /** The stream record's eventID (dedup key). */
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequenceNumber: string;
  /** The item after the change, unmarshalled. */
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
}

export type StreamHandler = (changes: StreamChange[]) => Promise<void>;
