import { ValidationError } from '@placements/domain';

/**
 * Cursors are opaque to clients: base64url JSON of where the next page starts. They are checked on
 * the way back in, so a damaged or foreign cursor is a 400 naming `cursor`, never a 500 from
 * DynamoDB, and can never move a query outside the partition its filters chose.
 */
export type Cursor = Record<string, string | number>;

export function encodeCursor(cursor: Cursor | undefined): string | null {
  if (cursor === undefined) return null;
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function invalidCursor(): ValidationError {
  return new ValidationError([
    {
      field: 'cursor',
      message:
        'The cursor is not one this API issued for these filters; start again without a cursor, or pass nextCursor from the previous page unchanged.',
    },
  ]);
}

/**
 * Decodes a cursor whose keys must be exactly one of `shapes`; `check` may reject values
 * (for example a partition key other than the one the filters chose).
 */
export function decodeCursor(
  raw: string | undefined,
  shapes: readonly (readonly string[])[],
  check: (c: Cursor) => boolean = () => true,
): Cursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== 'string' && typeof v !== 'number')) throw invalidCursor();
  const names = entries
    .map(([k]) => k)
    .sort()
    .join(',');
  if (!shapes.some((shape) => [...shape].sort().join(',') === names)) throw invalidCursor();
  const cursor = parsed as Cursor;
  if (!check(cursor)) throw invalidCursor();
  return cursor;
}
