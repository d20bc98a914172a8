import { lineChart, panels } from './index';
import { findAll, parseSvg } from './test-helpers';

describe('panels', () => {
  const a = lineChart({ x: [0, 1], y: [0, 1] }, { width: 300, height: 200, title: 'a' });
  const b = lineChart({ x: [0, 1], y: [1, 0] }, { width: 400, height: 250, title: 'b' });

  it('places charts side by side in one document, with a caption', () => {
    const svg = parseSvg(panels([a, b], { caption: 'seed 0 & co', title: 'both' }));
    const nested = findAll(svg, 'svg', 'panel');
    expect(nested.map((n) => [n.attrs.x, n.attrs.y, n.attrs.width])).toEqual([['0', '30', '300'], ['408', '30', '400']]);
    expect(Number(svg.attrs.width)).toBe(808);
    expect(findAll(svg, 'text', 'caption')[0].text).toBe('seed 0 & co');
    expect(findAll(svg, 'path', 'line')).toHaveLength(2);
  });

  it('wraps to rows with columns', () => {
    const svg = parseSvg(panels([a, b, a], { columns: 2, gap: 0 }));
    expect(findAll(svg, 'svg', 'panel').map((n) => [n.attrs.x, n.attrs.y])).toEqual([['0', '0'], ['400', '0'], ['0', '250']]);
    expect([svg.attrs.width, svg.attrs.height]).toEqual(['800', '500']);
  });

  it.each([
    ['no charts', () => panels([]), /^panels: charts must be a non-empty array of SVG strings, got an array of length 0$/],
    ['a string that is no chart', () => panels(['hello']), /charts\[0\] must be an SVG string with a root <svg width="..." height="..."> \(a chart of @basin\/plot\), got 'hello'/],
    ['0 columns', () => panels([a], { columns: 0 }), /columns must be an integer >= 1, got 0/],
  ])('refuses %s', (_, call, message) => expect(call).toThrow(message));
});
