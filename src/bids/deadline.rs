//! The one place that decides whether a bid is in time. A bid is in time
//! when its last byte has arrived strictly before the deadline by the
//! server's clock: with a deadline of 10:00:00, 09:59:59.999 is in time and
//! 10:00:00.000 is late. Starting an upload, sending a chunk, completing,
//! replacing and withdrawing all ask here, with the time read once for that
//! request; the decision that counts is the one taken when the last byte is
//! in, so an upload begun before the deadline and finished after is late.
//! An upload session's promised expiry follows the same rule: it never
//! outlives the deadline.

use crate::error::AppError;
use chrono::{DateTime, SecondsFormat, Utc};

/// When an upload session really ends: at the end of its configured
/// lifetime, or at the tender's bid deadline if that comes first (a chunk
/// after the deadline is refused whatever the session was told). Given the
/// deadline as it stands now, an amendment that moves it moves this too.
pub fn upload_expiry(lifetime_ends: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
    lifetime_ends.min(deadline)
}

/// `Ok` while bids are accepted; the refusal names the deadline and the time.
pub fn check(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), AppError> {
    if now < deadline {
        return Ok(());
    }
    Err(AppError::DeadlinePassed(format!(
        "the bid deadline was {}; it is now {} by the platform's clock, and nothing is accepted \
         after the deadline",
        deadline.to_rfc3339_opts(SecondsFormat::Secs, true),
        now.to_rfc3339_opts(SecondsFormat::Millis, true)
    ))
    .because(
        "bid.deadline-passed",
        serde_json::json!({
            "deadline": crate::reasons::time(deadline),
            // To the millisecond: a bid a moment late is late.
            "now": crate::reasons::time_ms(now),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn to_the_second() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        assert!(check(deadline, deadline - Duration::milliseconds(1)).is_ok());
        assert!(check(deadline, deadline - Duration::days(3)).is_ok());
        let late = check(deadline, deadline).unwrap_err();
        assert!(matches!(late.base(), AppError::DeadlinePassed(_)));
        assert_eq!(
            late.reason().map(|(r, p)| (r, p.clone())),
            Some((
                "bid.deadline-passed",
                serde_json::json!({
                    "deadline": "2026-12-01T18:00:00+08:00",
                    "now": "2026-12-01T18:00:00.000+08:00",
                })
            ))
        );
        assert!(check(deadline, deadline + Duration::milliseconds(1)).is_err());
    }

    #[test]
    fn an_upload_session_never_outlives_the_deadline() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 29, 10, 0, 0).unwrap();
        let started = deadline - Duration::days(24);
        // 720 hours would run six days past the deadline: the deadline it is.
        let long = started + Duration::hours(720);
        assert_eq!(upload_expiry(long, deadline), deadline);
        // A lifetime that ends first is the expiry.
        let short = started + Duration::hours(72);
        assert_eq!(upload_expiry(short, deadline), short);
        // Ending exactly at the deadline is the deadline.
        assert_eq!(upload_expiry(deadline, deadline), deadline);
        // Moved earlier by an amendment, the expiry follows.
        let moved = deadline - Duration::days(23);
        assert_eq!(upload_expiry(short, moved), moved);
    }
}
