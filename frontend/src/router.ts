// Hash routes (`/#/tenders/…`): the links already sent in e-mails and
// notifications keep working, and the server needs no fallback route.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { nextTick } from 'vue';

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'board', component: () => import('./views/NoticeBoard.vue') },
  { path: '/tenders/:id', name: 'tender', component: () => import('./views/TenderDetail.vue'), props: true },
  { path: '/tenders/:id/release', name: 'release', component: () => import('./views/ReleaseShare.vue'), props: true },
  { path: '/supervision', name: 'cockpit', component: () => import('./views/Cockpit.vue') },
  { path: '/supervision/tenders/:id', name: 'timeline', component: () => import('./views/TenderTimeline.vue'), props: true },
  { path: '/audit', name: 'audit', component: () => import('./views/AuditVerify.vue') },
  { path: '/verify-email/:token?', name: 'verify-email', component: () => import('./views/VerifyEmail.vue'), props: true },
  { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignIn.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFound.vue') },
];

export const router = createRouter({
  history: createWebHashHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

// After a page change, move the focus to its heading so that a screen reader
// announces the new page and the keyboard starts from it.
router.afterEach((to, from) => {
  if (to.path === from.path) return;
  void nextTick(() => {
    setTimeout(() => {
      const h1 = document.querySelector<HTMLElement>('main h1');
      if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    }, 0);
  });
});
