import { BasinError } from '../errors';
import { describePath, Tree, TreeLeaf, treeLeaves, TreeOf } from '../tree';

/** Labels given as a tree shaped like the params, or as a function of the params. */
export type LabelSpec<L> = TreeOf<L> | ((params: Tree) => TreeOf<L>);

/**
 * Resolves a label spec against a params (or updates) tree and returns one label per leaf in
 * `treeLeaves` order, checking the label tree has the params' structure.
 */
export function labelsForLeaves<L extends string | boolean>(
  owner: string,
  specName: string,
  spec: LabelSpec<L>,
  tree: Tree,
  isLabel: (x: unknown) => boolean,
): { leaves: TreeLeaf[]; labels: L[] } {
  const leaves = treeLeaves(tree);
  // Branches see flat records keyed by path, so two leaves with one path would share an entry.
  const paths = new Set<string>();
  for (const { path } of leaves) {
    if (paths.has(path)) {
      throw new BasinError(`${owner}: two leaves have the path ${describePath(path)} (a record key containing '.' or '[' spells a nested path); rename one`);
    }
    paths.add(path);
  }
  const labelTree = typeof spec === 'function' ? (spec as (p: Tree) => TreeOf<L>)(tree) : spec;
  let labelled: TreeLeaf<L>[];
  try {
    labelled = treeLeaves<L>(labelTree, isLabel);
  } catch (e) {
    throw new BasinError(`${owner}: ${specName} ${(e as Error).message}`);
  }
  const byPath = new Map(labelled.map((e) => [e.path, e.leaf]));
  const missing = leaves.filter((e) => !byPath.has(e.path)).map((e) => describePath(e.path));
  const known = new Set(leaves.map((e) => e.path));
  const extra = labelled.filter((e) => !known.has(e.path)).map((e) => describePath(e.path));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`no label for ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`labels for leaves the params lack: ${extra.join(', ')}`);
    throw new BasinError(`${owner}: ${specName} does not match the params tree (${parts.join('; ')})`);
  }
  return { leaves, labels: leaves.map((e) => byPath.get(e.path) as L) };
}

/** The leaves carrying one label, as a flat record keyed by path: the sub-tree a branch sees. */
export function selectLeaves<L>(leaves: TreeLeaf[], labels: L[], wanted: L): Record<string, TreeLeaf['leaf']> {
  const out: Record<string, TreeLeaf['leaf']> = {};
  leaves.forEach((e, i) => {
    if (labels[i] === wanted) out[e.path] = e.leaf;
  });
  return out;
}
