// The frame of the playground's live SAM pages: two stacked charts with captions, redrawn at every
// measurement the training reports (yielding a frame each time, so the page stays responsive) and
// once more at the end.
import { makeCanvas, nextFrame } from './phenomena-chart';

/** A canvas with its caption below. */
export type ChartPanel = ReturnType<typeof makeCanvas>;

/**
 * Appends the two charts to `el` with `intro` under the top one, runs `train` and calls `draw` on
 * each point it reports and on its result; resolves with the result.
 */
export async function drawWhileTraining<R>(
  el: HTMLElement,
  intro: string,
  train: (onPoint: (r: R) => Promise<void>) => Promise<R>,
  draw: (r: R, top: ChartPanel, bottom: ChartPanel) => void,
): Promise<R> {
  const top = makeCanvas(el, 560, 260);
  const bottom = makeCanvas(el, 560, 260);
  top.caption.textContent = intro;
  const result = await train(async (r) => {
    draw(r, top, bottom);
    await nextFrame();
  });
  draw(result, top, bottom);
  return result;
}
