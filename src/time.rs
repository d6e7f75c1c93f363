//! Simulated time: whole minutes from scenario start, and the "90m" / "12h" / "3d" notation
//! that scenario and dataset files use for durations.

use std::fmt;

/// A time or a duration in simulated minutes from scenario start.
pub type Minutes = u32;

/// Minutes in one hour.
pub const HOUR: Minutes = 60;
/// Minutes in one day.
pub const DAY: Minutes = 24 * HOUR;

/// Why a duration string was rejected; the caller attaches the location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing was written.
    #[error("empty duration")]
    Empty,
    /// A leading minus sign.
    #[error("durations cannot be negative")]
    Negative,
    /// Not a number followed by m, h or d.
    #[error("'{0}' is not a duration")]
    Malformed(String),
    /// Longer than [`MAX_DURATION`].
    #[error("duration '{0}' is too long (the limit is 10 years)")]
    TooLong(String),
}

/// Longest duration accepted anywhere (10 years, in minutes); keeps arithmetic far from overflow.
pub const MAX_DURATION: Minutes = 10 * 365 * DAY;

/// Parse "90m", "12h", "3d", "1h30m" or "1d 6h" into minutes: each unit at most once, largest
/// first. A bare "0" is zero.
pub fn parse_duration(text: &str) -> Result<Minutes, DurationError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative);
    }
    if s == "0" {
        return Ok(0);
    }
    let malformed = || DurationError::Malformed(text.to_string());
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut saw_part = false;
    // Units in order, each at most once: "1d6h30m", not "1h1h" or "30m1h".
    let mut last_per = u64::MAX;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c == ' ' {
            if !digits.is_empty() {
                return Err(malformed());
            }
        } else {
            let per = match c {
                'm' => 1u64,
                'h' => u64::from(HOUR),
                'd' => u64::from(DAY),
                _ => return Err(malformed()),
            };
            if digits.is_empty() || per >= last_per {
                return Err(malformed());
            }
            last_per = per;
            // Leading zeros are only zeros; a number too big for the limit is too long.
            let significant = digits.trim_start_matches('0');
            if significant.len() > 9 {
                return Err(DurationError::TooLong(text.into()));
            }
            let n: u64 =
                if significant.is_empty() { 0 } else { significant.parse().map_err(|_| malformed())? };
            total += n * per;
            digits.clear();
            saw_part = true;
        }
    }
    if !digits.is_empty() || !saw_part {
        return Err(malformed());
    }
    if total > u64::from(MAX_DURATION) {
        return Err(DurationError::TooLong(text.into()));
    }
    Ok(total as Minutes)
}

/// Writes minutes in the same notation the files use, largest units first ("1d6h", "45m", "0m").
pub struct Duration(pub Minutes);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        if m == 0 {
            return write!(f, "0m");
        }
        let (d, h, mi) = (m / DAY, (m % DAY) / HOUR, m % HOUR);
        if d > 0 {
            write!(f, "{d}d")?;
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if mi > 0 {
            write!(f, "{mi}m")?;
        }
        Ok(())
    }
}

/// Writes a clock position as "D+HH:MM" (day index from scenario start, then time of day).
pub struct Clock(pub Minutes);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "D{}+{:02}:{:02}", m / DAY, (m % DAY) / HOUR, m % HOUR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_duration("90m"), Ok(90));
        assert_eq!(parse_duration("12h"), Ok(720));
        assert_eq!(parse_duration("3d"), Ok(3 * 1440));
        assert_eq!(parse_duration("1h30m"), Ok(90));
        assert_eq!(parse_duration("1d 6h"), Ok(1440 + 360));
        assert_eq!(parse_duration("0"), Ok(0));
    }

    #[test]
    fn rejects_bad_durations() {
        assert_eq!(parse_duration("-5h"), Err(DurationError::Negative));
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert!(matches!(parse_duration("12"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("h"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("5w"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("99999999999d"), Err(DurationError::TooLong(_))));
        assert!(matches!(parse_duration("4000d"), Err(DurationError::TooLong(_))));
        // Each unit once, largest first.
        assert!(matches!(parse_duration("1h1h"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("30m1h"), Err(DurationError::Malformed(_))));
        // Leading zeros are zeros, not length.
        assert_eq!(parse_duration("0000000001h"), Ok(60));
        assert_eq!(parse_duration("00m"), Ok(0));
    }

    #[test]
    fn formats_round_trip() {
        for m in [0, 1, 59, 60, 61, 1440, 1441, 2000, 90_000] {
            assert_eq!(parse_duration(&Duration(m).to_string()), Ok(m));
        }
        assert_eq!(Clock(1440 + 125).to_string(), "D1+02:05");
    }
}
