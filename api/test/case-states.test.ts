import { describe, expect, it } from 'vitest';
import { allowedMoves, CASE_STATES, canMove, isFinal, transitionInput } from '../src/cases/case-states.js';

describe('case states', () => {
  it('follows the legal order from report to recovery', () => {
    const path = [
      'reported',
      'acknowledged',
      'reporter_contacted',
      'fir_registered',
      'investigating',
      'recovered',
      'closed',
    ] as const;
    for (let index = 1; index < path.length; index++) {
      expect(
        canMove(path[index - 1] as never, path[index] as never),
        `${path[index - 1]} → ${path[index]}`,
      ).toBe(true);
    }
  });

  it.each([
    ['reported', 'fir_registered'],
    ['reported', 'recovered'],
    ['acknowledged', 'reported'],
    ['closed', 'acknowledged'],
    ['recovered', 'investigating'],
    ['transferred', 'fir_registered'],
  ] as const)('refuses %s → %s', (from, to) => {
    expect(canMove(from, to)).toBe(false);
  });

  it('ends only in closed, and lets every open state be transferred', () => {
    expect(allowedMoves('closed')).toEqual([]);
    expect(isFinal('closed')).toBe(true);
    expect(isFinal('recovered')).toBe(true);
    for (const state of CASE_STATES) {
      if (['closed', 'recovered', 'transferred'].includes(state)) continue;
      expect(canMove(state, 'transferred'), state).toBe(true);
    }
  });

  it('requires the FIR number and police station, a close reason and a receiving district', () => {
    expect(transitionInput.safeParse({ to: 'fir_registered', firNumber: '123/26' }).success).toBe(false);
    expect(
      transitionInput.safeParse({ to: 'fir_registered', firNumber: '123/26', policeStation: 'Model Town' })
        .success,
    ).toBe(true);
    expect(transitionInput.safeParse({ to: 'closed' }).success).toBe(false);
    expect(transitionInput.safeParse({ to: 'closed', reason: '  ' }).success).toBe(false);
    expect(transitionInput.safeParse({ to: 'transferred' }).success).toBe(false);
    expect(transitionInput.safeParse({ to: 'transferred', toDistrict: 'PK-PB-KASUR' }).success).toBe(false);
    expect(
      transitionInput.safeParse({ to: 'transferred', toDistrict: 'PK-PB-KASUR', reason: 'seen in Kasur' })
        .success,
    ).toBe(true);
    expect(transitionInput.safeParse({ to: 'acknowledged', firNumber: 'x' }).success).toBe(false);
    expect(transitionInput.safeParse({ to: 'found' }).success).toBe(false);
  });
});
