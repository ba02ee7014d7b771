import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { ROUND_MECHANISMS } from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { conflictResponses, errorResponses, LaCode, json, SkippedPreferenceSchema } from '../schemas.ts';
import { getRound, PRIORITY_RULE, queueAllocationRound } from '../services/rounds.ts';

const CaseId = z.string().check(z.uuid({ error: 'must be a case id as returned by POST /cases' }));
const RoundInput = z.strictObject({
  cases: z
    .array(
      z.union([CaseId, z.strictObject({ laCode: LaCode, id: CaseId })], {
        error: 'must be a case id (your LA’s) or {"laCode", "id"} (a partnership’s member LA)',
      }),
      { error: 'is required: the cases to allocate' },
    )
    .check(
      z.minLength(1, { error: 'must name at least one case' }),
      z.maxLength(10_000, { error: 'must be at most 10,000 cases a round' }),
    ),
  mechanism: z._default(
    z.enum(ROUND_MECHANISMS, { error: `must be ${ROUND_MECHANISMS.join(' or ')}` }),
    'serial_dictatorship',
  ),
  seed: z
    .string({ error: 'is required: the lottery seed, published with the round so anyone can re-run it' })
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(100, { error: 'must be at most 100 characters' }),
    ),
  joinWaitingLists: z._default(z.boolean({ error: 'must be true or false' }), true),
});
const Outcome = lazySchema(() =>
  z.object({
    caseId: z.string(),
    laCode: z.string(),
    reference: z.optional(z.string()),
    outcome: z.enum(['allocated', 'unallocated', 'not_eligible']),
    turn: z.optional(z.number()),
    lottery: z.optional(z.number()),
    placementId: z.optional(z.string()),
    urn: z.optional(z.string()),
    listingId: z.optional(z.string()),
    rank: z.optional(z.number()),
    skipped: z.array(SkippedPreferenceSchema()),
    explanation: z.string(),
  }),
);
const Progress = z.object({
  cases: z.number(),
  casesDecided: z.number(),
  listings: z.number(),
  listingsCommitted: z.number(),
});
const Report = lazySchema(() =>
  z
    .object({
      id: z.string(),
      state: z.enum(['queued', 'running', 'done', 'failed']),
      progress: Progress,
      createdAt: z.string(),
      finishedAt: z.optional(z.string()),
      error: z.optional(z.string()),
      mechanism: z.enum(ROUND_MECHANISMS),
      seed: z.string(),
      priorityRule: z.string(),
      snapshotAt: z.optional(z.string()),
      reruns: z.optional(z.number()),
      summary: z.optional(
        z.object({
          cases: z.number(),
          allocated: z.number(),
          firstPreference: z.number(),
          unallocated: z.number(),
          notEligible: z.number(),
        }),
      ),
      timings: z.optional(
        z.object({
          snapshotMs: z.number(),
          mechanismMs: z.number(),
          commitMs: z.number(),
          waitingListsMs: z.number(),
        }),
      ),
      outcomes: z.optional(z.array(Outcome())),
    })
    .check(z.meta({ id: 'AllocationRound' })),
);

const run = createRoute({
  method: 'post',
  path: '/allocation-rounds',
  tags: ['allocation rounds'],
  summary: 'Allocate many cases at once against a frozen capacity snapshot (la, partnership)',
  description: `Runs in the background: the round is validated (every invalid field in one 400), queued, and answered 202 with its id and a Location to follow; GET it for its state (queued, running, done, failed), its progress and, once done, every outcome. A worker commits it listing by listing from checkpoints, so it finishes after any crash and never gives a place twice. Mechanisms: serial_dictatorship (default: cases take turns in the published order, each getting its highest preference with a place left) or deferred_acceptance (case-proposing; each listing prefers cases of its own LA). Both are strategy-proof for families. Order: ${PRIORITY_RULE} Results are committed per listing, all or nothing; a listing that changed meanwhile is re-run. Each case gets an explanation.`,
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: RoundInput } } } },
  responses: {
    202: json(Report, 'The round, queued: follow its Location'),
    ...errorResponses,
    429: conflictResponses[429],
  },
});
const read = createRoute({
  method: 'get',
  path: '/allocation-rounds/{id}',
  tags: ['allocation rounds'],
  summary: 'A round you queued: its state and progress, and once done every outcome (la, partnership)',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({
      id: z.string().check(z.uuid({ error: 'must be a round id as returned by POST /allocation-rounds' })),
    }),
  },
  responses: { 200: json(Report, 'The round'), ...errorResponses },
});

/** Batch allocation rounds: the request queues the round; the round worker runs it (services/round-worker.ts). */
export function roundsApp(deps: Deps) {
  return contextApp(deps)
    .openapi(run, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership']);
      const round = await queueAllocationRound(deps, principal, c.req.valid('json'));
      c.header('Location', `/allocation-rounds/${round.id}`);
      return c.json(round, 202);
    })
    .openapi(read, async (c) => {
      const principal = requireRole(c.get('principal'), ['la', 'partnership']);
      return c.json(await getRound(deps, principal, c.req.valid('param').id), 200);
    });
}
