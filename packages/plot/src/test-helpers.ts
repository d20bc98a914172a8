// Test-only: a strict little XML parser for the charts (it throws on anything not well formed:
// unbalanced tags, a raw `<` or `&` in text, unquoted attributes), and helpers that read the data
// back from a chart's axes.

export interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  /** The text directly inside, entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`raw & in ${where}: ${s}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : ENTITIES[e]));
}

export function parseSvg(svg: string): Node {
  const root: Node = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: Node[] = [root];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    if (text.includes('>')) throw new Error(`raw > in text: ${text}`);
    stack[stack.length - 1].text += decode(text, 'text');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2], `attribute ${a[1]}`);
      }
      const node: Node = { name, attrs, children: [], text: '' };
      stack[stack.length - 1].children.push(node);
      if (!selfClose) stack.push(node);
    }
    i = tag.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1 || root.children[0].name !== 'svg') throw new Error('expected one root <svg>');
  return root.children[0];
}

/** Every element below `node` (depth first) matching `name` and, if given, a class. */
export function findAll(node: Node, name: string, cls?: string): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    for (const c of n.children) {
      if (c.name === name && (cls === undefined || (c.attrs.class ?? '').split(' ').includes(cls))) out.push(c);
      visit(c);
    }
  };
  visit(node);
  return out;
}

export function findOne(node: Node, name: string, cls?: string): Node {
  const all = findAll(node, name, cls);
  if (all.length !== 1) throw new Error(`expected one <${name}${cls ? ` class=${cls}` : ''}>, found ${all.length}`);
  return all[0];
}

/** The vertices of each piece (`M...L...`) of a path's `d`. */
export function pathPieces(d: string): [number, number][][] {
  return d
    .split('M')
    .filter(Boolean)
    .map((piece) => piece.replace(/h0$/, '').split('L').map((p) => p.split(',').map(Number) as [number, number]));
}

/** Reads an axis: tick values (from their labels) and pixel positions; `toData` inverts the mapping. */
export function readAxis(svg: Node, axis: 'x' | 'y', log = false): { values: number[]; labels: string[]; pixels: number[]; toData: (p: number) => number } {
  const g = findOne(svg, 'g', `${axis}-axis`);
  const labels = findAll(g, 'text', 'tick-label').map((t) => t.text);
  const pixels = findAll(g, 'text', 'tick-label').map((t) => Number(t.attrs[axis]));
  const values = labels.map(Number);
  const f = (v: number): number => (log ? Math.log10(v) : v);
  const [v0, v1, p0, p1] = [f(values[0]), f(values[values.length - 1]), pixels[0], pixels[pixels.length - 1]];
  const toData = (p: number): number => {
    const t = v0 + ((p - p0) / (p1 - p0)) * (v1 - v0);
    return log ? 10 ** t : t;
  };
  return { values, labels, pixels, toData };
}
