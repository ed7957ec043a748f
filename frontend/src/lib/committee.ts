// The committee's make-up as the law sets it, said to the organiser as it
// types the draw rules (views/tenderer/DrawRules.vue). The server decides
// (src/experts/composition.rs: the same table, the same articles; a
// refusal there names its field and its article): this copy only tells
// the figures beforehand, and a figure it misses is still refused.

/** The smallest committee of a procedure, when it is larger, and why. */
export interface CompositionRule {
  members: number;
  /** A larger committee from a budget (in fen) upwards, or for a complex project. */
  larger?: { atFen: number; members: number; complex: boolean };
  basis: string;
}

const TENDERING = '招标投标法 第37条';
const GP_TENDERING = '政府采购货物和服务招标投标管理办法 (财政部令第87号) 第47条';
const GP_NEGOTIATION = '政府采购非招标采购方式管理办法 (财政部令第74号) 第7条';
const GP_CONSULTATION = '竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第14条';
const GP_SINGLE_SOURCE = '政府采购法 第39条; 财政部令第74号 第41条';
const LAND_TENDERING = '招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第14条; 招标投标法 第37条';
// ¥10 million (87号令 第47条) and the public tendering threshold, ¥4 million (74号令 第7条), in fen.
const GP_LARGE = { atFen: 10_000_000 * 100, members: 7, complex: true };
const GP_THRESHOLD = { atFen: 4_000_000 * 100, members: 5, complex: false };

const TABLE: Record<string, CompositionRule> = {
  'government_procurement/open_tendering': { members: 5, larger: GP_LARGE, basis: GP_TENDERING },
  'government_procurement/invited_tendering': { members: 5, larger: GP_LARGE, basis: GP_TENDERING },
  'government_procurement/competitive_negotiation': { members: 3, larger: GP_THRESHOLD, basis: GP_NEGOTIATION },
  'government_procurement/inquiry': { members: 3, larger: GP_THRESHOLD, basis: GP_NEGOTIATION },
  'government_procurement/competitive_consultation': { members: 3, basis: GP_CONSULTATION },
  'government_procurement/single_source': { members: 3, basis: GP_SINGLE_SOURCE },
  'engineering_construction/open_tendering': { members: 5, basis: TENDERING },
  'engineering_construction/invited_tendering': { members: 5, basis: TENDERING },
  'land_mining_rights/open_tendering': { members: 5, basis: LAND_TENDERING },
  'state_owned_property/open_tendering': { members: 5, basis: TENDERING },
};

/** The platform's bound on one room (not a legal figure). */
export const MAX_MEMBERS = 25;

export function compositionRule(category: string, method: string): CompositionRule | null {
  return TABLE[`${category}/${method}`] ?? null;
}

/** Whether "technically complex or of large social impact" means a larger committee here (87号令 第47条). */
export function complexApplies(rule: CompositionRule | null): boolean {
  return !!rule?.larger?.complex;
}

/** The least number of members, and why it is larger than the table's, if it is. */
export function leastMembers(rule: CompositionRule, budget: { amount_fen: number; currency: string } | null | undefined, complex: boolean):
  { members: number; why: 'budget' | 'complex' | null } {
  const l = rule.larger;
  if (!l) return { members: rule.members, why: null };
  if (l.complex && complex) return { members: l.members, why: 'complex' };
  // A budget not in yuan cannot be compared: the larger minimum applies.
  if (!budget || budget.currency !== 'CNY' || budget.amount_fen >= l.atFen) return { members: l.members, why: 'budget' };
  return { members: rule.members, why: null };
}

/** ⌈2⁄3 × members⌉: the least number of experts among `members`. */
export const leastExperts = (members: number): number => Math.ceil((members * 2) / 3);
