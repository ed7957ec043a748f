// A box that scrolls (a wide table on a phone, a long command, a document's
// text) has to be reachable by the keyboard, or its hidden part cannot be
// read without a mouse (WCAG 2.1.1). `v-scrollable` makes the box a tab
// stop while, and only while, its content is wider or taller than it: at a
// width where everything fits, no empty stop is added.
import type { Directive } from 'vue';

const stops = new WeakMap<HTMLElement, () => void>();

function update(el: HTMLElement): void {
  const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  if (scrolls) el.setAttribute('tabindex', '0');
  else el.removeAttribute('tabindex');
}

export const vScrollable: Directive<HTMLElement> = {
  mounted(el) {
    const check = (): void => update(el);
    // The box's own size (the window's width), its children's (rows
    // coming in), and its text (a document shown in it).
    const resize = new ResizeObserver(check);
    const children = (): void => { for (const c of el.children) resize.observe(c); };
    resize.observe(el);
    children();
    const mutate = new MutationObserver(() => { children(); check(); });
    mutate.observe(el, { childList: true, subtree: true, characterData: true });
    check();
    stops.set(el, () => { resize.disconnect(); mutate.disconnect(); });
  },
  updated: update,
  unmounted(el) {
    stops.get(el)?.();
    stops.delete(el);
  },
};
