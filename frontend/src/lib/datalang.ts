// The language of the platform's data as the pages show it. The portal
// speaks the reader's language, but what users wrote (a tender's title, an
// organisation's or an expert's name, a notice's text, a reason) is in the
// language it was written in, mostly Chinese. A screen reader reads text in
// the language its element says: Chinese data on an English page, unmarked,
// is read out by an English voice as nonsense. The rule: text holding a Han
// character is Chinese (`zh-CN`); text with Latin words and no Han
// character is English (`en`); anything else (numbers, codes of digits and
// dashes) takes its page's language. Marking a Chinese text zh-CN on a
// Chinese page, or an English one en on an English page, says what the page
// says already and does no harm; nothing English is ever marked Chinese.
//
// `dataLang(text)` gives the attribute for a binding (`:lang="dataLang(x)"`);
// `v-data-lang` marks an element by the text it holds, again whenever it
// changes (for an element that holds data only: a label in the page's
// language beside the data goes outside it).
import type { Directive } from 'vue';

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /[A-Za-z]{2,}/;

/** 'zh-CN' for text with Chinese in it, 'en' for Latin words alone, else undefined. */
export function dataLang(text: string | null | undefined): 'zh-CN' | 'en' | undefined {
  if (!text) return undefined;
  if (HAN.test(text)) return 'zh-CN';
  if (LATIN_WORD.test(text)) return 'en';
  return undefined;
}

function mark(el: HTMLElement): void {
  const lang = dataLang(el.textContent);
  if (lang) {
    if (el.getAttribute('lang') !== lang) el.setAttribute('lang', lang);
  } else if (el.hasAttribute('lang')) {
    el.removeAttribute('lang');
  }
}

/** Marks an element holding data with the language of its text. */
export const vDataLang: Directive<HTMLElement> = {
  mounted: mark,
  updated: mark,
};
