//! The expert draw, pure: from a committed pool snapshot and committed rules,
//! the bidders, and a seed nobody could know in advance, the committee and
//! the ordered reserve list. Replacements (a decline, a no-show, a recusal)
//! take the next suitable reserve. Everything here is deterministic, so
//! anyone holding the published inputs can replay a draw
//! (`ggzy draw verify`, or `tests/independent/draw_replay.py`).
//!
//! The algorithm, `ggzy-draw-v1`, exactly (the README repeats it):
//!
//! 1. **Seed.** SHA-256 of the UTF-8 text
//!    `ggzy-draw-v1\ntender <id>\nsnapshot <hex SHA-256 of the snapshot text>\n`
//!    `rules <hex SHA-256 of the rules text>\nplatform <platform value, lower hex>\n`
//!    `supervisor <hex SHA-256 of the supervisor's contribution>\n`
//!    `tree <size> <base64 root>\n`, where the tree head is the audit log's
//!    latest checkpoint signed at or before the bid deadline.
//! 2. **Eligibility.** Each expert of the snapshot is checked against these
//!    rules in this order; the first that applies excludes it, by name:
//!    `unavailable`; `no_venue` (no venue in its league); `tenderer` (the
//!    tenderer's credit code is its employer or among its related
//!    organisations); `bidder` (likewise any bidder's); `same_league`
//!    (cross-site with 100 % from other leagues, and it is of the tender's
//!    league); `recent_committee` (the rules avoid recent committees and it
//!    sat on one of this tenderer's within the history window); `declines`
//!    (`max_declines` > 0 and it declined that many times or more in the
//!    window); `specialty` (quotas are set and none of its specialties is
//!    under any quota's code).
//! 3. **Order.** Eligible experts are sorted by SHA-256(seed ‖ UTF-8 id),
//!    bytewise ascending (ties, which do not happen, by id).
//! 4. **Committee.** Walk the order. An expert fills the first quota (in
//!    the rules' order) that still needs someone and whose code its
//!    specialties are under, if any. It counts as "other league" when its
//!    league is not the tender's. Quota need is the sum of what the quotas
//!    still need; other-league need is what the cross-site minimum
//!    (⌈size × percent ÷ 100⌉) still needs. The expert is seated when, with
//!    it counted, the larger of the two needs fits in the seats left after
//!    it; otherwise it is passed over. Stop when the committee is full.
//! 5. **Reserves.** Every eligible expert not seated, in the order of step 3.
//! 6. **Replacement.** When a member leaves, its seat is freed (with its
//!    quota and other-league count), and the reserves are walked in order,
//!    skipping anyone who has been on the committee, with the test of step
//!    4; the first that passes takes the seat. A member who left never
//!    returns.
//! 7. **Venue.** Each member sits at the venue of its league.

use super::specialties;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// The algorithm's name, first line of the seed text.
pub const VERSION: &str = "ggzy-draw-v1";

/// One expert as the pool held it when the draw was committed: only what the
/// rules need, no names or contact details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolExpert {
    pub id: String,
    pub league: String,
    /// The employer's unified social credit code, if any.
    pub employer: Option<String>,
    /// Credit codes of organisations the expert is related to (former
    /// employers within the avoidance period, a relative's company, …).
    pub related: Vec<String>,
    pub specialties: Vec<String>,
    /// Whether the expert had confirmed it is available.
    pub available: bool,
    /// Committees of this tenderer it sat on within the history window.
    pub recent_with_tenderer: u32,
    /// Invitations it declined, left unanswered or did not attend, within
    /// the window.
    pub declines: u32,
}

/// The pool when the draw was committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub experts: Vec<PoolExpert>,
}

/// So many seats for experts of one specialty (or under it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub specialty: String,
    pub count: u32,
}

/// Cross-site evaluation: at least this share of the seats goes to experts
/// from leagues other than the tender's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossSite {
    #[schema(minimum = 1, maximum = 100)]
    pub min_other_league_percent: u32,
}

/// A place experts sit in: the main venue, or a secondary one in another
/// league's centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    pub league: String,
    pub name: String,
    pub main: bool,
}

/// The committed rules of one tender's draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Seats the draw fills: the committee's experts. The committee has
    /// `size + representatives` members.
    pub size: u32,
    pub quotas: Vec<Quota>,
    pub cross_site: Option<CrossSite>,
    pub venues: Vec<Venue>,
    pub tender_league: String,
    /// The tenderer's credit code, if it has one.
    pub tenderer: Option<String>,
    /// The window `recent_with_tenderer` and `declines` were counted over.
    pub history_days: u32,
    pub avoid_recent_committees: bool,
    /// Exclude experts with this many declines or more in the window; 0:
    /// no limit.
    pub max_declines: u32,
    /// The tenderer's representatives on the committee, named by the
    /// organiser and not drawn (招标投标法 第37条); the draw does not read
    /// it. Left out of the text when 0, as in rules committed before
    /// representatives existed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub representatives: u32,
    /// Why the organiser marked the project technically complex or of
    /// large social impact (87号令 第47条: 7 members or more), if it did;
    /// the draw does not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complex_reason: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Rules {
    /// Seats that must go to experts from other leagues.
    pub fn other_league_seats(&self) -> u32 {
        self.cross_site.map_or(0, |c| {
            let percent = u64::from(c.min_other_league_percent.min(100));
            let seats = (u64::from(self.size) * percent).div_ceil(100);
            u32::try_from(seats).unwrap_or(u32::MAX)
        })
    }

    fn venue_of(&self, league: &str) -> Option<&Venue> {
        self.venues.iter().find(|v| v.league == league)
    }
}

/// Why an expert could not be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    Unavailable,
    NoVenue,
    Tenderer,
    Bidder,
    SameLeague,
    RecentCommittee,
    Declines,
    Specialty,
}

/// The first avoidance rule that excludes the expert, if any.
pub fn exclusion(
    expert: &PoolExpert,
    rules: &Rules,
    bidders: &BTreeSet<String>,
) -> Option<Exclusion> {
    let linked = |code: &str| {
        expert.employer.as_deref() == Some(code) || expert.related.iter().any(|r| r == code)
    };
    if !expert.available {
        Some(Exclusion::Unavailable)
    } else if rules.venue_of(&expert.league).is_none() {
        Some(Exclusion::NoVenue)
    } else if rules.tenderer.as_deref().is_some_and(linked) {
        Some(Exclusion::Tenderer)
    } else if bidders.iter().any(|b| linked(b)) {
        Some(Exclusion::Bidder)
    } else if rules
        .cross_site
        .is_some_and(|c| c.min_other_league_percent >= 100)
        && expert.league == rules.tender_league
    {
        Some(Exclusion::SameLeague)
    } else if rules.avoid_recent_committees && expert.recent_with_tenderer > 0 {
        Some(Exclusion::RecentCommittee)
    } else if rules.max_declines > 0 && expert.declines >= rules.max_declines {
        Some(Exclusion::Declines)
    } else if !rules.quotas.is_empty()
        && !rules.quotas.iter().any(|q| {
            expert
                .specialties
                .iter()
                .any(|s| specialties::is_under(s, &q.specialty))
        })
    {
        Some(Exclusion::Specialty)
    } else {
        None
    }
}

/// The inputs of the seed.
#[derive(Debug, Clone)]
pub struct SeedInputs<'a> {
    pub tender_id: &'a str,
    pub snapshot: &'a str,
    pub rules: &'a str,
    /// The platform's value, lower-case hex, as revealed.
    pub platform_value: &'a str,
    pub supervisor_contribution: &'a str,
    pub tree_size: u64,
    pub tree_root: [u8; 32],
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::identity::hex(&openssl::sha::sha256(bytes))
}

/// The text the seed is the SHA-256 of.
pub fn seed_text(inputs: &SeedInputs<'_>) -> String {
    format!(
        "{VERSION}\ntender {}\nsnapshot {}\nrules {}\nplatform {}\nsupervisor {}\ntree {} {}\n",
        inputs.tender_id,
        sha256_hex(inputs.snapshot.as_bytes()),
        sha256_hex(inputs.rules.as_bytes()),
        inputs.platform_value,
        sha256_hex(inputs.supervisor_contribution.as_bytes()),
        inputs.tree_size,
        openssl::base64::encode_block(&inputs.tree_root),
    )
}

pub fn seed(inputs: &SeedInputs<'_>) -> [u8; 32] {
    openssl::sha::sha256(seed_text(inputs).as_bytes())
}

/// The commitment to the platform's value: SHA-256 of its bytes, hex.
pub fn commitment(platform_value: &[u8]) -> String {
    sha256_hex(platform_value)
}

/// The commitment to the bidders a draw avoided: SHA-256 (hex) of the
/// salt (hex, as stored), a line feed, and the credit codes as a compact
/// JSON array in order. The salt is secret until the opening, so nobody
/// can confirm a guessed list against it before then.
pub fn bidders_commitment<'a>(salt: &str, bidders: impl IntoIterator<Item = &'a String>) -> String {
    let list: Vec<&String> = bidders.into_iter().collect();
    let json = serde_json::to_string(&list).unwrap_or_default();
    sha256_hex(format!("{salt}\n{json}").as_bytes())
}

/// An expert's place in the draw order.
fn order_key(seed: &[u8; 32], id: &str) -> [u8; 32] {
    let mut hasher = openssl::sha::Sha256::new();
    hasher.update(seed);
    hasher.update(id.as_bytes());
    hasher.finish()
}

/// A seated member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Seat {
    pub expert: String,
    /// The quota (its specialty code) this member fills, if any.
    pub quota: Option<String>,
    pub other_league: bool,
    /// The league whose venue the member sits at.
    pub venue: String,
}

/// One expert left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Excluded {
    pub expert: String,
    pub reason: Exclusion,
}

/// A draw's result, and the state replacements work on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The seed, lower-case hex.
    pub seed: String,
    pub committee: Vec<Seat>,
    /// Eligible experts not seated, in draw order (seated ones stay out).
    pub reserves: Vec<String>,
    pub excluded: Vec<Excluded>,
    /// Experts who left the committee, in order: never seated again.
    pub left: Vec<String>,
}

/// A draw is short when the pool cannot fill every seat under the rules.
impl Outcome {
    /// The outcome as shown before the opening: the reserves and the
    /// exclusions follow from the bidders (an expert tied to a bidder is
    /// left out), so they are withheld with them.
    pub fn sealed(mut self) -> Outcome {
        self.reserves.clear();
        self.excluded.clear();
        self
    }

    pub fn is_full(&self, rules: &Rules) -> bool {
        self.committee.len() as u32 == rules.size
    }

    fn needs(&self, rules: &Rules) -> (Vec<u32>, u32) {
        let quota_need = rules
            .quotas
            .iter()
            .map(|q| {
                let filled = self
                    .committee
                    .iter()
                    .filter(|s| s.quota.as_deref() == Some(q.specialty.as_str()))
                    .count() as u32;
                q.count.saturating_sub(filled)
            })
            .collect();
        let others = self.committee.iter().filter(|s| s.other_league).count() as u32;
        (
            quota_need,
            rules.other_league_seats().saturating_sub(others),
        )
    }

    /// Seats `expert` if the rules still can be met with it; returns whether
    /// it was seated.
    fn try_seat(&mut self, expert: &PoolExpert, rules: &Rules) -> bool {
        let size = rules.size as usize;
        if self.committee.len() >= size {
            return false;
        }
        let (quota_need, other_need) = self.needs(rules);
        let quota = rules.quotas.iter().zip(&quota_need).position(|(q, need)| {
            *need > 0
                && expert
                    .specialties
                    .iter()
                    .any(|s| specialties::is_under(s, &q.specialty))
        });
        let other_league = expert.league != rules.tender_league;
        let quota_after =
            quota_need.iter().map(|n| u64::from(*n)).sum::<u64>() - u64::from(quota.is_some());
        let other_after = u64::from(other_need - u32::from(other_league && other_need > 0));
        let seats_after = (size - self.committee.len() - 1) as u64;
        if quota_after.max(other_after) > seats_after {
            return false;
        }
        let Some(venue) = rules.venue_of(&expert.league) else {
            return false;
        };
        self.committee.push(Seat {
            expert: expert.id.clone(),
            quota: quota.map(|i| rules.quotas[i].specialty.clone()),
            other_league,
            venue: venue.league.clone(),
        });
        true
    }

    /// `expert` leaves the committee; the next suitable reserve takes its
    /// seat. Returns the new member, or `None` when no reserve fits (or
    /// `Err` when `expert` is not a member).
    pub fn replace(
        &mut self,
        expert: &str,
        snapshot: &Snapshot,
        rules: &Rules,
    ) -> Result<Option<Seat>, String> {
        let Some(at) = self.committee.iter().position(|s| s.expert == expert) else {
            return Err(format!("expert {expert} is not on the committee"));
        };
        self.committee.remove(at);
        self.left.push(expert.to_string());
        let reserves = self.reserves.clone();
        for id in reserves {
            let Some(candidate) = snapshot.experts.iter().find(|e| e.id == id) else {
                continue;
            };
            if self.try_seat(candidate, rules) {
                self.reserves.retain(|r| *r != id);
                return Ok(self.committee.last().cloned());
            }
        }
        Ok(None)
    }
}

/// Draws the committee.
pub fn draw(
    snapshot: &Snapshot,
    rules: &Rules,
    bidders: &BTreeSet<String>,
    seed: &[u8; 32],
) -> Outcome {
    let mut excluded = Vec::new();
    let mut eligible: Vec<(&PoolExpert, [u8; 32])> = Vec::new();
    for expert in &snapshot.experts {
        match exclusion(expert, rules, bidders) {
            Some(reason) => excluded.push(Excluded {
                expert: expert.id.clone(),
                reason,
            }),
            None => eligible.push((expert, order_key(seed, &expert.id))),
        }
    }
    eligible.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.id.cmp(&b.0.id)));
    let mut outcome = Outcome {
        seed: crate::identity::hex(seed),
        committee: Vec::new(),
        reserves: Vec::new(),
        excluded,
        left: Vec::new(),
    };
    for (expert, _) in eligible {
        if !outcome.try_seat(expert, rules) {
            outcome.reserves.push(expert.id.clone());
        }
    }
    outcome
}

/// What is wrong with rules, for the person configuring them: each problem
/// as a field error with its rule. The committee's size and make-up are the
/// law's (`super::composition::check`); this checks what the draw needs.
pub fn check_rules(rules: &Rules) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, quota) in rules.quotas.iter().enumerate() {
        if specialties::find(&quota.specialty).is_none() {
            problems.push(
                FieldError::new(
                    format!("quotas[{i}].specialty"),
                    "not a code of the specialty tree (GET /api/v1/experts/specialties)",
                )
                .because("experts.specialty-code", json!({})),
            );
        }
        if !seen.insert(quota.specialty.as_str()) {
            problems.push(
                FieldError::new(format!("quotas[{i}].specialty"), "named twice")
                    .because("list.duplicate", json!({ "value": quota.specialty })),
            );
        }
        if quota.count == 0 {
            problems.push(
                FieldError::new(format!("quotas[{i}].count"), "at least 1")
                    .because("number.at-least", json!({ "min": 1 })),
            );
        }
    }
    let quota_seats: u64 = rules.quotas.iter().map(|q| u64::from(q.count)).sum();
    if quota_seats > u64::from(rules.size) {
        problems.push(
            FieldError::new(
                "quotas",
                format!(
                    "the quotas ask for {quota_seats} seats; the draw fills {} (the committee's \
                     size less its representatives)",
                    rules.size
                ),
            )
            .because(
                "draw.quotas-over-seats",
                json!({ "seats": quota_seats, "size": rules.size }),
            ),
        );
    }
    if let Some(cross) = rules.cross_site
        && !(1..=100).contains(&cross.min_other_league_percent)
    {
        problems.push(
            FieldError::new("cross_site.min_other_league_percent", "from 1 to 100")
                .because("number.range", json!({ "min": 1, "max": 100 })),
        );
    }
    let mains: Vec<_> = rules.venues.iter().filter(|v| v.main).collect();
    if mains.len() != 1 {
        problems.push(
            FieldError::new("venues", "exactly one venue is the main venue")
                .because("draw.one-main-venue", json!({})),
        );
    }
    let mut leagues = BTreeSet::new();
    for (i, venue) in rules.venues.iter().enumerate() {
        if !leagues.insert(venue.league.as_str()) {
            problems.push(
                FieldError::new(format!("venues[{i}].league"), "one venue per league").because(
                    "draw.one-venue-per-league",
                    json!({ "league": venue.league }),
                ),
            );
        }
        crate::error::check_text(
            &mut problems,
            &format!("venues[{i}].name"),
            &venue.name,
            true,
            200,
        );
    }
    if rules.cross_site.is_some() && rules.venues.iter().all(|v| v.league == rules.tender_league) {
        problems.push(
            FieldError::new(
                "venues",
                "cross-site evaluation needs a venue in at least one other league",
            )
            .because("draw.cross-site-venue", json!({})),
        );
    }
    if rules.history_days == 0 || rules.history_days > 3650 {
        problems.push(
            FieldError::new("history_days", "from 1 to 3650")
                .because("number.range", json!({ "min": 1, "max": 3650 })),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expert(id: &str, league: &str, specialties: &[&str]) -> PoolExpert {
        PoolExpert {
            id: id.into(),
            league: league.into(),
            employer: None,
            related: vec![],
            specialties: specialties.iter().map(|s| s.to_string()).collect(),
            available: true,
            recent_with_tenderer: 0,
            declines: 0,
        }
    }

    fn rules(size: u32) -> Rules {
        Rules {
            size,
            quotas: vec![],
            cross_site: None,
            venues: vec![
                Venue {
                    league: "NNG".into(),
                    name: "南宁评标室".into(),
                    main: true,
                },
                Venue {
                    league: "LZH".into(),
                    name: "柳州分会场".into(),
                    main: false,
                },
            ],
            tender_league: "NNG".into(),
            tenderer: Some("TENDERER".into()),
            history_days: 180,
            avoid_recent_committees: true,
            max_declines: 3,
            representatives: 0,
            complex_reason: None,
        }
    }

    fn snapshot(experts: Vec<PoolExpert>) -> Snapshot {
        Snapshot {
            taken_at: chrono::DateTime::UNIX_EPOCH,
            experts,
        }
    }

    fn pool(n: usize) -> Vec<PoolExpert> {
        (0..n)
            .map(|i| {
                let league = if i % 3 == 0 { "NNG" } else { "LZH" };
                let spec = if i % 4 == 0 { "E01" } else { "B0102" };
                expert(&format!("e{i:02}"), league, &[spec])
            })
            .collect()
    }

    #[test]
    fn each_avoidance_rule_excludes_by_name_in_order() {
        let r = rules(5);
        let bidders: BTreeSet<String> = ["BIDDER".to_string()].into();
        let mut e = expert("x", "NNG", &["B01"]);
        assert_eq!(exclusion(&e, &r, &bidders), None);
        e.declines = 3;
        assert_eq!(exclusion(&e, &r, &bidders), Some(Exclusion::Declines));
        e.recent_with_tenderer = 1;
        assert_eq!(
            exclusion(&e, &r, &bidders),
            Some(Exclusion::RecentCommittee)
        );
        e.related = vec!["BIDDER".into()];
        assert_eq!(exclusion(&e, &r, &bidders), Some(Exclusion::Bidder));
        e.employer = Some("TENDERER".into());
        assert_eq!(exclusion(&e, &r, &bidders), Some(Exclusion::Tenderer));
        e.league = "BSE".into();
        assert_eq!(exclusion(&e, &r, &bidders), Some(Exclusion::NoVenue));
        e.available = false;
        assert_eq!(exclusion(&e, &r, &bidders), Some(Exclusion::Unavailable));

        let mut cross = rules(5);
        cross.cross_site = Some(CrossSite {
            min_other_league_percent: 100,
        });
        assert_eq!(
            exclusion(&expert("y", "NNG", &[]), &cross, &bidders),
            Some(Exclusion::SameLeague)
        );
        assert_eq!(exclusion(&expert("y", "LZH", &[]), &cross, &bidders), None);
        let mut quotas = rules(5);
        quotas.quotas = vec![Quota {
            specialty: "E".into(),
            count: 1,
        }];
        assert_eq!(
            exclusion(&expert("z", "NNG", &["B01"]), &quotas, &bidders),
            Some(Exclusion::Specialty)
        );
        assert_eq!(
            exclusion(&expert("z", "NNG", &["E01"]), &quotas, &bidders),
            None
        );
        let mut lenient = rules(5);
        lenient.avoid_recent_committees = false;
        lenient.max_declines = 0;
        let mut e = expert("w", "NNG", &[]);
        e.recent_with_tenderer = 4;
        e.declines = 40;
        assert_eq!(exclusion(&e, &lenient, &bidders), None);
    }

    #[test]
    fn the_same_inputs_give_the_same_committee_and_another_seed_another() {
        let snap = snapshot(pool(30));
        let r = rules(5);
        let a = draw(&snap, &r, &BTreeSet::new(), &[1; 32]);
        let b = draw(&snap, &r, &BTreeSet::new(), &[1; 32]);
        let c = draw(&snap, &r, &BTreeSet::new(), &[2; 32]);
        assert_eq!(a, b);
        assert_ne!(a.committee, c.committee);
        assert_eq!(a.committee.len(), 5);
        assert_eq!(a.committee.len() + a.reserves.len(), 30);
        // The order of the snapshot does not matter.
        let mut reversed = snap.clone();
        reversed.experts.reverse();
        assert_eq!(
            draw(&reversed, &r, &BTreeSet::new(), &[1; 32]).committee,
            a.committee
        );
    }

    #[test]
    fn quotas_and_the_cross_site_share_are_met() {
        let snap = snapshot(pool(40));
        let mut r = rules(7);
        r.quotas = vec![
            Quota {
                specialty: "B01".into(),
                count: 4,
            },
            Quota {
                specialty: "E".into(),
                count: 2,
            },
        ];
        r.cross_site = Some(CrossSite {
            min_other_league_percent: 67,
        });
        assert_eq!(r.other_league_seats(), 5);
        for seed in 0..50u8 {
            let out = draw(&snap, &r, &BTreeSet::new(), &[seed; 32]);
            assert!(out.is_full(&r), "seed {seed}");
            let count = |code: &str| {
                out.committee
                    .iter()
                    .filter(|s| s.quota.as_deref() == Some(code))
                    .count()
            };
            assert_eq!(count("B01"), 4, "seed {seed}");
            assert_eq!(count("E"), 2, "seed {seed}");
            assert!(out.committee.iter().filter(|s| s.other_league).count() >= 5);
            for seat in &out.committee {
                let e = snap.experts.iter().find(|e| e.id == seat.expert).unwrap();
                assert_eq!(seat.venue, e.league, "each sits in its league's venue");
            }
        }
    }

    #[test]
    fn a_pool_too_small_gives_a_short_committee() {
        let snap = snapshot(pool(4));
        let out = draw(&snap, &rules(5), &BTreeSet::new(), &[0; 32]);
        assert!(!out.is_full(&rules(5)));
        assert_eq!(out.committee.len(), 4);
    }

    #[test]
    fn a_leaving_member_is_replaced_by_the_next_suitable_reserve_and_never_returns() {
        let snap = snapshot(pool(20));
        let mut r = rules(5);
        r.quotas = vec![
            Quota {
                specialty: "B01".into(),
                count: 4,
            },
            Quota {
                specialty: "E".into(),
                count: 1,
            },
        ];
        let mut out = draw(&snap, &r, &BTreeSet::new(), &[9; 32]);
        let economist = out
            .committee
            .iter()
            .find(|s| s.quota.as_deref() == Some("E"))
            .unwrap()
            .expert
            .clone();
        let first_economist = out
            .reserves
            .iter()
            .find(|id| {
                snap.experts
                    .iter()
                    .any(|e| &e.id == *id && e.specialties[0] == "E01")
            })
            .unwrap()
            .clone();
        assert_ne!(
            out.reserves[0], first_economist,
            "the test wants a non-economist first"
        );
        let seat = out.replace(&economist, &snap, &r).unwrap().unwrap();
        // The quota is refilled by the first economist in the order, not
        // by the first reserve.
        assert_eq!(seat.quota.as_deref(), Some("E"));
        assert_eq!(seat.expert, first_economist);
        assert!(out.is_full(&r));
        assert!(
            out.replace(&economist, &snap, &r).is_err(),
            "it left already"
        );
        assert_eq!(out.left, std::slice::from_ref(&economist));
        assert!(!out.committee.iter().any(|s| s.expert == economist));
        assert!(!out.reserves.contains(&economist));
        // A B01 member: the first B01 reserve takes the seat.
        let b01 = out
            .committee
            .iter()
            .find(|s| s.quota.as_deref() == Some("B01"))
            .unwrap()
            .expert
            .clone();
        let first_b01 = out
            .reserves
            .iter()
            .find(|id| {
                snap.experts
                    .iter()
                    .any(|e| &e.id == *id && e.specialties[0] == "B0102")
            })
            .unwrap()
            .clone();
        let next = out.replace(&b01, &snap, &r).unwrap().unwrap();
        assert_eq!(next.expert, first_b01);
        assert_eq!(next.quota.as_deref(), Some("B01"));
    }

    #[test]
    fn the_seed_binds_every_input() {
        let base = SeedInputs {
            tender_id: "t",
            snapshot: "{}",
            rules: "{}",
            platform_value: "00",
            supervisor_contribution: "dice 4 2 6",
            tree_size: 10,
            tree_root: [7; 32],
        };
        let text = seed_text(&base);
        assert!(text.starts_with("ggzy-draw-v1\ntender t\nsnapshot 44136fa3"));
        assert!(text.ends_with(&format!(
            "tree 10 {}\n",
            openssl::base64::encode_block(&[7; 32])
        )));
        let s = seed(&base);
        for changed in [
            SeedInputs {
                tender_id: "u",
                ..base.clone()
            },
            SeedInputs {
                snapshot: "{ }",
                ..base.clone()
            },
            SeedInputs {
                rules: "[]",
                ..base.clone()
            },
            SeedInputs {
                platform_value: "01",
                ..base.clone()
            },
            SeedInputs {
                supervisor_contribution: "dice 4 2 5",
                ..base.clone()
            },
            SeedInputs {
                tree_size: 11,
                ..base.clone()
            },
            SeedInputs {
                tree_root: [8; 32],
                ..base.clone()
            },
        ] {
            assert_ne!(seed(&changed), s);
        }
        assert_eq!(
            commitment(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hostile_numbers_do_not_overflow() {
        let mut r = rules(u32::MAX);
        r.quotas = vec![
            Quota {
                specialty: "B".into(),
                count: u32::MAX,
            },
            Quota {
                specialty: "E".into(),
                count: u32::MAX,
            },
        ];
        r.cross_site = Some(CrossSite {
            min_other_league_percent: u32::MAX,
        });
        assert_eq!(r.other_league_seats(), u32::MAX);
        assert!(!check_rules(&r).is_empty());
        let out = draw(&snapshot(pool(6)), &r, &BTreeSet::new(), &[3; 32]);
        assert!(out.committee.len() <= 6);
    }

    #[test]
    fn the_bidders_commitment_is_salted_and_published_as_specified() {
        let salt = "00".repeat(32);
        let list = ["91450100MA5T0001A".to_string(), "B".to_string()];
        // SHA-256 of salt, "\n", ["91450100MA5T0001A","B"] (Python's
        // hashlib and json.dumps with compact separators agree).
        assert_eq!(
            bidders_commitment(&salt, &list),
            "0aa3cebaf20d185fcbb10342e936dbfb002eebaa451e0650fcf2d0be3536ff70"
        );
        assert_eq!(
            bidders_commitment(&salt, &[]),
            "61d6b7dec2b04ce6a07d564fda8533c8721fb30af85045000f1c2c959b3739c2"
        );
        assert_ne!(
            bidders_commitment(&"01".repeat(32), &list),
            bidders_commitment(&salt, &list)
        );
        let out = draw(&snapshot(pool(6)), &rules(5), &BTreeSet::new(), &[3; 32]).sealed();
        assert!(out.reserves.is_empty() && out.excluded.is_empty());
    }

    #[test]
    fn representatives_leave_old_rules_as_they_were_and_the_draw_alone() {
        // Rules committed before representatives existed read back, and
        // rules without any keep the same text (the same hash).
        let text = serde_json::to_string(&rules(5)).unwrap();
        assert!(!text.contains("representatives") && !text.contains("complex"));
        let back: Rules = serde_json::from_str(&text).unwrap();
        assert_eq!(back, rules(5));
        let mut named = rules(4);
        named.representatives = 1;
        named.complex_reason = Some("技术复杂".into());
        let text = serde_json::to_string(&named).unwrap();
        assert!(text.contains(r#""representatives":1"#), "{text}");
        assert_eq!(serde_json::from_str::<Rules>(&text).unwrap(), named);
        // The draw reads neither: the same seed seats the same experts.
        let snap = snapshot(pool(20));
        assert_eq!(
            draw(&snap, &named, &BTreeSet::new(), &[5; 32]),
            draw(&snap, &rules(4), &BTreeSet::new(), &[5; 32])
        );
    }

    #[test]
    fn rules_are_checked_with_the_field_named() {
        assert!(check_rules(&rules(5)).is_empty());
        let fields =
            |r: &Rules| -> Vec<String> { check_rules(r).into_iter().map(|e| e.field).collect() };
        // The size is the law's (composition): any number of drawn seats
        // suits the draw.
        assert!(fields(&rules(4)).is_empty());
        let mut r = rules(5);
        r.quotas = vec![
            Quota {
                specialty: "Q9".into(),
                count: 0,
            },
            Quota {
                specialty: "Q9".into(),
                count: 6,
            },
        ];
        assert_eq!(
            fields(&r),
            [
                "quotas[0].specialty",
                "quotas[0].count",
                "quotas[1].specialty",
                "quotas[1].specialty",
                "quotas"
            ]
        );
        let mut r = rules(5);
        r.venues[1].main = true;
        r.venues[1].league = "NNG".into();
        r.cross_site = Some(CrossSite {
            min_other_league_percent: 101,
        });
        assert_eq!(
            fields(&r),
            [
                "cross_site.min_other_league_percent",
                "venues",
                "venues[1].league",
                "venues"
            ]
        );
    }
}
