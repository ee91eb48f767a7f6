/**
 * What a label move means, for every store: the store gives the (id, label) history and a way to
 * look a version up, inside whatever serialises its moves (a folder lock, a transaction lock).
 */
import { PromptgateError } from '../errors.js';
import type { LabelAction, LabelEvent, LabelMoveRequest, PublishedVersion } from './types.js';

type Pointer = { version: string; hash: string };

/**
 * The versions a label has pointed to, as a stack whose top is the current one: a promote pushes
 * (unless it re-promotes the current version), a rollback pops. `events` are one (id, label)'s, oldest first.
 */
export function pointerStack(events: LabelEvent[]): Pointer[] {
  const stack: Pointer[] = [];
  for (const event of events) {
    if (event.action === 'rollback') {
      stack.pop();
      // A history that rolled back past what this replay knows still ends at the event's version.
      if (stack.at(-1)?.version !== event.version) stack.push({ version: event.version, hash: event.hash });
    } else if (stack.at(-1)?.version !== event.version || stack.at(-1)?.hash !== event.hash) {
      stack.push({ version: event.version, hash: event.hash });
    }
  }
  return stack;
}

/** The event fields of a move, before the store gives it its seq and stores it. */
export interface PlannedMove {
  action: LabelAction;
  version: string;
  hash: string;
  previous: Pointer | null;
}

/**
 * Plans `request` given the (id, label) history (oldest first). `lookup` returns the published
 * version (verified) or undefined. REGISTRY_NOT_PUBLISHED for a promote of a version the store
 * does not hold, REGISTRY_NO_ROLLBACK when the label has no earlier version to go back to.
 */
export async function planMove(
  request: LabelMoveRequest,
  events: LabelEvent[],
  lookup: (version: string) => Promise<PublishedVersion | undefined>,
  where: string,
): Promise<PlannedMove> {
  const stack = pointerStack(events);
  const current = stack.at(-1) ?? null;
  const previous = current && { version: current.version, hash: current.hash };
  if (request.to === 'rollback') {
    const target = stack.at(-2);
    if (!target) {
      const why = current ? `it has pointed only to ${current.version}` : 'it points to nothing yet';
      throw new PromptgateError('REGISTRY_NO_ROLLBACK', `cannot roll back ${request.id} on label ${request.label} in ${where}: ${why}`, {
        hint: 'promote the version you want instead',
      });
    }
    return { action: 'rollback', version: target.version, hash: target.hash, previous };
  }
  const version = await lookup(request.to.version);
  if (!version) {
    throw new PromptgateError('REGISTRY_NOT_PUBLISHED', `${request.id}@${request.to.version} is not published in ${where}`, {
      hint: `publish it first: promptgate publish ${request.id} --store <url>`,
    });
  }
  return { action: 'promote', version: version.version, hash: version.hash, previous };
}

/** The event that records a planned move as number `seq` of the store's history, made now. */
export function labelEventOf(seq: number, request: LabelMoveRequest, plan: PlannedMove): LabelEvent {
  return {
    seq,
    id: request.id,
    label: request.label,
    version: plan.version,
    hash: plan.hash,
    action: plan.action,
    at: new Date().toISOString(),
    by: request.by,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    previous: plan.previous,
  };
}

/** The label pointers a history ends at: the last event of each (id, label), sorted by label then id. */
export function currentPointers(events: LabelEvent[]): LabelEvent[] {
  const last = new Map<string, LabelEvent>();
  for (const event of events) last.set(`${event.label}\u0000${event.id}`, event);
  return [...last.values()].sort((a, b) => compareText(a.label, b.label) || compareText(a.id, b.id));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
