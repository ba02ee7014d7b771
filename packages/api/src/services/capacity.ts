import { londonDate } from '@placements/domain';
import {
  buildListing,
  ForbiddenError,
  listingChanged,
  listingProblems,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
  type Actor,
  type FieldProblem,
  type Listing,
  type ListingInput,
  type ParsedUpload,
  type RowProblem,
  type SettingWithListings,
} from '@placements/domain';
import { MAX_CHANGES_PER_TRANSACTION, type ListingChange } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';

const today = (deps: Deps) => londonDate(deps.now?.() ?? new Date());
const now = (deps: Deps) => deps.now?.() ?? new Date();

/** Only the provider that owns a setting writes its listings; the tenant comes from the token. */
export async function ownedSetting(
  deps: Deps,
  principal: Principal,
  urn: string,
  purpose = 'change its listings',
): Promise<SettingWithListings> {
  const setting = await deps.store.settings.getSetting(urn, { consistent: true });
  if (setting === undefined) throw new NotFoundError(`No setting has the URN ${urn}.`);
  if (principal.role !== 'provider' || principal.org !== setting.providerId) {
    throw new ForbiddenError(`Only the provider that runs ${setting.name} (URN ${urn}) may ${purpose}.`);
  }
  return setting;
}

/** `If-Match: 3` or `If-Match: "3"` (an ETag); undefined when absent. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (m === null)
    throw new ValidationError([
      { field: 'If-Match', message: 'must be the listing version you last read, such as 3 or "3"' },
    ]);
  return Number(m[1]);
}

const actorOf = (p: Principal): Actor => ({ sub: p.sub, role: p.role, org: p.org });

async function listingContext(deps: Deps, setting: SettingWithListings, existing: Listing | undefined) {
  return {
    setting,
    frameworks: await deps.store.reference.listFrameworks(),
    today: today(deps),
    ...(existing ? { existing } : {}),
  };
}

/**
 * The listing rules' problems for a body that failed its schema, on the fields that passed: the
 * route answers them in the same 400 (a wrong band beside a missing date, say). Reads the setting
 * as putListing does, so a caller who may not change it is refused as it would be.
 */
export async function listingBodyProblems(
  deps: Deps,
  principal: Principal,
  urn: string,
  listingId: string,
  body: Record<string, unknown>,
  invalid: ReadonlySet<string>,
): Promise<FieldProblem[]> {
  const setting = await ownedSetting(deps, principal, urn);
  const existing = setting.listings.find((l) => l.listingId === listingId);
  return listingProblems(body as unknown as ListingInput, await listingContext(deps, setting, existing), invalid);
}

/**
 * Creates or replaces one listing. Replacing needs If-Match with the current version, so two
 * members of staff editing at once never overwrite each other silently.
 */
export async function putListing(
  deps: Deps,
  principal: Principal,
  urn: string,
  listingId: string,
  input: ListingInput,
  ifMatch: number | undefined,
): Promise<{ listing: Listing; created: boolean; changed: boolean }> {
  const setting = await ownedSetting(deps, principal, urn);
  const existing = setting.listings.find((l) => l.listingId === listingId);
  if (existing !== undefined && ifMatch === undefined) {
    throw new PreconditionRequiredError(
      `Listing ${listingId} exists (version ${existing.version}); send If-Match: ${existing.version} to replace it.`,
      existing,
    );
  }
  if (existing !== undefined && ifMatch !== existing.version) {
    throw new PreconditionFailedError(
      `Listing ${listingId} is at version ${existing.version}, not ${ifMatch}: someone else saved it since you read it. Nothing was saved; reload and apply your change again.`,
      existing,
    );
  }
  if (existing === undefined && ifMatch !== undefined) {
    throw new PreconditionFailedError(
      `Listing ${listingId} does not exist, so it has no version ${ifMatch}; send no If-Match to create it.`,
      null,
    );
  }
  const ctx = await listingContext(deps, setting, existing);
  const problems = listingProblems(input, ctx);
  if (problems.length > 0) throw new ValidationError(problems);
  const listing = buildListing(listingId, input, ctx, now(deps));
  if (existing !== undefined && !listingChanged(existing, listing))
    return { listing: existing, created: false, changed: false };
  await deps.store.listings.putListing(
    setting,
    { listing, ...(existing ? { before: existing } : {}) },
    actorOf(principal),
  );
  // More places free than before: the stream consumer offers them down the waiting list.
  return { listing, created: existing === undefined, changed: true };
}

export interface BulkResult {
  urn: string;
  received: number;
  created: number;
  replaced: number;
  unchanged: number;
  listings: Listing[];
}

/** Problems of a whole upload, each with its line (CSV) or row (JSON). */
export class UploadRejectedError extends ValidationError {
  constructor(readonly rowProblems: RowProblem[]) {
    const rows = new Set(rowProblems.map((p) => p.line ?? p.row ?? 0));
    super(
      rowProblems,
      `Nothing was saved: ${rowProblems.length} problem${rowProblems.length === 1 ? '' : 's'} in ${rows.size} row${rows.size === 1 ? '' : 's'}. Fix them and upload the whole file again.`,
    );
  }
}

/**
 * Applies an upload to one setting, all or nothing: every row is checked before anything is
 * written, and the changed listings are written with their audit events in one transaction.
 */
export async function bulkUpsert(
  deps: Deps,
  principal: Principal,
  urn: string,
  parsed: ParsedUpload,
): Promise<BulkResult> {
  const setting = await ownedSetting(deps, principal, urn);
  const frameworks = await deps.store.reference.listFrameworks();
  const problems: RowProblem[] = [...parsed.problems];
  const changes: ListingChange[] = [];
  const unchanged: Listing[] = [];
  for (const row of parsed.rows) {
    const where = row.line !== undefined ? { line: row.line } : { row: row.row! };
    if (row.urn !== undefined && row.urn !== urn) {
      problems.push({ ...where, field: 'urn', message: `is ${row.urn}, but this upload is for URN ${urn}` });
      continue;
    }
    const existing = setting.listings.find((l) => l.listingId === row.listingId);
    if (row.version !== undefined && row.version !== existing?.version) {
      problems.push({
        ...where,
        field: 'version',
        message: existing
          ? `the listing is now at version ${existing.version}, not ${row.version}: someone changed it since your sheet was made`
          : `listing ${row.listingId} does not exist yet; leave version empty to create it`,
      });
      continue;
    }
    const ctx = { setting, frameworks, today: today(deps), ...(existing ? { existing } : {}) };
    const rowProblems = listingProblems(row.input, ctx);
    if (rowProblems.length > 0) {
      problems.push(...rowProblems.map((p) => ({ ...where, ...p })));
      continue;
    }
    const listing = buildListing(row.listingId, row.input, ctx, now(deps));
    if (existing !== undefined && !listingChanged(existing, listing)) unchanged.push(existing);
    else changes.push({ listing, ...(existing ? { before: existing } : {}) });
  }
  if (problems.length === 0 && changes.length > MAX_CHANGES_PER_TRANSACTION) {
    problems.push({
      field: 'listings',
      message: `${changes.length} listings would change; at most ${MAX_CHANGES_PER_TRANSACTION} can change in one upload for one setting`,
    });
  }
  if (problems.length > 0)
    throw new UploadRejectedError(problems.sort((a, b) => (a.line ?? a.row ?? 0) - (b.line ?? b.row ?? 0)));
  await deps.store.listings.putListings(setting, changes, actorOf(principal));
  return {
    urn,
    received: parsed.rows.length,
    created: changes.filter((c) => c.before === undefined).length,
    replaced: changes.filter((c) => c.before !== undefined).length,
    unchanged: unchanged.length,
    listings: [...changes.map((c) => c.listing), ...unchanged].sort((a, b) => a.listingId.localeCompare(b.listingId)),
  };
}
