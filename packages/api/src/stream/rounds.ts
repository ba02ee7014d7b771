import { randomUUID } from 'node:crypto';
import { itemTypeOf, type StreamHandler } from '@placements/store';
import type { Deps } from '../http.ts';
import { LEASE_MS, runRoundJob, type RoundJobResult } from '../services/round-worker.ts';

const ACTIVE = new Set(['queued', 'running']);

/** Rounds (org, id) whose item in a batch is queued or running. */
function roundsIn(changes: Parameters<StreamHandler>[0]): { org: string; id: string }[] {
  const found = new Map<string, { org: string; id: string }>();
  for (const c of changes) {
    if (itemTypeOf(c) !== 'round' || c.newImage === undefined || !ACTIVE.has(c.newImage.state as string)) continue;
    const { org, id } = c.newImage as { org: string; id: string };
    found.set(`${org}#${id}`, { org, id });
  }
  return [...found.values()];
}

/**
 * The round worker as a stream handler that runs each round to the end (or to `deadlineMs` from
 * now) before returning: the round-worker Lambda (with its 15-minute timeout, less a margin) and
 * tests, where draining the stream then means the round is done.
 */
export function roundWorker(deps: Deps, options: { deadlineMs?: () => number } = {}): StreamHandler {
  return async (changes) => {
    for (const { org, id } of roundsIn(changes)) {
      const deadline = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs();
      await runRoundJob(deps, org, id, deadline === undefined ? {} : { deadline });
    }
  };
}

export interface RoundJobs {
  /** The stream handler: starts the worker of each queued or running round it sees, without waiting. */
  handler: StreamHandler;
  /** Finds rounds left queued or running (a crash, a restart) and resumes them. */
  resumeActive(): Promise<number>;
  /** Resolves once no round is being worked on in this process. */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * The round worker in the local marketplace's own process: the stream consumer starts it and
 * goes on with other changes meanwhile (a round takes a minute; search entries must not wait for
 * it). A round whose lease is still held by a process that died is tried again once it runs out.
 */
export function backgroundRoundJobs(deps: Deps, log: (line: string) => void = () => {}): RoundJobs {
  const owner = `local-${randomUUID()}`;
  const running = new Map<string, Promise<RoundJobResult | undefined>>();
  const timers = new Set<NodeJS.Timeout>();
  /** Rounds this process saw end: the stream's older records of their head (queued, running) start nothing. */
  const ended = new Set<string>();
  let stopped = false;
  const ensure = (org: string, id: string): void => {
    const key = `${org}#${id}`;
    if (stopped || running.has(key) || ended.has(key)) return;
    const job = runRoundJob(deps, org, id, { owner })
      .then((result) => {
        if (result === 'busy' && !stopped) {
          // Another worker holds the round, or one that died does until its lease runs out.
          const timer = setTimeout(() => {
            timers.delete(timer);
            ensure(org, id);
          }, LEASE_MS / 2);
          timer.unref();
          timers.add(timer);
        }
        if (result === 'done' || result === 'failed') {
          ended.add(key);
          log(`allocation round ${id} (${org}): ${result}`);
        }
        return result;
      })
      .catch((error) => {
        log(`allocation round ${id} (${org}) stopped: ${String(error)}; it will be resumed`);
        const timer = setTimeout(() => {
          timers.delete(timer);
          ensure(org, id);
        }, 2000);
        timer.unref();
        timers.add(timer);
        return undefined;
      })
      .finally(() => running.delete(key));
    running.set(key, job);
  };
  return {
    handler: async (changes) => {
      for (const { org, id } of roundsIn(changes)) ensure(org, id);
    },
    async resumeActive() {
      const active = await deps.store.rounds.active();
      for (const { org, id } of active) ensure(org, id);
      return active.length;
    },
    async idle() {
      while (running.size > 0 || timers.size > 0) {
        await Promise.all(running.values());
        if (running.size === 0 && timers.size > 0) await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
