// A public list whose filters and page live in the address (#/notices?kind=…
// &page=2), so a filtered list can be bookmarked and shared, and Back
// returns to it: the notice board (views/NoticeBoard.vue) and the notice list
// (views/public/NoticeList.vue). The form edits a copy; the list follows the
// address only. Shown by components/AddressList.vue.
import { computed, reactive, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQueryRaw } from 'vue-router';
import { get, type Page } from './api';

export const PER_PAGE = 20;

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '').trim();
const sameQuery = (a: LocationQueryRaw, b: LocationQueryRaw): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The list of `url` (a public API page) at the route `name` (path `path`), filtered by `filters`. */
export function useAddressList<T, F extends string>(name: string, path: string, url: string, filters: readonly F[]) {
  type Filters = Record<F, string>;
  const route = useRoute();
  const router = useRouter();
  const applied = computed<Filters>(() => Object.fromEntries(filters.map((k) => [k, one(route.query[k])])) as Filters);
  const page = computed(() => Math.max(1, parseInt(one(route.query.page), 10) || 1));
  const form = reactive(Object.fromEntries(filters.map((k) => [k, ''])) as Filters);
  watch(applied, (f) => Object.assign(form, f), { immediate: true });

  const data = ref<Page<T> | null>(null);
  const error = ref<unknown>(null);
  const busy = ref(true);
  let run = 0;
  async function load(): Promise<void> {
    const mine = ++run;
    busy.value = true;
    error.value = null;
    const qs = new URLSearchParams();
    for (const k of filters) if (applied.value[k]) qs.set(k, applied.value[k]);
    qs.set('page', String(page.value));
    qs.set('per_page', String(PER_PAGE));
    try {
      const body = await get<Page<T>>(`${url}?${qs}`, { auth: false });
      if (mine === run) data.value = body;
    } catch (e) {
      if (mine === run) { error.value = e; data.value = null; }
    } finally {
      if (mine === run) busy.value = false;
    }
  }
  watch(() => route.fullPath, () => { if (route.name === name) void load(); }, { immediate: true });

  const items = computed(() => (data.value?.items ?? []) as T[]);
  const perPage = computed(() => data.value?.per_page || PER_PAGE);
  const total = computed(() => data.value?.total ?? items.value.length);
  const pages = computed(() => Math.max(1, Math.ceil(total.value / perPage.value)));
  const current = computed(() => data.value?.page || page.value);

  function query(f: Filters, p: number): LocationQueryRaw {
    const q: LocationQueryRaw = {};
    for (const k of filters) if (f[k].trim()) q[k] = f[k].trim();
    if (p > 1) q.page = String(p);
    return q;
  }
  async function search(): Promise<void> {
    const next = query(form as Filters, 1);
    // Searching again for the same filters reloads the list.
    if (sameQuery(next, query(applied.value, page.value))) await load();
    else await router.push({ path, query: next });
  }
  function goTo(p: number): void {
    void router.push({ path, query: query(applied.value, p) });
  }
  return { applied, form, data, error, busy, load, items, perPage, total, pages, current, search, goTo };
}
