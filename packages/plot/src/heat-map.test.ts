import { heatMap, VIRIDIS, viridis } from './index';
import { MISSING_COLOR } from './color';
import { findAll, findOne, parseSvg, pathPieces, readAxis, type Node } from './test-helpers';

const cellAt = (svg: Node, px: number, py: number): Node => {
  const hits = findAll(svg, 'rect', 'cell').filter((c) => {
    const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(c.attrs[k]));
    return px >= x && px < x + w && py >= y && py < y + h;
  });
  if (hits.length !== 1) throw new Error(`${hits.length} cells at ${px},${py}`);
  return hits[0];
};

describe('heatMap', () => {
  const x = [0, 1, 2];
  const y = [10, 20];
  // z[j][i] at (x[i], y[j]): value 10 * j + i.
  const z = [[0, 1, 2], [10, 11, 12]];

  it('draws one cell per grid point, coloured by value, where the axes put it', () => {
    const svg = parseSvg(heatMap({ x, y, z }, { title: 'grid' }));
    expect(findAll(svg, 'rect', 'cell')).toHaveLength(6);
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    // Pixel of each grid point from the tick labels: its cell has the value's colour.
    x.forEach((xv, i) =>
      y.forEach((yv, j) => {
        const px = xAxis.pixels[0] + ((xv - xAxis.values[0]) / (xAxis.values[1] - xAxis.values[0])) * (xAxis.pixels[1] - xAxis.pixels[0]);
        const py = yAxis.pixels[0] + ((yv - yAxis.values[0]) / (yAxis.values[1] - yAxis.values[0])) * (yAxis.pixels[1] - yAxis.pixels[0]);
        expect(cellAt(svg, px, py).attrs.fill).toBe(viridis(z[j][i] / 12));
      }),
    );
    expect(viridis(0)).toBe(VIRIDIS[0]);
    expect(viridis(1)).toBe(VIRIDIS[VIRIDIS.length - 1]);
    // Colour bar ticks cover the values.
    const bar = findOne(svg, 'g', 'color-bar');
    const ticks = findAll(bar, 'text', 'tick-label').map((t) => Number(t.text));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(12);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
  });

  it('takes a 2-D loss slice { alphas, betas, losses } (losses[i][j] at alphas[i], betas[j]) as it is', () => {
    const alphas = [-1, 0, 1];
    const betas = [-2, 2];
    const losses = alphas.map((a, i) => betas.map((b, j) => 10 * i + j)); // asymmetric: a transpose would show
    const svg = parseSvg(heatMap({ alphas, betas, losses }));
    expect(findOne(svg, 'text', 'x-label').text).toBe('alpha');
    expect(findOne(svg, 'text', 'y-label').text).toBe('beta');
    expect(findOne(svg, 'text', 'z-label').text).toBe('loss');
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    const toPx = (axis: typeof xAxis, v: number) => axis.pixels[0] + ((v - axis.values[0]) / (axis.values[1] - axis.values[0])) * (axis.pixels[1] - axis.pixels[0]);
    alphas.forEach((a, i) => betas.forEach((b, j) => expect(cellAt(svg, toPx(xAxis, a), toPx(yAxis, b)).attrs.fill).toBe(viridis(losses[i][j] / 21))));
  });

  it('NaN cells are grey and listed; log colour scales treat values <= 0 as missing', () => {
    const svg = parseSvg(heatMap({ x: [0, 1], y: [0, 1], z: [[1, NaN], [10, 100]] }, { logZ: true }));
    const fills = findAll(svg, 'rect', 'cell').map((c) => c.attrs.fill);
    expect(fills.filter((f) => f === MISSING_COLOR)).toHaveLength(1);
    expect(fills).toContain(viridis(0));
    expect(fills).toContain(viridis(0.5)); // 10 is halfway between 1 and 100 on a log scale
    expect(findAll(svg, 'rect', 'missing')).toHaveLength(1);
    const bar = findAll(findOne(svg, 'g', 'color-bar'), 'text', 'tick-label').map((t) => t.text);
    expect(bar).toEqual(['1', '10', '100']);
    const zero = parseSvg(heatMap({ x: [0, 1], y: [0], z: [[0, 5]] }, { logZ: true }));
    expect(findAll(zero, 'rect', 'cell').map((c) => c.attrs.fill)[0]).toBe(MISSING_COLOR);
  });

  it('a capped colour range clamps values beyond it and shows an arrow', () => {
    const svg = parseSvg(heatMap({ x: [0, 1, 2], y: [0], z: [[0, 5, 100]] }, { zDomain: [undefined, 10] }));
    expect(findAll(svg, 'rect', 'cell').map((c) => c.attrs.fill)).toEqual([viridis(0), viridis(0.5), viridis(1)]);
    expect(findAll(svg, 'path', 'extend-over')).toHaveLength(1);
    expect(findAll(svg, 'path', 'extend-under')).toHaveLength(0);
    expect(findAll(parseSvg(heatMap({ x: [0, 1], y: [0], z: [[0, 1]] }, { reverse: true })), 'rect', 'cell').map((c) => c.attrs.fill)).toEqual([viridis(1), viridis(0)]);
  });

  it('contour lines follow the level', () => {
    // z = x on a 5 x 4 grid: the level 1.5 is the vertical line x = 1.5.
    const gx = [0, 1, 2, 3, 4];
    const gy = [0, 1, 2, 3];
    const svg = parseSvg(heatMap({ x: gx, y: gy, z: gy.map(() => gx.slice()) }, { contours: [1.5, 2.5] }));
    const paths = findAll(svg, 'path', 'contour');
    expect(paths.map((p) => p.attrs['data-level'])).toEqual(['1.5', '2.5']);
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    const segments = pathPieces(paths[0].attrs.d);
    expect(segments).toHaveLength(3); // one per row of cells
    for (const [[x0, y0], [x1, y1]] of segments) {
      expect(xAxis.toData(x0)).toBeCloseTo(1.5, 1);
      expect(xAxis.toData(x1)).toBeCloseTo(1.5, 1);
      expect(Math.abs(yAxis.toData(y1) - yAxis.toData(y0))).toBeCloseTo(1, 1);
    }
    // A count of levels spreads them over the range; each has a mark on the colour bar.
    const counted = parseSvg(heatMap({ x: gx, y: gy, z: gy.map(() => gx.slice()) }, { contours: 3 }));
    expect(findAll(counted, 'path', 'contour').map((p) => p.attrs['data-level'])).toEqual(['1', '2', '3']);
    expect(findAll(counted, 'line', 'level')).toHaveLength(3);
  });

  it('draws curves and markers over the map, and keeps true proportions with aspect equal', () => {
    const svg = parseSvg(
      heatMap(
        { x: [0, 1, 2, 3], y: [0, 1] , z: [[1, 2, 3, 4], [2, 3, 4, 5]] },
        { aspect: 'equal', width: 500, lines: [{ x: [0, 3], y: [0, 1], dashed: true }], points: [{ x: 0, y: 0, label: 'A <1>' }, { x: 3, y: 1, symbol: 'cross' }, { x: 1, y: 1, symbol: 'square' }] },
      ),
    );
    expect(findAll(svg, 'path', 'line')).toHaveLength(1);
    expect(findOne(svg, 'path', 'line').attrs.stroke).toBe('white');
    expect(findAll(svg, 'circle', 'marker')).toHaveLength(1);
    expect(findAll(svg, 'path', 'marker')).toHaveLength(1);
    expect(findAll(svg, 'rect', 'marker')).toHaveLength(1);
    expect(findOne(svg, 'text', 'marker-label').text).toBe('A <1>');
    const cells = findAll(svg, 'rect', 'cell');
    expect(Number(cells[0].attrs.width)).toBeCloseTo(Number(cells[0].attrs.height), 1);
    expect(Number(svg.attrs.height)).toBeLessThan(300);
  });

  it.each([
    ['no data', () => heatMap(undefined as never), /^heatMap: data must be a grid \{ x, y, z \} or a 2-D loss slice \{ alphas, betas, losses \}, got undefined$/],
    ['z with a row too few', () => heatMap({ x: [0, 1], y: [0, 1], z: [[1, 2]] }), /data\.z must be 2 rows \(one per y\) of 2 values, got 1 rows/],
    ['z with a short row', () => heatMap({ x: [0, 1], y: [0], z: [[1]] }), /data\.z must be 1 rows \(one per y\) of 2 values, got 1 in data\.z\[0\]/],
    ['losses of the wrong size', () => heatMap({ alphas: [0, 1], betas: [0], losses: [[1]] }), /data\.losses must be 2 rows \(one per alpha\) of 1 values, got 1 rows/],
    ['x not increasing', () => heatMap({ x: [0, 0], y: [0], z: [[1, 2]] }), /data\.x must be increasing, got data\.x\[1\] = 0 after 0/],
    ['NaN in y', () => heatMap({ x: [0], y: [NaN], z: [[1]] }), /data\.y\[0\] must be a finite number, got NaN/],
    ['only NaN', () => heatMap({ x: [0], y: [0], z: [[NaN]] }), /no finite value to colour/],
    ['bad contours', () => heatMap({ x: [0], y: [0], z: [[1]] }, { contours: 0 }), /contours must be true, false, a number of levels \(an integer >= 1\) or an array of levels, got 0/],
    ['a marker without y', () => heatMap({ x: [0], y: [0], z: [[1]] }, { points: [{ x: 0 } as never] }), /points\[0\]\.y must be a finite number, got undefined/],
    ['an unknown aspect', () => heatMap({ x: [0], y: [0], z: [[1]] }, { aspect: 'square' as never }), /aspect must be 'fill' or 'equal', got 'square'/],
  ])('refuses %s with a clear error', (_, call, message) => {
    expect(call).toThrow(message);
    expect(call).toThrow(/^heatMap: /);
  });
});
