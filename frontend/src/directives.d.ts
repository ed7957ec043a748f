// The portal's own directives, registered in main.ts, known to the
// templates' type check.
import type { vScrollable } from './lib/scrollable';

declare module 'vue' {
  interface GlobalDirectives {
    vScrollable: typeof vScrollable;
  }
}

export {};
