// Hash routes (`/#/tenders/…`): the links already sent in e-mails and
// notifications keep working, and the server needs no fallback route.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { nextTick } from 'vue';
import { session } from './lib/session';
import { operatorRoutes } from './views/operator/routes';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page needs a signed-in user. */
    signIn?: boolean;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'board', component: () => import('./views/NoticeBoard.vue') },
  { path: '/tenders/:id', name: 'tender', component: () => import('./views/TenderDetail.vue'), props: true },
  { path: '/notices', name: 'notices', component: () => import('./views/public/NoticeList.vue') },
  { path: '/notices/:id/:seq', name: 'notice', component: () => import('./views/public/NoticePage.vue'), props: true },
  { path: '/auctions', name: 'auctions', component: () => import('./views/public/AuctionList.vue') },
  { path: '/tenders/:id/auction', name: 'auction', component: () => import('./views/public/AuctionBoard.vue'), props: true },
  { path: '/tenders/:id/hall', name: 'hall', component: () => import('./views/public/OpeningHall.vue'), props: true },
  { path: '/opendata', name: 'opendata', component: () => import('./views/public/OpenData.vue') },
  { path: '/opendata/tenders/:id', name: 'opendata-tender', component: () => import('./views/public/OpenDataTender.vue'), props: true },
  { path: '/api-docs', name: 'api-docs', component: () => import('./views/public/ApiDocs.vue') },
  { path: '/tenders/:id/release', name: 'release', component: () => import('./views/ReleaseShare.vue'), props: true },
  { path: '/supervision', name: 'cockpit', component: () => import('./views/Cockpit.vue') },
  { path: '/supervision/tenders/:id', name: 'timeline', component: () => import('./views/TenderTimeline.vue'), props: true },
  { path: '/audit', name: 'audit', component: () => import('./views/AuditVerify.vue') },
  { path: '/audit/events', name: 'audit-events', component: () => import('./views/AuditEvents.vue') },
  { path: '/verify-email/:token?', name: 'verify-email', component: () => import('./views/VerifyEmail.vue'), props: true },
  // Every signed-in user's messages and notification settings (views/me/).
  { path: '/inbox', name: 'inbox', component: () => import('./views/me/Inbox.vue'), meta: { signIn: true } },
  { path: '/inbox/:id', name: 'inbox-message', component: () => import('./views/me/InboxMessage.vue'), props: true, meta: { signIn: true } },
  { path: '/settings/notifications', name: 'notification-settings', component: () => import('./views/me/NotificationSettings.vue'), meta: { signIn: true } },
  { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignIn.vue') },
  { path: '/bidder', name: 'bidder', component: () => import('./views/bidder/MyTenders.vue'), meta: { signIn: true } },
  { path: '/bidder/tenders/:id', name: 'bidder-tender', component: () => import('./views/bidder/BidderTender.vue'), props: true, meta: { signIn: true } },
  { path: '/bidder/auctions/:id', name: 'bidder-auction', component: () => import('./views/bidder/BidderAuction.vue'), props: true, meta: { signIn: true } },
  { path: '/expert', name: 'expert', component: () => import('./views/ExpertHome.vue'), meta: { signIn: true } },
  { path: '/rooms/:id', name: 'room', component: () => import('./views/Room.vue'), props: true, meta: { signIn: true } },
  { path: '/rooms/:id/venues/:league', name: 'venue-sign-in', component: () => import('./views/VenueSignIn.vue'), props: true, meta: { signIn: true } },
  // The tenderer's and agent's pages (views/tenderer/).
  { path: '/my/tenders', name: 'my-tenders', component: () => import('./views/tenderer/MyTenders.vue'), meta: { signIn: true } },
  { path: '/my/tenders/new', name: 'draft-tender', component: () => import('./views/tenderer/TenderDraft.vue'), meta: { signIn: true } },
  { path: '/my/tenders/:id/edit', name: 'edit-tender', component: () => import('./views/tenderer/TenderDraft.vue'), props: true, meta: { signIn: true } },
  { path: '/my/tenders/:id', name: 'manage-tender', component: () => import('./views/tenderer/TenderManage.vue'), props: true, meta: { signIn: true } },
  ...operatorRoutes,
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
