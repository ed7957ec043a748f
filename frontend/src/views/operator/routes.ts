// The operators' pages (platform and league operators), under #/operator.
// Each page asks the API what its reader may see and do; the pages only
// hide what the reader's kind could not do anyway (identity::policy).
import type { RouteRecordRaw } from 'vue-router';

export const operatorRoutes: RouteRecordRaw[] = [
  { path: '/operator', name: 'operator', component: () => import('./OperatorHome.vue') },
  { path: '/operator/accounts', name: 'operator-accounts', component: () => import('./Accounts.vue'), meta: { signIn: true } },
  { path: '/operator/leagues', name: 'operator-leagues', component: () => import('./Leagues.vue'), meta: { signIn: true } },
  { path: '/operator/trust', name: 'operator-trust', component: () => import('./TrustServices.vue'), meta: { signIn: true } },
  { path: '/operator/recognitions', name: 'operator-recognitions', component: () => import('./Recognitions.vue'), meta: { signIn: true } },
  { path: '/operator/trust-lists', name: 'operator-trust-lists', component: () => import('./TrustLists.vue') },
  { path: '/operator/experts', name: 'operator-experts', component: () => import('./Experts.vue'), meta: { signIn: true } },
  { path: '/operator/calendar', name: 'operator-calendar', component: () => import('./Calendar.vue') },
  { path: '/operator/health', name: 'operator-health', component: () => import('./Health.vue') },
  { path: '/operator/platform-share', name: 'operator-platform-share', component: () => import('./PlatformShare.vue'), meta: { signIn: true } },
];
