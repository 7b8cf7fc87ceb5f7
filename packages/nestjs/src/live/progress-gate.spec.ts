import { ProgressGate } from './progress-gate';

describe('ProgressGate', () => {
  const report = (progress: number | null, attempt = 1, at = 1_000, series = 1) => ({ progress, series, attempt, at });

  it('shows each new value once, however many times it is reported', () => {
    const gate = new ProgressGate();
    expect([report(10, 1, 1_000), report(10, 1, 1_000), report(20, 1, 1_100), report(20, 1, 1_500)].map((r) => gate.admit(r))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('never shows an older report of the same attempt after a newer one', () => {
    const gate = new ProgressGate();
    expect(gate.admit(report(50, 1, 2_000))).toBe(true);
    expect(gate.admit(report(40, 1, 1_900))).toBe(false);
  });

  it('shows a later attempt even at an earlier clock time or with the same value, and drops earlier attempts', () => {
    const gate = new ProgressGate();
    expect(gate.admit(report(50, 1, 5_000))).toBe(true);
    expect(gate.admit(report(50, 2, 1_000))).toBe(true);
    expect(gate.admit(report(90, 1, 9_000))).toBe(false);
    expect(gate.admit(report(10, 1, 1_000, 2))).toBe(true);
  });

  it('compares objects by value and ignores a cleared progress', () => {
    const gate = new ProgressGate();
    expect(gate.admit({ progress: { step: 'decode', done: 1 }, series: 1, attempt: 1, at: 1 })).toBe(true);
    expect(gate.admit({ progress: { step: 'decode', done: 1 }, series: 1, attempt: 1, at: 2 })).toBe(false);
    expect(gate.admit(report(null, 1, 3))).toBe(false);
  });
});
