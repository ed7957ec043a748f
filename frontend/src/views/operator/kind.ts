// Which operator the signed-in user is: the platform's (an operator account
// of no league) or a league's (acting for that league only), as
// identity::policy tells them apart.
import { computed } from 'vue';
import { session } from '../../lib/session';
import { lang } from '../../i18n';

export const isOperator = computed(() => session.signedIn && session.has('operator'));
export const isPlatformOperator = computed(() => isOperator.value && !session.principal?.league);
/** The league a league operator acts for; null for the platform's (and for anyone else). */
export const ownLeague = computed(() => (isOperator.value ? session.principal?.league ?? null : null));
/** Whether the operator may change `league`'s entries (TrustServices, Recognitions, Accounts). */
export const mayActFor = (league: string | null | undefined): boolean =>
  isPlatformOperator.value || (!!league && ownLeague.value === league);

export interface League { code: string; name: string; name_en: string; parent_region: string }
/** A league's name in the page's language (its Chinese name when it has no English one). */
export const leagueName = (l: League): string => (lang.value === 'zh' ? l.name : l.name_en || l.name);
/** A league as the pages' choices name it: its code and its name. */
export const leagueLabel = (l: League): string => `${l.code} ${leagueName(l)}`;
/** The types of a league's services (what recognition agreements name). */
export const SERVICE_TYPES = ['enterprise_ca', 'personal_ca', 'seal_authority', 'timestamp_authority', 'crl_issuer'] as const;
/**
 * The types `viewer` may register: a platform operator also the platform's
 * own staff CA (of no league, vouching for platform operators only); the
 * server refuses it to anyone else (`trust::store::register`).
 */
export const registrableTypes = computed((): readonly string[] =>
  (isPlatformOperator.value ? [...SERVICE_TYPES, 'staff_ca'] : SERVICE_TYPES));
export const ROLES = ['operator', 'tenderer', 'agent', 'bidder', 'expert', 'supervisor'] as const;
