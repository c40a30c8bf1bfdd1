import { z } from 'zod';

/**
 * The states of a case and the moves between them. The law behind Zainab Alert sets the order: the
 * police acknowledge the alert, contact the reporter (within 24 hours), register the FIR (within
 * 2 hours), then investigate until the child is recovered or the case is closed. A case may be
 * transferred to another district at any point before it ends.
 */
export const CASE_STATES = [
  'reported',
  'acknowledged',
  'reporter_contacted',
  'fir_registered',
  'investigating',
  'recovered',
  'closed',
  'transferred',
] as const;

export type CaseState = (typeof CASE_STATES)[number];

// Acknowledging may skip nothing, but an FIR can be registered before the reporter is reached: the
// two-hour FIR deadline is shorter than the 24-hour contact deadline.
const MOVES: Record<CaseState, readonly CaseState[]> = {
  reported: ['acknowledged', 'transferred', 'closed'],
  acknowledged: ['reporter_contacted', 'fir_registered', 'transferred', 'closed'],
  reporter_contacted: ['fir_registered', 'transferred', 'closed'],
  fir_registered: ['reporter_contacted', 'investigating', 'recovered', 'transferred', 'closed'],
  investigating: ['recovered', 'transferred', 'closed'],
  recovered: ['closed'],
  closed: [],
  // The receiving district's DPO picks the case up again from the start.
  transferred: ['acknowledged'],
};

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const jurisdictionCode = z
  .string()
  .trim()
  .regex(/^[A-Z0-9-]{2,80}$/, 'must be a district code such as PK-PB-LAHORE');

/** The request body of each move: `to` and the fields that state needs, nothing else. */
export const transitionInput = z.discriminatedUnion('to', [
  z.object({ to: z.literal('acknowledged'), note: text(1000).optional() }).strict(),
  z.object({ to: z.literal('reporter_contacted'), note: text(1000).optional() }).strict(),
  z
    .object({
      to: z.literal('fir_registered'),
      firNumber: text(60),
      policeStation: text(200),
      note: text(1000).optional(),
    })
    .strict(),
  z.object({ to: z.literal('investigating'), note: text(1000).optional() }).strict(),
  z.object({ to: z.literal('recovered'), note: text(1000).optional() }).strict(),
  z.object({ to: z.literal('closed'), reason: text(1000) }).strict(),
  z
    // The reason goes on the case timeline, so the receiving district knows why the case came.
    .object({ to: z.literal('transferred'), toDistrict: jurisdictionCode, reason: text(1000) })
    .strict(),
]);

export type TransitionInput = z.infer<typeof transitionInput>;

export function allowedMoves(from: CaseState): readonly CaseState[] {
  return MOVES[from];
}

export function canMove(from: CaseState, to: CaseState): boolean {
  return MOVES[from].includes(to);
}

export function isCaseState(value: string): value is CaseState {
  return (CASE_STATES as readonly string[]).includes(value);
}

/** States in which the case is over; deadlines stop and the public timeline shows the outcome. */
export function isFinal(state: CaseState): boolean {
  return MOVES[state].length === 0 || state === 'recovered';
}
