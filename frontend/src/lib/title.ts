// The browser tab's title for a page, "<page> · <site>", kept in the
// user's language. It runs after the frame's own title (flush 'post'), which
// names the site alone.
import { onBeforeUnmount, watchEffect } from 'vue';
import { t } from '../i18n';

export function usePageTitle(page: () => string | null | undefined): void {
  const stop = watchEffect(() => {
    const p = page();
    document.title = p ? `${p} · ${t('appName')}` : t('appName');
  }, { flush: 'post' });
  onBeforeUnmount(stop);
}
