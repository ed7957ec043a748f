// The OCDS packages the open-data pages read (src/opendata/ocds.rs): a
// release's id is "<tender id>-<notice number, 4 digits>", so each release
// leads to its notice's page and its project's open data.
import { i18n, t } from '../i18n';

export interface Release {
  ocid: string; id: string; date: string; tag?: string[];
  tender?: { id?: string; title?: string; status?: string; value?: { amount?: number; currency?: string }; numberOfTenderers?: number };
  bids?: { statistics?: { id: string; measure: string; value: number; relatedLot?: string }[] };
  awards?: { id: string; status?: string; value?: { amount?: number; currency?: string }; suppliers?: { name?: string }[]; relatedLots?: string[] }[];
  contracts?: { id: string; title?: string; status?: string; value?: { amount?: number; currency?: string }; dateSigned?: string }[];
}
export interface ReleasePackage { uri?: string; publishedDate?: string; publisher?: { name?: string }; releases?: Release[]; links?: { next?: string; prev?: string } }
export interface RecordPackage { publisher?: { name?: string }; records?: { ocid: string; releases?: Release[]; compiledRelease?: Release }[] }

/** The tender and notice number a release is made from, or null. */
export function releaseRef(r: Release): { tender: string; seq: number } | null {
  const m = /^(.+)-(\d{4})$/.exec(r.id ?? '');
  return m ? { tender: m[1], seq: Number(m[2]) } : null;
}

/** An OCDS release tag in words (its code where the catalogue has none). */
export function tagName(tag: string): string {
  const key = `pub.opendata.tags.${tag}`;
  return i18n.global.te(key) || i18n.global.te(key, 'zh') ? t(key) : tag;
}
