//! The rules of objections and complaints, as a table (pure: the time, the
//! tender's facts and the working-day calendar are parameters).
//!
//! Each row says, for one regime and one subject: when an objection may be
//! filed, how long its answer may take, which lifecycle step waits for the
//! answer, and the articles. The tendering law's 异议 (招标投标法实施条例)
//! covers construction and the tendering of land and property; government
//! procurement's 质疑 (政府采购法 and its 实施条例) covers procurement.
//! Complaints (投诉) to the administrative supervisor have their own row
//! per regime ([`complaint_rule`]).

use crate::calendar::{Calendar, beijing_date, end_of};
use crate::error::AppError;
use crate::tenders::lifecycle::Action;
use crate::tenders::model::{Category, TenderStatus};
use crate::types::text_enum;
use chrono::{DateTime, Duration, SecondsFormat, Utc};

text_enum! {
    /// What an objection is about.
    pub enum ObjectionSubject {
        /// The tender documents (and the notice).
        Documents = "documents",
        /// The opening of the bids.
        Opening = "opening",
        /// The candidates or the result.
        Result = "result",
        /// The procedure itself, stage by stage (government procurement).
        Process = "process",
    }
}

text_enum! {
    /// Which law's objection it is.
    pub enum Regime {
        /// 异议 under 招标投标法实施条例 (construction, land and property).
        Tendering = "tendering",
        /// 质疑 under 政府采购法.
        Procurement = "procurement",
    }
}

impl Regime {
    pub fn of(category: Category) -> Regime {
        match category {
            Category::GovernmentProcurement => Regime::Procurement,
            // Land and property transfers tendered follow the tendering
            // law's objection rules until their own issue lands (check).
            Category::EngineeringConstruction
            | Category::LandMiningRights
            | Category::StateOwnedProperty => Regime::Tendering,
        }
    }

    /// The word for an objection under this regime.
    pub fn word(self) -> &'static str {
        match self {
            Regime::Tendering => "异议",
            Regime::Procurement => "质疑",
        }
    }
}

/// What a working-days window is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// When the supplier obtained the documents, or the end of their
    /// notice period, whichever is later (政府采购法实施条例 第53条(一)).
    DocumentsObtained,
    /// The end of the stage the objection is about: the last lifecycle
    /// step (政府采购法实施条例 第53条(二)).
    StageEnded,
    /// The end of the result notice's period (政府采购法实施条例 第53条(三)).
    ResultNoticeEnded,
}

/// When an objection may be filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// While the tender is published, up to `days` calendar days before
    /// the bid deadline.
    BeforeBidDeadline { days: i64 },
    /// While the opening is under way.
    DuringOpening,
    /// While the candidates are publicised.
    DuringPublicity,
    /// Within `days` working days of the anchor.
    WorkingDaysFrom { days: u32, anchor: Anchor },
}

/// How long the answer may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// On the spot: no clock, but the step it blocks waits for it.
    OnTheSpot,
    /// Calendar days after the day it starts (the day itself not counted).
    Days(i64),
    /// Working days after the day it starts.
    WorkingDays(u32),
}

impl Clock {
    /// When a period of this clock starting at `from` ends (`None`: none).
    pub fn due(
        self,
        from: DateTime<Utc>,
        cal: &Calendar,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(match self {
            Clock::OnTheSpot => None,
            Clock::Days(n) => Some(end_of(beijing_date(from) + Duration::days(n))),
            Clock::WorkingDays(n) => Some(cal.working_deadline(from, n)?),
        })
    }
}

/// One row of the objection table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub regime: Regime,
    pub subject: ObjectionSubject,
    pub filing: Filing,
    pub answer: Clock,
    /// The lifecycle step that waits for the answer.
    pub blocks: Option<Action>,
    /// Where the filing window and the answer clock come from.
    pub article: &'static str,
}

/// The table. A subject with no row under a regime has no objection of its
/// own there (the tendering law has no objection on "the process": a
/// violation goes to the supervisor as a complaint, 条例 第60条).
pub const RULES: &[Rule] = &[
    Rule {
        regime: Regime::Tendering,
        subject: ObjectionSubject::Documents,
        filing: Filing::BeforeBidDeadline { days: 10 },
        answer: Clock::Days(3),
        blocks: Some(Action::StartOpening),
        article: "招标投标法实施条例 第22条: 对招标文件有异议的，应当在投标截止时间10日前提出；\
                  招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    },
    Rule {
        regime: Regime::Tendering,
        subject: ObjectionSubject::Opening,
        filing: Filing::DuringOpening,
        answer: Clock::OnTheSpot,
        blocks: Some(Action::StartEvaluation),
        article: "招标投标法实施条例 第44条: 投标人对开标有异议的，应当在开标现场提出，\
                  招标人应当当场作出答复",
    },
    Rule {
        regime: Regime::Tendering,
        subject: ObjectionSubject::Result,
        filing: Filing::DuringPublicity,
        answer: Clock::Days(3),
        blocks: Some(Action::Award),
        article: "招标投标法实施条例 第54条: 对评标结果有异议的，应当在中标候选人公示期间提出；\
                  招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    },
    Rule {
        regime: Regime::Procurement,
        subject: ObjectionSubject::Documents,
        filing: Filing::WorkingDaysFrom {
            days: 7,
            anchor: Anchor::DocumentsObtained,
        },
        answer: Clock::WorkingDays(7),
        // The platform holds the opening for the answer as the issue asks;
        // 政府采购法 itself binds a pause only on the supervisor's order
        // (第57条) (check).
        blocks: Some(Action::StartOpening),
        article: "政府采购法 第52条、实施条例 第53条(一): 自收到采购文件之日或者采购文件公告期限届满之日\
                  起7个工作日内提出质疑；政府采购法 第53条: 收到质疑后7个工作日内作出答复",
    },
    Rule {
        regime: Regime::Procurement,
        subject: ObjectionSubject::Opening,
        filing: Filing::WorkingDaysFrom {
            days: 7,
            anchor: Anchor::StageEnded,
        },
        answer: Clock::WorkingDays(7),
        blocks: Some(Action::StartEvaluation),
        article: "财政部令第87号 第40条: 对开标过程有疑义的当场提出 (check)；政府采购法 第52条、实施条例 \
                  第53条(二): 对采购过程提出质疑的，为各采购程序环节结束之日起7个工作日内；政府采购法 \
                  第53条: 收到质疑后7个工作日内作出答复",
    },
    Rule {
        regime: Regime::Procurement,
        subject: ObjectionSubject::Result,
        filing: Filing::WorkingDaysFrom {
            days: 7,
            anchor: Anchor::ResultNoticeEnded,
        },
        answer: Clock::WorkingDays(7),
        blocks: Some(Action::Award),
        article: "政府采购法 第52条、实施条例 第53条(三): 对中标或者成交结果提出质疑的，为中标或者成交结果\
                  公告期限届满之日起7个工作日内；政府采购法 第53条: 收到质疑后7个工作日内作出答复",
    },
    Rule {
        regime: Regime::Procurement,
        subject: ObjectionSubject::Process,
        filing: Filing::WorkingDaysFrom {
            days: 7,
            anchor: Anchor::StageEnded,
        },
        answer: Clock::WorkingDays(7),
        blocks: None,
        article: "政府采购法 第52条、实施条例 第53条(二): 对采购过程提出质疑的，为各采购程序环节结束之日\
                  起7个工作日内；政府采购法 第53条: 收到质疑后7个工作日内作出答复",
    },
];

/// Government procurement: the documents are on offer for at least 5
/// working days (政府采购法实施条例 第31条: "招标文件的提供期限自招标文件开始
/// 发出之日起不得少于5个工作日"); their "notice period"
/// ends then.
pub const GP_DOCUMENTS_PERIOD_WORKING_DAYS: u32 = 5;

/// Government procurement: the result notice stands for 1 working day
/// (中标公告期限, 财政部令第87号 第69条, read as "中标公告期限为1个工作日";
/// the texts consulted so far list the period among the notice's content
/// without quoting its length: check). The 质疑 window on the result runs
/// from its end (政府采购法实施条例 第53条(三)).
pub const GP_RESULT_NOTICE_WORKING_DAYS: u32 = 1;

/// The row for a regime and subject, or a 422 naming the subjects there are.
pub fn rule(regime: Regime, subject: ObjectionSubject) -> Result<&'static Rule, AppError> {
    RULES
        .iter()
        .find(|r| r.regime == regime && r.subject == subject)
        .ok_or_else(|| {
            let subjects: Vec<&str> = RULES
                .iter()
                .filter(|r| r.regime == regime)
                .map(|r| r.subject.code())
                .collect();
            AppError::invalid_field(
                crate::error::FieldError::new(
                    "subject",
                    format!(
                        "the tendering law has no {} on {}: a violation in the procedure goes to \
                         the supervisor as a complaint (招标投标法实施条例 第60条); subjects here: {}",
                        regime.word(),
                        subject.code(),
                        subjects.join(", ")
                    ),
                )
                .because(
                    "objection.no-such-subject",
                    serde_json::json!({ "regime": regime.code(), "subject": subject.code() }),
                ),
            )
        })
}

/// What the filing window reads of a tender.
#[derive(Debug, Clone)]
pub struct Facts {
    pub status: TenderStatus,
    pub bid_deadline: DateTime<Utc>,
    pub documents_available_at: DateTime<Utc>,
    /// When the objector's enterprise took the documents, if it did.
    pub documents_obtained_at: Option<DateTime<Utc>>,
    /// When the tender entered its current status (the last stage ended).
    pub status_changed_at: DateTime<Utc>,
    /// Candidate publicity, calendar days.
    pub publicity_days: u32,
    /// When the result (candidates or award) was first published.
    pub result_published_at: Option<DateTime<Utc>>,
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An article's citation alone (`招标投标法实施条例 第22条`), without the
/// text it quotes: the `basis` a refusal's reason names.
pub fn cite(article: &str) -> &str {
    crate::reasons::cite(article)
}

/// The last instant of the filing window, where it has one.
pub fn closes(
    rule: &Rule,
    facts: &Facts,
    cal: &Calendar,
) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(match rule.filing {
        Filing::BeforeBidDeadline { days } => Some(facts.bid_deadline - Duration::days(days)),
        Filing::DuringOpening => None,
        Filing::DuringPublicity => {
            Some(facts.status_changed_at + Duration::days(i64::from(facts.publicity_days)))
        }
        Filing::WorkingDaysFrom { days, anchor } => {
            let start = match anchor {
                Anchor::DocumentsObtained => {
                    let period = cal.add_working_days(
                        beijing_date(facts.documents_available_at),
                        GP_DOCUMENTS_PERIOD_WORKING_DAYS,
                    )?;
                    let obtained = facts.documents_obtained_at.map(beijing_date);
                    obtained.map_or(period, |o| o.max(period))
                }
                Anchor::StageEnded => beijing_date(facts.status_changed_at),
                Anchor::ResultNoticeEnded => match facts.result_published_at {
                    Some(p) => {
                        cal.add_working_days(beijing_date(p), GP_RESULT_NOTICE_WORKING_DAYS)?
                    }
                    None => return Ok(None),
                },
            };
            Some(end_of(cal.add_working_days(start, days)?))
        }
    })
}

/// Whether an objection under `rule` may be filed at `now`; the refusal
/// cites the article.
pub fn check_filing(
    rule: &Rule,
    facts: &Facts,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use TenderStatus as S;
    let refuse = |why: String, reason: &'static str, mut params: serde_json::Value| {
        params["regime"] = rule.regime.code().into();
        params["basis"] = cite(rule.article).into();
        Err(
            AppError::TimeLimit(format!("{why}; {} ({})", rule.regime.word(), rule.article))
                .because(reason, params),
        )
    };
    let status_ok = match (rule.filing, rule.subject) {
        (Filing::BeforeBidDeadline { .. }, _) => facts.status == S::Published,
        (Filing::DuringOpening, _) => facts.status == S::Opening,
        (Filing::DuringPublicity, _) => facts.status == S::CandidatesPublicised,
        (Filing::WorkingDaysFrom { .. }, ObjectionSubject::Documents) => !matches!(
            facts.status,
            S::Draft | S::Cancelled | S::Failed | S::Closed
        ),
        // On the spot during the opening (财政部令第87号 第40条: 当场提出
        // — check), or within the window after it.
        (Filing::WorkingDaysFrom { .. }, ObjectionSubject::Opening) => {
            matches!(facts.status, S::Opening | S::Evaluating)
        }
        (Filing::WorkingDaysFrom { .. }, ObjectionSubject::Result) => {
            matches!(facts.status, S::CandidatesPublicised | S::Awarded)
        }
        (Filing::WorkingDaysFrom { .. }, ObjectionSubject::Process) => {
            !matches!(facts.status, S::Draft | S::Cancelled | S::Closed)
        }
    };
    if !status_ok {
        return refuse(
            format!(
                "a {} on {} is not open while the tender is {}",
                rule.regime.word(),
                rule.subject.code(),
                facts.status.code()
            ),
            "objection.not-now",
            serde_json::json!({ "subject": rule.subject.code(), "status": facts.status.code() }),
        );
    }
    if rule.filing == Filing::DuringOpening {
        return Ok(());
    }
    match closes(rule, facts, cal)? {
        Some(last) if now > last => refuse(
            format!(
                "the window for a {} on {} closed at {} (it is now {})",
                rule.regime.word(),
                rule.subject.code(),
                at(last),
                at(now)
            ),
            "objection.window-closed",
            serde_json::json!({ "subject": rule.subject.code(), "closed": crate::reasons::time(last) }),
        ),
        Some(_) => Ok(()),
        None => refuse(
            format!(
                "a {} on the result is raised once the result is published",
                rule.regime.word()
            ),
            "objection.result-not-published",
            serde_json::json!({}),
        ),
    }
}

/// The complaint (投诉) rules of one regime.
#[derive(Debug, Clone, Copy)]
pub struct ComplaintRule {
    pub regime: Regime,
    /// Filing: within this of the answer (tendering law) or of the end of
    /// the answer clock (government procurement).
    pub file_within: Clock,
    /// Whether the filing period runs from the answer clock's end even
    /// when the answer came earlier.
    pub from_answer_due: bool,
    /// The supervisor accepts or refuses the complaint within this.
    pub accept_within: Clock,
    /// And decides it within this, counted from acceptance (tendering law)
    /// or from receipt (government procurement).
    pub decide_within: Clock,
    pub decide_from_acceptance: bool,
    /// Longest suspension the supervisor may order, calendar days.
    pub suspend_max_days: Option<i64>,
    pub article: &'static str,
    pub suspend_article: &'static str,
}

pub const COMPLAINT_RULES: &[ComplaintRule] = &[
    ComplaintRule {
        regime: Regime::Tendering,
        file_within: Clock::Days(10),
        from_answer_due: false,
        accept_within: Clock::WorkingDays(3),
        decide_within: Clock::WorkingDays(30),
        decide_from_acceptance: true,
        suspend_max_days: None,
        article: "招标投标法实施条例 第60条: 自知道或者应当知道之日起10日内投诉，异议答复期间不计算在内；\
                  第61条: 收到投诉之日起3个工作日内决定是否受理，自受理之日起30个工作日内作出书面处理决定",
        suspend_article: "招标投标法实施条例 第62条: 必要时，行政监督部门可以责令暂停招标投标活动 (no longest period set)",
    },
    ComplaintRule {
        regime: Regime::Procurement,
        file_within: Clock::WorkingDays(15),
        from_answer_due: true,
        accept_within: Clock::WorkingDays(5),
        decide_within: Clock::WorkingDays(30),
        decide_from_acceptance: false,
        suspend_max_days: Some(30),
        article: "政府采购法 第55条: 答复期满后15个工作日内投诉；财政部令第94号 第21条: 收到投诉书后\
                  5个工作日内审查；政府采购法 第56条: 收到投诉后30个工作日内作出处理决定",
        suspend_article: "政府采购法 第57条: 可以书面通知采购人暂停采购活动，但暂停时间最长不得超过30日 (财政部令第94号 第28条 the same)",
    },
];

pub fn complaint_rule(regime: Regime) -> &'static ComplaintRule {
    COMPLAINT_RULES
        .iter()
        .find(|r| r.regime == regime)
        .expect("every regime has its complaint rule")
}

/// An objection as the complaint rules read it.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
}

/// The last instant a complaint may be filed when its time starts at
/// `start` (the answer, or the end of the answer clock); a calendar that
/// does not reach that far is an error, never "over".
fn complaint_window_end(
    rule: &ComplaintRule,
    start: DateTime<Utc>,
    cal: &Calendar,
) -> Result<DateTime<Utc>, AppError> {
    Ok(rule
        .file_within
        .due(start, cal)?
        .expect("complaint filing has a clock"))
}

/// For an answered objection: until when a complaint on it may be filed
/// (calendar errors propagate). `None` for one still unanswered.
pub fn complaint_deadline(
    rule: &ComplaintRule,
    objection: Answered,
    cal: &Calendar,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let start = match (objection.answered_at, objection.answer_due_at) {
        (None, _) => return Ok(None),
        (Some(answered), Some(due)) if rule.from_answer_due && due > answered => {
            due - Duration::seconds(1)
        }
        (Some(answered), _) => answered,
    };
    complaint_window_end(rule, start, cal).map(Some)
}

/// Until when a complaint on the objection may be filed, for the page:
/// from the answer or, unanswered, from the end of its answer clock (as
/// [`check_complaint_filing`] counts); `None` while neither is there.
pub fn complaint_window(
    rule: &ComplaintRule,
    objection: Answered,
    cal: &Calendar,
) -> Result<Option<DateTime<Utc>>, AppError> {
    match (objection.answered_at, objection.answer_due_at) {
        (None, Some(due)) => complaint_window_end(rule, due - Duration::seconds(1), cal).map(Some),
        _ => complaint_deadline(rule, objection, cal),
    }
}

/// The last instant a complaint on the objection may be filed; refuses one
/// filed too early (the answer clock still running, the objection not
/// answered) or too late, citing the article.
pub fn check_complaint_filing(
    rule: &ComplaintRule,
    objection: Answered,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let start = match (objection.answered_at, objection.answer_due_at) {
        (None, Some(due)) if now <= due => {
            return Err(AppError::TimeLimit(format!(
                "the objection is unanswered and still inside its answer clock (until {}): a \
                 complaint follows the answer or the end of that clock ({})",
                at(due),
                rule.article
            ))
            .because(
                "complaint.answer-awaited-until",
                serde_json::json!({
                    "until": crate::reasons::time(due),
                    "basis": cite(rule.article),
                }),
            ));
        }
        (None, None) => {
            return Err(AppError::TimeLimit(format!(
                "the objection, answered on the spot, has no answer yet: a complaint follows the \
                 answer ({})",
                rule.article
            ))
            .because(
                "complaint.answer-awaited",
                serde_json::json!({ "basis": cite(rule.article) }),
            ));
        }
        // A clock's end is 24:00 of its last day: the period after it
        // starts with the next day (the last second is still that day).
        (None, Some(due)) => due - Duration::seconds(1),
        (Some(answered), Some(due)) if rule.from_answer_due && due > answered => {
            due - Duration::seconds(1)
        }
        (Some(answered), _) => answered,
    };
    let last = complaint_window_end(rule, start, cal)?;
    if now > last {
        return Err(AppError::TimeLimit(format!(
            "the time for a complaint on this objection ended at {} (it is now {}) ({})",
            at(last),
            at(now),
            rule.article
        ))
        .because(
            "complaint.window-closed",
            serde_json::json!({
                "closed": crate::reasons::time(last),
                "basis": cite(rule.article),
            }),
        ));
    }
    Ok(last)
}

/// Where the objector's enterprise stands in the procedure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// It took the tender documents.
    pub took_documents: bool,
    /// It has a bid in (current, not withdrawn).
    pub bid: bool,
}

/// Who may object, by regime and subject; a 403 naming the rule otherwise.
///
/// - The opening, under either law: its bidders (招标投标法实施条例 第44条
///   "投标人对开标有异议的，应当在开标现场提出"; 财政部令第87号 第40条).
/// - Government procurement (财政部令第94号 第11条: 提出质疑的供应商应当是
///   参与所质疑项目采购活动的供应商; 潜在供应商已依法获取其可质疑的采购文件
///   的，可以对该文件提出质疑 — the first sentence's wording check): the
///   documents by an enterprise that took them (a bidder has the documents
///   it bid on, whether or not its download was recorded); the result by
///   one that bid; the process by one that took the documents or bid.
/// - The tendering law lets "其他利害关系人" object too (第22条, 第54条):
///   anyone signed in for an enterprise may raise the documents and the
///   result.
pub fn check_standing(
    regime: Regime,
    subject: ObjectionSubject,
    standing: Standing,
) -> Result<(), AppError> {
    let refuse = |why: &str, reason: &'static str| {
        Err(AppError::Forbidden(why.to_string()).because(reason, serde_json::json!({})))
    };
    match (regime, subject) {
        (_, ObjectionSubject::Opening) if !standing.bid => refuse(
            "only an enterprise that bid on this tender may object to its opening \
             (招标投标法实施条例 第44条; 财政部令第87号 第40条)",
            "objection.opening-bidders-only",
        ),
        (Regime::Procurement, ObjectionSubject::Documents)
            if !standing.took_documents && !standing.bid =>
        {
            refuse(
                "a 质疑 on the procurement documents is raised by a supplier that obtained them \
                 (财政部令第94号 第11条)",
                "objection.documents-obtained-only",
            )
        }
        (Regime::Procurement, ObjectionSubject::Result) if !standing.bid => refuse(
            "a 质疑 on the result is raised by a supplier that took part in the procurement \
             with a bid (财政部令第94号 第11条)",
            "objection.result-bidders-only",
        ),
        (Regime::Procurement, ObjectionSubject::Process)
            if !standing.bid && !standing.took_documents =>
        {
            refuse(
                "a 质疑 on the procurement process is raised by a supplier that takes part in \
                 it: one that obtained the documents or bid (财政部令第94号 第11条)",
                "objection.process-participants-only",
            )
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn who_may_object_by_regime_and_subject() {
        use ObjectionSubject::*;
        let none = Standing::default();
        let took = Standing {
            took_documents: true,
            bid: false,
        };
        let bid = Standing {
            took_documents: true,
            bid: true,
        };
        let ok = |r, s, st| check_standing(r, s, st).is_ok();
        for r in Regime::ALL {
            assert!(!ok(*r, Opening, took));
            assert!(ok(*r, Opening, bid));
        }
        // The tendering law: other interested parties too.
        assert!(ok(Regime::Tendering, Documents, none));
        assert!(ok(Regime::Tendering, Result, none));
        // Government procurement: those who take part.
        assert!(!ok(Regime::Procurement, Documents, none));
        assert!(ok(Regime::Procurement, Documents, took));
        let bid_only = Standing {
            took_documents: false,
            bid: true,
        };
        assert!(ok(Regime::Procurement, Documents, bid_only));
        assert!(!ok(Regime::Procurement, Result, took));
        assert!(ok(Regime::Procurement, Result, bid));
        assert!(!ok(Regime::Procurement, Process, none));
        assert!(ok(Regime::Procurement, Process, took));
        let p = check_standing(Regime::Procurement, Result, took).unwrap_err();
        assert!(p.to_string().contains("第11条"), "{p}");
    }

    fn cal() -> Calendar {
        Calendar::shipped()
    }

    /// 09:00 Beijing time on a date.
    fn bj(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        crate::calendar::beijing()
            .with_ymd_and_hms(y, m, d, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn end(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        end_of(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn facts(status: TenderStatus) -> Facts {
        Facts {
            status,
            bid_deadline: bj(2026, 11, 30),
            documents_available_at: bj(2026, 11, 2),
            documents_obtained_at: None,
            status_changed_at: bj(2026, 11, 2),
            publicity_days: 3,
            result_published_at: None,
        }
    }

    #[test]
    fn every_regime_and_subject_has_at_most_one_row_and_the_tendering_law_no_process_row() {
        for r in Regime::ALL {
            for s in ObjectionSubject::ALL {
                let n = RULES
                    .iter()
                    .filter(|x| x.regime == *r && x.subject == *s)
                    .count();
                assert!(n <= 1, "{r:?} {s:?}");
            }
        }
        assert!(rule(Regime::Tendering, ObjectionSubject::Process).is_err());
        assert_eq!(RULES.len(), 7);
        assert!(RULES.iter().all(|r| r.article.contains('第')));
    }

    #[test]
    fn what_each_subject_blocks() {
        let b = |r, s| rule(r, s).unwrap().blocks;
        assert_eq!(
            b(Regime::Tendering, ObjectionSubject::Documents),
            Some(Action::StartOpening)
        );
        assert_eq!(
            b(Regime::Tendering, ObjectionSubject::Opening),
            Some(Action::StartEvaluation)
        );
        assert_eq!(
            b(Regime::Tendering, ObjectionSubject::Result),
            Some(Action::Award)
        );
        assert_eq!(
            b(Regime::Procurement, ObjectionSubject::Result),
            Some(Action::Award)
        );
        assert_eq!(b(Regime::Procurement, ObjectionSubject::Process), None);
    }

    #[test]
    fn categories_map_to_regimes() {
        assert_eq!(
            Regime::of(Category::GovernmentProcurement),
            Regime::Procurement
        );
        assert_eq!(
            Regime::of(Category::EngineeringConstruction),
            Regime::Tendering
        );
        assert_eq!(Regime::of(Category::StateOwnedProperty), Regime::Tendering);
    }

    #[test]
    fn construction_documents_objection_at_least_10_days_before_the_deadline() {
        let r = rule(Regime::Tendering, ObjectionSubject::Documents).unwrap();
        let f = facts(TenderStatus::Published);
        // Deadline 30 Nov 09:00: the last moment is 20 Nov 09:00.
        assert!(check_filing(r, &f, &cal(), bj(2026, 11, 20)).is_ok());
        let late = check_filing(r, &f, &cal(), bj(2026, 11, 20) + Duration::seconds(1));
        let msg = late.unwrap_err().to_string();
        assert!(msg.contains("第22条"), "{msg}");
        // Not once the opening is under way.
        assert!(check_filing(r, &facts(TenderStatus::Opening), &cal(), bj(2026, 11, 3)).is_err());
        // Answered within 3 days: to the end of the third day.
        assert_eq!(
            r.answer.due(bj(2026, 11, 10), &cal()).unwrap(),
            Some(end(2026, 11, 13))
        );
    }

    #[test]
    fn opening_objection_only_during_the_opening_answered_on_the_spot() {
        let r = rule(Regime::Tendering, ObjectionSubject::Opening).unwrap();
        assert!(check_filing(r, &facts(TenderStatus::Opening), &cal(), bj(2026, 12, 1)).is_ok());
        let e = check_filing(r, &facts(TenderStatus::Evaluating), &cal(), bj(2026, 12, 1));
        assert!(e.unwrap_err().to_string().contains("第44条"));
        // Government procurement: on the spot, or within 7 working days of
        // the opening's end (the evaluation's start).
        let g = rule(Regime::Procurement, ObjectionSubject::Opening).unwrap();
        assert!(check_filing(g, &facts(TenderStatus::Opening), &cal(), bj(2026, 11, 3)).is_ok());
        let mut f = facts(TenderStatus::Evaluating);
        f.status_changed_at = bj(2026, 11, 2);
        assert_eq!(closes(g, &f, &cal()).unwrap(), Some(end(2026, 11, 11)));
        assert!(check_filing(g, &f, &cal(), bj(2026, 11, 12)).is_err());
        assert!(check_filing(g, &facts(TenderStatus::Published), &cal(), bj(2026, 11, 3)).is_err());
        assert_eq!(r.answer.due(bj(2026, 12, 1), &cal()).unwrap(), None);
    }

    #[test]
    fn construction_result_objection_during_publicity() {
        let r = rule(Regime::Tendering, ObjectionSubject::Result).unwrap();
        let mut f = facts(TenderStatus::CandidatesPublicised);
        f.status_changed_at = bj(2026, 12, 1);
        assert!(check_filing(r, &f, &cal(), bj(2026, 12, 4)).is_ok());
        let e = check_filing(r, &f, &cal(), bj(2026, 12, 4) + Duration::seconds(1));
        assert!(e.unwrap_err().to_string().contains("第54条"));
        assert!(
            check_filing(r, &facts(TenderStatus::Evaluating), &cal(), bj(2026, 12, 1)).is_err()
        );
    }

    #[test]
    fn gp_result_challenge_window_spans_national_day() {
        let r = rule(Regime::Procurement, ObjectionSubject::Result).unwrap();
        let mut f = facts(TenderStatus::CandidatesPublicised);
        // Result published Wednesday 30 September 2026: the notice stands
        // one working day (Thursday 1 October is National Day: the 8th, a
        // Thursday, is the first working day after), then 7 working days:
        // 9 (Fri), 10 (make-up Saturday), 12, 13, 14, 15, 16 October.
        f.result_published_at = Some(bj(2026, 9, 30));
        assert_eq!(closes(r, &f, &cal()).unwrap(), Some(end(2026, 10, 16)));
        assert!(check_filing(r, &f, &cal(), bj(2026, 10, 16)).is_ok());
        let late = check_filing(r, &f, &cal(), end(2026, 10, 16) + Duration::seconds(1));
        assert!(late.unwrap_err().to_string().contains("第52条"));
        // Not before the result.
        f.result_published_at = None;
        assert!(check_filing(r, &f, &cal(), bj(2026, 9, 30)).is_err());
        // The answer: 7 working days from a challenge on 30 September: 8,
        // 9, 10 (make-up Saturday), 12, 13, 14, 15 October.
        assert_eq!(
            r.answer.due(bj(2026, 9, 30), &cal()).unwrap(),
            Some(end(2026, 10, 15))
        );
    }

    #[test]
    fn gp_documents_challenge_from_the_later_of_obtaining_and_the_notice_period() {
        let r = rule(Regime::Procurement, ObjectionSubject::Documents).unwrap();
        let mut f = facts(TenderStatus::Published);
        // On offer from Monday 2 November: the period ends Monday 9
        // November (5 working days), then 7 working days: 18 November.
        assert_eq!(closes(r, &f, &cal()).unwrap(), Some(end(2026, 11, 18)));
        f.documents_obtained_at = Some(bj(2026, 11, 12));
        assert_eq!(closes(r, &f, &cal()).unwrap(), Some(end(2026, 11, 23)));
    }

    #[test]
    fn complaints_follow_the_answer_or_the_end_of_its_clock() {
        let t = complaint_rule(Regime::Tendering);
        let unanswered = Answered {
            answered_at: None,
            answer_due_at: Some(end(2026, 11, 13)),
        };
        let early = check_complaint_filing(t, unanswered, &cal(), bj(2026, 11, 12));
        assert!(early.unwrap_err().to_string().contains("第60条"));
        // Past the clock (13 November), unanswered: 10 days from its end.
        assert_eq!(
            check_complaint_filing(t, unanswered, &cal(), bj(2026, 11, 16)).unwrap(),
            end(2026, 11, 23)
        );
        let answered = Answered {
            answered_at: Some(bj(2026, 11, 11)),
            answer_due_at: Some(end(2026, 11, 13)),
        };
        assert_eq!(
            check_complaint_filing(t, answered, &cal(), bj(2026, 11, 12)).unwrap(),
            end(2026, 11, 21)
        );
        assert!(check_complaint_filing(t, answered, &cal(), bj(2026, 11, 22)).is_err());
        // Government procurement: 15 working days after the answer clock,
        // however early the answer.
        let g = complaint_rule(Regime::Procurement);
        assert_eq!(
            check_complaint_filing(g, answered, &cal(), bj(2026, 11, 12)).unwrap(),
            end(2026, 12, 4)
        );
        assert_eq!(g.suspend_max_days, Some(30));
        assert!(g.article.contains("第55条") && t.article.contains("第61条"));
    }

    #[test]
    fn the_page_is_told_the_last_day_the_filing_check_allows() {
        let t = complaint_rule(Regime::Tendering);
        let g = complaint_rule(Regime::Procurement);
        let unanswered = Answered {
            answered_at: None,
            answer_due_at: Some(end(2026, 11, 13)),
        };
        let answered = Answered {
            answered_at: Some(bj(2026, 11, 11)),
            answer_due_at: Some(end(2026, 11, 13)),
        };
        // Unanswered: counted from the end of the answer clock, as the
        // filing is (the answer-based deadline alone says nothing).
        assert_eq!(complaint_deadline(t, unanswered, &cal()).unwrap(), None);
        assert_eq!(
            complaint_window(t, unanswered, &cal()).unwrap(),
            Some(end(2026, 11, 23))
        );
        assert_eq!(
            complaint_window(t, answered, &cal()).unwrap(),
            Some(end(2026, 11, 21))
        );
        assert_eq!(
            complaint_window(g, answered, &cal()).unwrap(),
            Some(end(2026, 12, 4))
        );
        // Answered on the spot, not yet answered: no window yet.
        let on_the_spot = Answered {
            answered_at: None,
            answer_due_at: None,
        };
        assert_eq!(complaint_window(t, on_the_spot, &cal()).unwrap(), None);
    }
}
