// One i18n instance for the portal. Messages live beside their pages in
// src/i18n/messages/*.ts, each exporting { zh, en } under its own namespace;
// they are merged here. Chinese is the default; `?lang=en` or the header's
// switch chooses English, remembered in this browser.
import { createI18n } from 'vue-i18n';
import { computed, ref } from 'vue';
import type { Tree } from './nest';

export type Lang = 'zh' | 'en';

const modules = import.meta.glob<{ default: { zh: Tree; en: Tree } }>('./messages/*.ts', { eager: true });

function merge(into: Tree, from: Tree, path: string): void {
  for (const [k, v] of Object.entries(from)) {
    const here = path ? `${path}.${k}` : k;
    const existing = into[k];
    if (typeof v === 'string') {
      if (existing !== undefined) throw new Error(`message ${here} is defined twice`);
      into[k] = v;
    } else {
      if (typeof existing === 'string') throw new Error(`message ${here} is both a text and a group`);
      into[k] = existing ?? {};
      merge(into[k] as Tree, v, here);
    }
  }
}

export const messages: { zh: Tree; en: Tree } = { zh: {}, en: {} };
for (const name of Object.keys(modules).sort()) {
  const m = modules[name].default;
  merge(messages.zh, m.zh, '');
  merge(messages.en, m.en, '');
}

const KEY = 'ggzy.lang';
function initial(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh') {
    try { localStorage.setItem(KEY, fromUrl); } catch { /* storage may be off */ }
    return fromUrl;
  }
  try {
    const stored = localStorage.getItem(KEY);
    if (stored === 'en' || stored === 'zh') return stored;
  } catch { /* storage may be off */ }
  return 'zh';
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh',
  messages,
  missingWarn: false,
  fallbackWarn: false,
});

const current = ref<Lang>(i18n.global.locale.value as Lang);
export const lang = computed(() => current.value);
export const htmlLang = computed(() => (current.value === 'zh' ? 'zh-CN' : 'en'));

export function setLang(next: Lang): void {
  current.value = next;
  i18n.global.locale.value = next;
  try { localStorage.setItem(KEY, next); } catch { /* storage may be off */ }
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.set('lang', next);
    history.replaceState(history.state, '', url);
  }
  document.documentElement.lang = htmlLang.value;
}
document.documentElement.lang = htmlLang.value;

export const t = i18n.global.t;
export const te = i18n.global.te;
