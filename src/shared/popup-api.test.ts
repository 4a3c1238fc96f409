import { describe, expect, it } from 'vitest';
import { parsePopupCommand } from './popup-api';

describe('popup command validation', () => {
  it('accepts device counts and thresholds of 2..16 only, and copies only the known fields', () => {
    expect(parsePopupCommand({ type: 'startKeygen', name: 'V', t: 2, n: 3, extra: 'x' })).toEqual({
      type: 'startKeygen',
      name: 'V',
      t: 2,
      n: 3,
    });
    expect(parsePopupCommand({ type: 'startKeygen', name: 'V', t: 2, n: 3, password: 'pw' })).toEqual({
      type: 'startKeygen',
      name: 'V',
      t: 2,
      n: 3,
      password: 'pw',
    });
    expect(parsePopupCommand({ type: 'startReshare', newT: 3, newN: 4 })).toEqual({ type: 'startReshare', newT: 3, newN: 4 });
    expect(parsePopupCommand({ type: 'startReshare', newT: 2, newN: 2, leaving: true })).toEqual({
      type: 'startReshare',
      newT: 2,
      newN: 2,
      leaving: true,
    });
    for (const bad of [
      { type: 'startKeygen', name: 'V', t: 1, n: 3 },
      { type: 'startKeygen', name: 'V', t: 2, n: 17 },
      { type: 'startKeygen', name: 'V', t: 2.5, n: 3 },
      { type: 'startKeygen', name: 'V', t: '2', n: 3 },
      { type: 'startKeygen', name: 'V', t: 2, n: 3, password: 5 },
      { type: 'startReshare', newT: 2, newN: 20 },
      { type: 'startReshare', newT: 1, newN: 3 },
      { type: 'startReshare', newT: 2, newN: 3, leaving: 'yes' },
      { type: 'exportBackup', password: 'x'.repeat(1025) },
      { type: 'noSuchCommand' },
      null,
    ]) {
      expect(parsePopupCommand(bad)).toBeNull();
    }
  });
});
