// The text Falco extracts for a JSON value (capture/json/value.ts jsonText): the scalars written without
// JSON.stringify must be exactly what JSON.stringify writes.

import { describe, expect, it } from 'vitest';
import { jsonText } from '../../capture/json/value.js';

describe('jsonText', () => {
  it('writes every scalar as JSON.stringify does', () => {
    const numbers = [0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 123456789012345680000, NaN, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) numbers.push((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 50 - 25));
    for (const v of [...numbers, true, false, null, [1, 'a'], { a: 1 }]) expect(jsonText(v), String(v)).toBe(JSON.stringify(v));
  });

  it('takes strings as they are and leaves a missing value missing', () => {
    expect(jsonText('a "quoted" text')).toBe('a "quoted" text');
    expect(jsonText(undefined)).toBeUndefined();
  });
});
