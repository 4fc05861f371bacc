//! The lifetime policy: whether a session counts as signed in, and when it is renewed or ended.
//! Pure functions of the session's times and `now`, so each edge is tested with a fixed clock.

use std::time::Duration;

use crate::oidc::IdClaims;
use crate::vault::SessionRecord;

/// How often the watcher looks at the clock.
pub(crate) const TICK: Duration = Duration::from_secs(1);

/// What the policy needs to know of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifetime {
    /// When the session's token was issued (the ID token's `iat`, or the last refresh's
    /// time), seconds since the epoch.
    pub issued_at: i64,
    /// When the session expires (the ID token's `exp`, or the last access token's), seconds
    /// since the epoch.
    pub expires_at: i64,
    /// Whether a refresh token allows silent renewal.
    pub renewable: bool,
    /// When the person authenticated at the provider (`auth_time`), seconds since the epoch,
    /// when the provider said.
    pub auth_time: Option<i64>,
}

impl Lifetime {
    /// The lifetime of the session kept as `record`, whose ID token has `claims`: the ID
    /// token's times, or those of the last refresh that brought no ID token.
    pub fn of(record: &SessionRecord, claims: &IdClaims, renewable: bool) -> Self {
        Self {
            issued_at: record.renewed_at.unwrap_or(claims.issued_at),
            expires_at: record.expires_at,
            renewable,
            auth_time: record.auth_time.or(claims.auth_time),
        }
    }
}

/// What the policy needs to know of an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenTimes {
    /// When it was issued, seconds since the epoch, when known.
    pub issued_at: Option<i64>,
    /// When it expires, seconds since the epoch; `None` when the provider did not say.
    pub expires_at: Option<i64>,
}

/// What to do with a session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing yet.
    Nothing,
    /// Renew it with its refresh token.
    Renew,
    /// End it: it is no longer fresh and cannot be renewed.
    End,
    /// End it: it reached its time limit (`max_age` after the person authenticated), however
    /// fresh its tokens are.
    TimeLimit,
}

/// The lifetime rules of one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// An ID token must outlive now by this many seconds to count as signed in.
    min_ttl: i64,
    /// A session ends this many seconds after the person authenticated, if set.
    max_age: Option<i64>,
}

impl Policy {
    /// The clock-skew leeway of ID token validation plays no part here: a session counts as
    /// signed in only while its token's own `exp` is ahead by the minimum remaining lifetime.
    pub fn new(min_ttl: Duration, max_age: Option<Duration>) -> Self {
        let seconds = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        Self {
            min_ttl: seconds(min_ttl),
            max_age: max_age.map(seconds),
        }
    }

    /// Whether a session counts as signed in: the ID token's `exp` is later than now plus the minimum remaining
    /// lifetime, and the session is within its time limit.
    pub fn is_fresh(&self, session: Lifetime, now: i64) -> bool {
        session.expires_at > now.saturating_add(self.min_ttl) && !self.past_limit(session, now)
    }

    /// Whether an access token is still worth sending: it outlives now by the smaller of the
    /// minimum remaining lifetime and half its own lifetime, within the session's time limit.
    /// A token that lives 30 seconds, shorter than the minimum lifetime, is then used for its
    /// first 15 instead of being renewed for every call (a page cannot turn its calls into
    /// refresh grants). A token whose issue time is not known keeps the minimum lifetime; one
    /// that says not when it expires lives as long as the session.
    pub fn token_is_fresh(&self, token: TokenTimes, session: Lifetime, now: i64) -> bool {
        let Some(expires_at) = token.expires_at else {
            return self.is_fresh(session, now);
        };
        let margin = match token.issued_at {
            Some(issued_at) => self
                .min_ttl
                .min(expires_at.saturating_sub(issued_at) / 2)
                .max(0),
            None => self.min_ttl,
        };
        expires_at > now.saturating_add(margin) && !self.past_limit(session, now)
    }

    /// When the session ends whatever its tokens say: `max_age` after the person authenticated
    /// (OIDC Core 3.1.2.1). A session with a limit but no authentication time (sealed before
    /// the limit was set) is past it: when it started cannot be known.
    pub fn ends_at(&self, session: Lifetime) -> Option<i64> {
        self.max_age.map(|max_age| {
            session
                .auth_time
                .map_or(i64::MIN, |auth_time| auth_time.saturating_add(max_age))
        })
    }

    /// Whether the session has reached its time limit.
    pub fn past_limit(&self, session: Lifetime, now: i64) -> bool {
        self.ends_at(session).is_some_and(|ends_at| now >= ends_at)
    }

    /// A renewable session is renewed this much before it would stop being fresh: a tenth of
    /// the token's lifetime, at least two ticks (so a tick always falls in the window) and at
    /// most a minute. The session is never seen signed out between two renewals.
    pub fn renew_ahead(session: Lifetime) -> i64 {
        let lifetime = session.expires_at.saturating_sub(session.issued_at);
        (lifetime / 10).clamp(2 * TICK.as_secs() as i64, 60)
    }

    /// What one look at the clock asks for.
    pub fn due(&self, session: Lifetime, now: i64) -> Due {
        if self.past_limit(session, now) {
            Due::TimeLimit
        } else if session.renewable {
            let remaining = session.expires_at.saturating_sub(now);
            if remaining <= self.min_ttl.saturating_add(Self::renew_ahead(session)) {
                Due::Renew
            } else {
                Due::Nothing
            }
        } else if self.is_fresh(session, now) {
            Due::Nothing
        } else {
            Due::End
        }
    }

    /// Whether a stored session is worth opening at start: fresh, or renewable (it is renewed
    /// right after). Anything else is over and its record can go.
    pub fn worth_keeping(&self, session: Lifetime, now: i64) -> bool {
        !self.past_limit(session, now) && (session.renewable || self.is_fresh(session, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IAT: i64 = 1_800_000_000;

    fn session(lifetime: i64, renewable: bool) -> Lifetime {
        Lifetime {
            issued_at: IAT,
            expires_at: IAT + lifetime,
            renewable,
            auth_time: Some(IAT),
        }
    }

    fn policy(min_ttl: u64) -> Policy {
        Policy::new(Duration::from_secs(min_ttl), None)
    }

    fn limited(max_age: u64) -> Policy {
        Policy::new(Duration::from_secs(60), Some(Duration::from_secs(max_age)))
    }

    #[test]
    fn a_session_ends_at_auth_time_plus_max_age_however_fresh_or_renewable() {
        let p = limited(3600);
        for renewable in [true, false] {
            // A token issued later, after renewals, still fresh for another hour.
            let s = Lifetime {
                issued_at: IAT + 3000,
                expires_at: IAT + 3000 + 3600,
                ..session(0, renewable)
            };
            assert_eq!(p.ends_at(s), Some(IAT + 3600));
            assert!(p.is_fresh(s, IAT + 3599));
            assert_eq!(p.due(s, IAT + 3599), Due::Nothing);
            assert!(!p.is_fresh(s, IAT + 3600), "exactly at the limit");
            assert_eq!(p.due(s, IAT + 3600), Due::TimeLimit);
            assert!(!p.worth_keeping(s, IAT + 3600));
            assert!(p.worth_keeping(s, IAT + 3599));
        }
        assert_eq!(policy(60).ends_at(session(600, true)), None, "no limit set");
    }

    #[test]
    fn with_a_limit_a_session_that_does_not_say_when_it_began_is_past_it() {
        let s = Lifetime {
            auth_time: None,
            ..session(600, true)
        };
        assert_eq!(limited(3600).due(s, IAT), Due::TimeLimit);
        assert!(!limited(3600).worth_keeping(s, IAT));
        assert_eq!(policy(60).due(s, IAT), Due::Nothing);
    }

    #[test]
    fn fresh_until_exactly_exp_minus_min_ttl() {
        let s = session(600, false);
        let p = policy(60);
        assert!(p.is_fresh(s, s.expires_at - 61));
        assert!(
            !p.is_fresh(s, s.expires_at - 60),
            "exactly at exp - min_ttl"
        );
        assert!(!p.is_fresh(s, s.expires_at));
        assert!(policy(0).is_fresh(s, s.expires_at - 1));
        assert!(!policy(0).is_fresh(s, s.expires_at));
    }

    #[test]
    fn an_unrenewable_session_ends_exactly_when_it_stops_being_fresh() {
        let s = session(600, false);
        let p = policy(60);
        assert_eq!(p.due(s, s.expires_at - 61), Due::Nothing);
        assert_eq!(p.due(s, s.expires_at - 60), Due::End);
        assert!(p.worth_keeping(s, s.expires_at - 61));
        assert!(!p.worth_keeping(s, s.expires_at - 60));
    }

    #[test]
    fn a_renewable_session_renews_inside_the_early_window() {
        let p = policy(60);
        // A ten-minute token: a tenth of its life is the full minute.
        let s = session(600, true);
        assert_eq!(Policy::renew_ahead(s), 60);
        assert_eq!(p.due(s, s.expires_at - 121), Due::Nothing);
        assert_eq!(p.due(s, s.expires_at - 120), Due::Renew);
        // Still fresh when renewed: `logged_in` never blips false between renewals.
        assert!(p.is_fresh(s, s.expires_at - 120));
        assert!(p.worth_keeping(s, s.expires_at + 3600));
    }

    #[test]
    fn the_early_window_is_between_two_ticks_and_a_minute() {
        assert_eq!(Policy::renew_ahead(session(6, true)), 2);
        assert_eq!(Policy::renew_ahead(session(100, true)), 10);
        assert_eq!(Policy::renew_ahead(session(36_000, true)), 60);
        // A token issued after it expires (a broken provider) still gets the smallest window.
        assert_eq!(Policy::renew_ahead(session(-5, true)), 2);
        let short = session(6, true);
        let p = policy(2);
        assert_eq!(p.due(short, short.expires_at - 5), Due::Nothing);
        assert_eq!(p.due(short, short.expires_at - 4), Due::Renew);
    }

    #[test]
    fn leeway_does_not_stretch_freshness() {
        use crate::config::{Config, Settings};
        let config = Config::from_settings(Settings {
            issuer: Some("https://id.example/".into()),
            client_id: Some("c".into()),
            min_ttl_secs: Some(0),
            leeway_secs: Some(300),
            ..Settings::default()
        })
        .unwrap();
        let p = Policy::new(config.min_ttl, config.max_age);
        let s = session(600, false);
        assert!(!p.is_fresh(s, s.expires_at));
        assert_eq!(p.due(s, s.expires_at + 1), Due::End);
    }

    #[test]
    fn an_access_token_is_renewed_ahead_by_the_smaller_of_min_ttl_and_half_its_life() {
        let p = policy(60);
        let s = session(3600, true);
        let token = |lifetime: i64| TokenTimes {
            issued_at: Some(IAT),
            expires_at: Some(IAT + lifetime),
        };
        // A 30-second token, shorter than the minimum lifetime: used for its first 15 seconds.
        assert!(p.token_is_fresh(token(30), s, IAT));
        assert!(p.token_is_fresh(token(30), s, IAT + 14));
        assert!(!p.token_is_fresh(token(30), s, IAT + 15));
        // An hour's token: renewed a minute ahead, as the session is.
        assert!(p.token_is_fresh(token(3600), s, IAT + 3539));
        assert!(!p.token_is_fresh(token(3600), s, IAT + 3540));
        // Without its issue time, the minimum lifetime; without its expiry, the session's.
        let unknown = TokenTimes {
            issued_at: None,
            ..token(30)
        };
        assert!(!p.token_is_fresh(unknown, s, IAT));
        let endless = TokenTimes {
            issued_at: Some(IAT),
            expires_at: None,
        };
        assert!(p.token_is_fresh(endless, s, IAT + 3539));
        assert!(!p.token_is_fresh(endless, s, IAT + 3540));
        // Never past the session's time limit.
        let limited = limited(20);
        assert!(limited.token_is_fresh(token(3600), s, IAT + 19));
        assert!(!limited.token_is_fresh(token(3600), s, IAT + 20));
        // A token that expired before it was issued (a broken provider) is fresh until it expires.
        let backwards = TokenTimes {
            issued_at: Some(IAT + 10),
            expires_at: Some(IAT),
        };
        assert!(!p.token_is_fresh(backwards, s, IAT));
    }

    #[test]
    fn a_clock_jump_past_expiry_ends_or_renews_at_once() {
        let p = policy(60);
        let jumped = IAT + 600 + 2 * 3600;
        assert_eq!(p.due(session(600, false), jumped), Due::End);
        assert_eq!(p.due(session(600, true), jumped), Due::Renew);
    }

    #[test]
    fn a_clock_jump_back_before_issue_changes_nothing() {
        let p = policy(60);
        let before = IAT - 24 * 3600;
        assert_eq!(p.due(session(600, false), before), Due::Nothing);
        assert_eq!(p.due(session(600, true), before), Due::Nothing);
        assert!(p.is_fresh(session(600, false), before));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let p = policy(u64::MAX);
        let s = Lifetime {
            issued_at: i64::MIN,
            expires_at: i64::MAX,
            renewable: true,
            auth_time: Some(i64::MAX),
        };
        assert_eq!(Policy::renew_ahead(s), 60);
        assert!(!p.is_fresh(s, i64::MAX));
        assert_eq!(p.due(s, i64::MIN), Due::Renew);
        assert_eq!(policy(60).due(s, 0), Due::Nothing);
        assert_eq!(limited(u64::MAX).due(s, i64::MAX), Due::TimeLimit);
        assert_eq!(limited(u64::MAX).due(s, 0), Due::Nothing);
    }
}
