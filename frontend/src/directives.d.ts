// The portal's own directives, registered in main.ts, known to the
// templates' type check.
import type { vScrollable } from './lib/scrollable';
import type { vDataLang } from './lib/datalang';

declare module 'vue' {
  interface GlobalDirectives {
    vScrollable: typeof vScrollable;
    vDataLang: typeof vDataLang;
  }
}

export {};
