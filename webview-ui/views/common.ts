/** Small pieces shared by several views. */
import type { Ctx } from '../context';
import { h } from '../dom';

/** A link-styled button that opens the dataset (or test file) at a line in the editor. */
export function lineLink(ctx: Ctx, line: number, which: 'dataset' | 'test', text = String(line)): HTMLElement {
  return h(
    'button',
    {
      class: 'ft-link',
      attrs: { type: 'button', title: `Open the ${which === 'dataset' ? 'dataset' : 'test file'} at line ${line}`, 'aria-label': `Open line ${line}` },
      on: { click: () => ctx.post({ type: 'reveal-line', line, which }) },
    },
    text,
  );
}
