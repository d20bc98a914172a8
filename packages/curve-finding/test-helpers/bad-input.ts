// Test helper (not exported from the package): runs one bad call and checks that it fails the
// way a user should see it fail, with @basin/testing's expectBadCall and this package's list of
// internal names that a message must never show.
import { expectBadCall, type BadCall } from '@basin/testing';

export type BadInput = BadCall;

const INTERNAL_NAMES = [
  'treeMap', 'treeSub', 'treeAdd', 'treeDot', 'treeFlatten', 'treeLeaves', 'treeUnflatten',
  'treeFromVector', 'treeToVector', 'assertSameStructure', 'floatLeaves', 'checkMatches',
  'bezierCoefficients', 'polychainCoefficients', 'curveCoefficients', 'leavesInWeightOrder',
  'checkFitsWeights', 'segmentLength', 'gradFn: ',
];

/** `expectBadCall` with curve-finding's internal names. */
export const expectBadInput = (c: BadInput, inputs: unknown): Promise<void> => expectBadCall(c, inputs, INTERNAL_NAMES);
