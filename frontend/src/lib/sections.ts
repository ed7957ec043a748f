// A page made of sections that each act on the server (upload, publish,
// sign, …): which section is busy, the refusal each shows and what each
// last did. `step` runs one action of a section, then reloads the page's
// data; a refusal stays in the section that asked (shown there with its
// reason) and nothing else is disturbed. Used by the tenderer's tender page
// and its contract panel.
import { reactive, ref } from 'vue';

export function useSections(reload: () => Promise<void>) {
  const busy = ref('');
  const errors = reactive<Record<string, unknown>>({});
  const done = reactive<Record<string, string>>({});
  /** Runs `what` for `section`; `said` is shown there once it succeeded. True when it did. */
  async function step(section: string, what: () => Promise<unknown>, said: string): Promise<boolean> {
    busy.value = section;
    errors[section] = null;
    done[section] = '';
    try {
      await what();
      done[section] = said;
      await reload();
      return true;
    } catch (e) {
      errors[section] = e;
      return false;
    } finally {
      busy.value = '';
    }
  }
  return { busy, errors, done, step };
}
