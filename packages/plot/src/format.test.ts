import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeXml, formatNumber, logTicks, niceTicks } from './index';

describe('formatting and ticks', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  });

  it('formats numbers short: plain in [0.001, 1e5), exponent form outside', () => {
    expect([0, 0.25, 1200, -3.5, 0.001, 1e-4, 2.5e6, 123456789, NaN, Infinity].map((v) => formatNumber(v))).toEqual(['0', '0.25', '1200', '-3.5', '0.001', '1e-4', '2.5e6', '1.235e8', 'NaN', 'inf']);
  });

  it('nice ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(0.3, 0.7, 4)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(1, 1)).toEqual([1]);
    expect(niceTicks(0, 995, 5)).toEqual([0, 200, 400, 600, 800]);
  });

  it('log ticks: decades over wide ranges, 1-2-5 over short ones', () => {
    expect(logTicks(1e-4, 1)).toEqual([1e-4, 0.001, 0.01, 0.1, 1]);
    expect(logTicks(1e-12, 1, 6)).toEqual([1e-12, 1e-9, 1e-6, 0.001, 1]); // every third decade
    expect(logTicks(0.3, 4)).toEqual([0.5, 1, 2]);
    expect(logTicks(1.1, 1.9)).toEqual(niceTicks(1.1, 1.9, 4));
  });

  it('depends on nothing: sources import only each other', () => {
    for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const imports = [...readFileSync(path.join(__dirname, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => !i.startsWith('./'))).toEqual([]);
    }
  });
});
