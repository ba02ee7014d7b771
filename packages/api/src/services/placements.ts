import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  directionKind,
  DIRECTION_TRANSITIONS,
  ForbiddenError,
  NotFoundError,
  MAINSTREAM_REFUSAL_GROUND,
  mainstreamRefusalProblems,
  PLACEMENT_TRANSITIONS,
  ValidationError,
  type Case,
  type DeclineReason,
  type Direction,
  type FieldProblem,
  type MainstreamRefusal,
  type Placement,
  placementSeenBy,
  type ProviderPlacement,
} from '@placements/domain';
import { REDACTED, type PlacementTextField, type PlacementTransition } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';

const clock = (deps: Deps) => (deps.now?.() ?? new Date()).toISOString();
const actorOf = (p: Principal) => ({ sub: p.sub, role: p.role, org: p.org });

async function placementFor(deps: Deps, id: string): Promise<Placement> {
  const p = await deps.store.cases.getPlacement(id);
  if (p === undefined) throw new NotFoundError(`No placement has the id ${id}.`);
  return p;
}

/** Any transition outside the state machine is a 409 naming the current state. */
function moved(p: Placement, action: keyof typeof PLACEMENT_TRANSITIONS): Placement {
  const t = PLACEMENT_TRANSITIONS[action]!;
  if (!t.from.includes(p.state)) {
    throw new ConflictError(
      'invalid_transition',
      `The placement is ${p.state}; "${action}" is possible only when it is ${t.from.join(' or ')}.`,
      [{ state: p.state }],
    );
  }
  return { ...p, state: t.to, version: p.version + 1 };
}

async function caseOf(deps: Deps, p: Placement): Promise<Case> {
  const c = await deps.store.cases.getCase(p.laCode, p.caseId);
  if (c === undefined) throw new NotFoundError('The placement’s case no longer exists.');
  return c;
}

/** The setting's provider answers its own consultations and admissions; nobody else. */
function asProvider(principal: Principal, p: Placement): void {
  if (principal.role !== 'provider' || principal.org !== p.providerId)
    throw new ForbiddenError('Only the provider of the setting consulted may answer for it.');
}
/** The placing LA, from the token. */
function asOwningLa(principal: Principal, p: Placement): void {
  if (principal.role !== 'la' || principal.org !== p.laCode)
    throw new ForbiddenError('Only the LA that owns the case may do this.');
}

/** The case at its next version, its state unchanged: for transitions that do not move the case. */
async function touched(deps: Deps, p: Placement): Promise<PlacementTransition['kase']> {
  const c = await caseOf(deps, p);
  return { before: c, after: { ...c, version: c.version + 1 } };
}

async function apply(deps: Deps, t: PlacementTransition): Promise<Placement> {
  await deps.store.placements.apply(t);
  return t.placement.after;
}

/** The setting accepts, or declines with reasons from the legal tests; a decline releases the hold and reopens the case. */
export async function respond(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { decision: 'accept' | 'decline'; reasons?: DeclineReason[]; detail?: string },
): Promise<Placement> {
  const p = await placementFor(deps, id);
  asProvider(principal, p);
  const at = clock(deps);
  if (body.decision === 'accept')
    return apply(deps, {
      placement: { before: p, after: moved(p, 'accept') },
      kase: await touched(deps, p),
      action: 'placement.accepted',
      actor: actorOf(principal),
      at,
    });
  if (!body.reasons || body.reasons.length === 0)
    throw new ValidationError([
      { field: 'reasons', message: 'a decline needs at least one reason from the legal tests' },
    ]);
  const after = {
    ...moved(p, 'decline'),
    declineReasons: body.reasons,
    ...(body.detail ? { declineDetail: body.detail } : {}),
  };
  const c = await caseOf(deps, p);
  const { activePlacementId: _a, ...rest } = c;
  // The case is open again, and this listing is not offered to it again; the LA allocates the next preference or names the setting anyway.
  const reopened: Case = {
    ...rest,
    state: 'open',
    declined: [...(c.declined ?? []), `${p.urn}#${p.listingId}`],
    version: c.version + 1,
  };
  const declined = await apply(deps, {
    placement: { before: p, after },
    kase: { before: c, after: reopened },
    listing: { held: -1, available: 1, filled: 0 },
    action: 'placement.declined',
    actor: actorOf(principal),
    at,
  });
  // The released place goes to the listing's waiting list, in order.
  // The released place is offered down the listing's waiting list by the stream consumer.
  return declined;
}

/** The LA names the setting; a declined maintained school or academy may be named anyway, with the reason recorded. */
export async function name(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { note?: string; mainstreamRefusal?: { urn: string; ground: string; evidence: string } },
): Promise<Placement> {
  const p = await placementFor(deps, id);
  asOwningLa(principal, p);
  if (p.state === 'declined') {
    if (directionKind(p.governance) === undefined)
      throw new ConflictError(
        'not_directable',
        'An independent or non-maintained setting that declined cannot be named against its decision.',
        [{ state: p.state }],
      );
  }
  // A placement that can no longer be named is a 409 whatever the body says: a second naming racing
  // the first would otherwise be told its refusal is already recorded (a 400) instead.
  const namedPlacement = moved(p, 'name');
  const problems: FieldProblem[] = [];
  if (p.state === 'declined' && !body.note) {
    problems.push({ field: 'note', message: 'is required when naming a setting that declined: record why' });
  }
  const c = await caseOf(deps, p);
  const at = clock(deps);
  let refusal: MainstreamRefusal | undefined;
  if (body.mainstreamRefusal !== undefined) {
    const r = body.mainstreamRefusal;
    const refused = await deps.store.settings.getSetting(r.urn);
    problems.push(...mainstreamRefusalProblems(c, p.urn, r, refused));
    if (refused !== undefined) {
      refusal = {
        urn: r.urn,
        settingName: refused.name,
        ground: MAINSTREAM_REFUSAL_GROUND,
        evidence: r.evidence.trim(),
        placementId: p.id,
        by: actorOf(principal),
        at,
      };
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  if (p.state === 'declined' && c.state !== 'open')
    throw new ConflictError('invalid_transition', `The case is ${c.state}: it has another placement in progress.`, [
      { state: c.state },
    ]);
  const after = { ...namedPlacement, ...(body.note ? { namingNote: body.note } : {}) };
  // The refusal is kept with the case, in the naming's transaction: both happen, or neither.
  const named: Case = {
    ...c,
    state: 'named',
    activePlacementId: p.id,
    ...(refusal ? { mainstreamRefusals: [...(c.mainstreamRefusals ?? []), refusal] } : {}),
    version: c.version + 1,
  };
  return apply(deps, {
    placement: { before: p, after },
    kase: { before: c, after: named },
    ...(refusal ? { recorded: { mainstreamRefusal: refusal } } : {}),
    action: 'placement.named',
    actor: actorOf(principal),
    at,
  });
}

/** The named setting records admission (the held place becomes filled) or refusal. */
export async function admission(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { decision: 'admitted' | 'refused'; reason?: string },
): Promise<Placement> {
  const p = await placementFor(deps, id);
  asProvider(principal, p);
  const at = clock(deps);
  if (body.decision === 'refused') {
    if (!body.reason) throw new ValidationError([{ field: 'reason', message: 'a refusal to admit needs its reason' }]);
    return apply(deps, {
      placement: { before: p, after: { ...moved(p, 'refuse'), refusalReason: body.reason } },
      kase: await touched(deps, p),
      action: 'placement.refused',
      actor: actorOf(principal),
      at,
    });
  }
  const c = await caseOf(deps, p);
  const placed: Case = { ...c, state: 'placed', version: c.version + 1 };
  // A place held since allocation becomes filled; a place named despite a decline was never held.
  const wasHeld = !(p.declineReasons && p.declineReasons.length > 0);
  return apply(deps, {
    placement: { before: p, after: moved(p, 'admit') },
    kase: { before: c, after: placed },
    ...(wasHeld ? { listing: { held: -1, available: 0, filled: 1 } } : {}),
    action: 'placement.admitted',
    actor: actorOf(principal),
    at,
  });
}

/** The LA directs admission: its own direction for a maintained school, the trust backstop for an academy. */
export async function direct(
  deps: Deps,
  principal: Principal,
  id: string,
): Promise<{ placement: Placement; direction: Direction }> {
  const p = await placementFor(deps, id);
  asOwningLa(principal, p);
  const kind = directionKind(p.governance);
  if (kind === undefined)
    throw new ConflictError(
      'not_directable',
      `A ${p.governance.replace('_', '-')} setting cannot be directed to admit.`,
      [{ state: p.state }],
    );
  const after = moved(p, 'direct');
  const at = clock(deps);
  const direction: Direction = {
    id: randomUUID(),
    placementId: p.id,
    caseId: p.caseId,
    laCode: p.laCode,
    urn: p.urn,
    kind,
    ...(p.trustId ? { trustId: p.trustId } : {}),
    state: 'issued',
    issuedAt: at,
    version: 1,
  };
  await apply(deps, {
    placement: { before: p, after },
    kase: await touched(deps, p),
    direction: { after: direction },
    action: `direction.${kind}`,
    actor: actorOf(principal),
    at,
  });
  return { placement: after, direction };
}

async function directionFor(deps: Deps, id: string): Promise<Direction> {
  const d = await deps.store.placements.getDirection(id);
  if (d === undefined) throw new NotFoundError(`No direction has the id ${id}.`);
  return d;
}

function movedDirection(d: Direction, action: keyof typeof DIRECTION_TRANSITIONS): Direction {
  const t = DIRECTION_TRANSITIONS[action]!;
  if (!t.from.includes(d.state))
    throw new ConflictError(
      'invalid_transition',
      `The direction is ${d.state}; "${action}" is possible only when it is ${t.from.join(' or ')}.`,
      [{ state: d.state }],
    );
  return { ...d, state: t.to, version: d.version + 1 };
}

/** The trust appeals its own backstop direction to the Schools Adjudicator. */
export async function appeal(deps: Deps, principal: Principal, id: string, grounds: string): Promise<Direction> {
  const d = await directionFor(deps, id);
  if (d.kind !== 'trust_backstop')
    throw new ConflictError(
      'not_appealable',
      'Only a trust backstop direction can be appealed to the Schools Adjudicator.',
      [{ state: d.state }],
    );
  if (principal.role !== 'trust' || principal.org !== d.trustId)
    throw new ForbiddenError('Only the trust directed may appeal.');
  const p = await placementFor(deps, d.placementId);
  const after = { ...movedDirection(d, 'appeal'), appealGrounds: grounds };
  await apply(deps, {
    placement: { before: p, after: { ...p, version: p.version + 1 } },
    kase: await touched(deps, p),
    direction: { before: d, after },
    action: 'direction.appealed',
    actor: actorOf(principal),
    at: clock(deps),
  });
  return after;
}

/** The Schools Adjudicator determines the appeal; that ends the matter. Overturned: the case is open again. */
export async function determine(
  deps: Deps,
  principal: Principal,
  id: string,
  outcome: 'upheld' | 'overturned',
  reasons?: string,
): Promise<Direction> {
  if (principal.role !== 'adjudicator') throw new ForbiddenError('Only the Schools Adjudicator determines appeals.');
  const d = await directionFor(deps, id);
  const at = clock(deps);
  const after = {
    ...movedDirection(d, outcome === 'upheld' ? 'uphold' : 'overturn'),
    determinedAt: at,
    ...(reasons ? { determinationReasons: reasons } : {}),
  };
  const p = await placementFor(deps, d.placementId);
  if (outcome === 'upheld') {
    await apply(deps, {
      placement: { before: p, after: { ...p, version: p.version + 1 } },
      kase: await touched(deps, p),
      direction: { before: d, after },
      action: 'direction.upheld',
      actor: actorOf(principal),
      at,
    });
    return after;
  }
  const c = await caseOf(deps, p);
  const { activePlacementId: _a, ...rest } = c;
  const wasHeld = !(p.declineReasons && p.declineReasons.length > 0);
  await apply(deps, {
    placement: { before: p, after: { ...moved(p, 'withdraw'), version: p.version + 1 } },
    kase: {
      before: c,
      after: {
        ...rest,
        state: 'open',
        declined: [...(c.declined ?? []), `${p.urn}#${p.listingId}`],
        version: c.version + 1,
      },
    },
    ...(wasHeld ? { listing: { held: -1, available: 1, filled: 0 } } : {}),
    direction: { before: d, after },
    action: 'direction.overturned',
    actor: actorOf(principal),
    at,
  });
  // A released place is offered down the waiting list by the stream consumer.
  return after;
}

/** A placement, to the LA that owns the case or the provider of the setting consulted. */
export async function placementView(
  deps: Deps,
  principal: Principal,
  id: string,
): Promise<Placement | ProviderPlacement> {
  const p = await placementFor(deps, id);
  const mine =
    (principal.role === 'la' && principal.org === p.laCode) ||
    (principal.role === 'provider' && principal.org === p.providerId);
  // Another tenant's placement is not found, not forbidden: its existence is not theirs to know.
  if (!mine) throw new NotFoundError(`No placement has the id ${id}.`);
  return placementSeenBy(principal.role, p);
}

/** Placements addressed to one of the provider's settings, newest first (its consultations and admissions). */
export async function placementsOfSetting(
  deps: Deps,
  principal: Principal,
  urn: string,
  q: { state?: string; limit: number; cursor?: string },
) {
  const setting = await deps.store.settings.getSetting(urn);
  if (setting === undefined) throw new NotFoundError(`No setting has the URN ${urn}.`);
  if (setting.providerId !== principal.org) throw new ForbiddenError(`Setting ${urn} is not one of your settings.`);
  const page = await deps.store.cases.listPlacements(urn, {
    ...(q.state ? { state: q.state } : {}),
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return { ...page, items: page.items.map((p) => placementSeenBy('provider', p)) };
}

/**
 * The owning LA (the controller of the case's data) erases a free-text field of a placement: the
 * text becomes "[redacted]", and the case's audit trail records who redacted which field and why,
 * never the text itself (it was never in the audit trail).
 */
export async function redact(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { field: PlacementTextField; reason: string },
): Promise<Placement> {
  const p = await placementFor(deps, id);
  asOwningLa(principal, p);
  const after: Placement = {
    ...p,
    ...(p[body.field] !== undefined ? { [body.field]: REDACTED } : {}),
    version: p.version + 1,
  };
  return apply(deps, {
    placement: { before: p, after },
    kase: await touched(deps, p),
    action: 'placement.text_redacted',
    actor: actorOf(principal),
    at: clock(deps),
    note: { redacted: body.field, reason: body.reason },
  });
}

/**
 * The owning LA erases the grounds of a trust's appeal (the direction's free text), as it erases
 * a placement's: the text becomes "[redacted]" and the case's audit trail records who, which
 * field and why, never the text.
 */
export async function redactDirection(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { field: 'appealGrounds'; reason: string },
): Promise<Direction> {
  const d = await directionFor(deps, id);
  const p = await placementFor(deps, d.placementId);
  asOwningLa(principal, p);
  const after: Direction = {
    ...d,
    ...(d[body.field] !== undefined ? { [body.field]: REDACTED } : {}),
    version: d.version + 1,
  };
  await apply(deps, {
    placement: { before: p, after: { ...p, version: p.version + 1 } },
    kase: await touched(deps, p),
    direction: { before: d, after },
    action: 'direction.text_redacted',
    actor: actorOf(principal),
    at: clock(deps),
    note: { redacted: body.field, reason: body.reason },
  });
  return after;
}

/**
 * The trust complies with its backstop direction (issued, or upheld on appeal): the academy admits
 * the child, in one transaction with the direction marked complied.
 */
export async function admitDirected(deps: Deps, principal: Principal, id: string): Promise<Direction> {
  const d = await directionFor(deps, id);
  if (principal.role !== 'trust' || d.trustId === undefined || principal.org !== d.trustId) {
    throw new ForbiddenError('Only the trust directed may admit under the direction.');
  }
  const after = movedDirection(d, 'comply');
  const p = await placementFor(deps, d.placementId);
  const c = await caseOf(deps, p);
  // A place named despite a decline was never held; one held since allocation becomes filled.
  const wasHeld = !(p.declineReasons && p.declineReasons.length > 0);
  await apply(deps, {
    placement: { before: p, after: moved(p, 'admit') },
    kase: { before: c, after: { ...c, state: 'placed', version: c.version + 1 } },
    ...(wasHeld ? { listing: { held: -1, available: 0, filled: 1 } } : {}),
    direction: { before: d, after },
    action: 'direction.complied',
    actor: actorOf(principal),
    at: clock(deps),
  });
  return after;
}
