// Hash routes (`/#/tenders/…`): the links already sent in e-mails and
// notifications keep working, and the server needs no fallback route.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { nextTick } from 'vue';
import { session } from './lib/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page needs a signed-in user. */
    signIn?: boolean;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'board', component: () => import('./views/NoticeBoard.vue') },
  { path: '/tenders/:id', name: 'tender', component: () => import('./views/TenderDetail.vue'), props: true },
  { path: '/tenders/:id/release', name: 'release', component: () => import('./views/ReleaseShare.vue'), props: true },
  { path: '/supervision', name: 'cockpit', component: () => import('./views/Cockpit.vue') },
  { path: '/supervision/tenders/:id', name: 'timeline', component: () => import('./views/TenderTimeline.vue'), props: true },
  { path: '/audit', name: 'audit', component: () => import('./views/AuditVerify.vue') },
  { path: '/audit/events', name: 'audit-events', component: () => import('./views/AuditEvents.vue') },
  { path: '/verify-email/:token?', name: 'verify-email', component: () => import('./views/VerifyEmail.vue'), props: true },
  { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignIn.vue') },
  { path: '/expert', name: 'expert', component: () => import('./views/ExpertHome.vue'), meta: { signIn: true } },
  { path: '/rooms/:id', name: 'room', component: () => import('./views/Room.vue'), props: true, meta: { signIn: true } },
  { path: '/rooms/:id/venues/:league', name: 'venue-sign-in', component: () => import('./views/VenueSignIn.vue'), props: true, meta: { signIn: true } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFound.vue') },
];

export const router = createRouter({
  history: createWebHashHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

// A page with `meta: { signIn: true }` needs a session: without one, the
// sign-in page first, which comes back here (`?next=`).
router.beforeEach((to) => {
  if (to.meta.signIn && !session.signedIn) return { path: '/sign-in', query: { next: to.fullPath } };
  return true;
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
