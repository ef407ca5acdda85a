//! Exact decimal arithmetic for scores and money. TOML numbers are taken from their
//! source text, never via f64, so `0.35 * 4 + …` hits tier thresholds exactly.

use std::fmt;

/// A decimal number `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    pub fn from_int(v: i64) -> Decimal {
        Decimal {
            mantissa: v.into(),
            scale: 0,
        }
    }

    /// Parse a TOML integer or float literal as written (`1_000`, `0.35`, `1e3`, `-2.5E-1`).
    /// Returns None for `inf`/`nan` or numbers too large to hold exactly.
    pub fn parse(text: &str) -> Option<Decimal> {
        if text.bytes().any(|b| matches!(b, b'_' | b'e' | b'E')) {
            Self::parse_general(text)
        } else {
            Self::parse_plain(text)
        }
    }

    /// `[+-]digits[.digits]`, what account files hold, read without allocating (this
    /// runs for every score and amount of every account). Agrees with
    /// [`Decimal::parse_general`] on such text (a test holds them to it).
    fn parse_plain(text: &str) -> Option<Decimal> {
        let (neg, digits) = split_sign(text)?;
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let mut mantissa: i128 = 0;
        let mut significant = 0;
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            if significant == 0 && b == b'0' {
                continue;
            }
            significant += 1;
            if significant > 30 {
                return None; // too large to hold exactly
            }
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        if int.is_empty() || frac.len() > 30 {
            return None;
        }
        Some(signed(neg, mantissa, frac.len() as u32))
    }

    /// Any TOML number literal: underscores, exponents.
    fn parse_general(text: &str) -> Option<Decimal> {
        let t: String = text.chars().filter(|&c| c != '_').collect();
        let (num, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (&t[..], 0),
        };
        let (neg, digits) = split_sign(num)?;
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all = format!("{int}{frac}");
        let all = all.trim_start_matches('0');
        if all.len() > 30 {
            return None;
        }
        let mut mantissa: i128 = if all.is_empty() { 0 } else { all.parse().ok()? };
        let mut scale = frac.len() as i32 - exp;
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        if scale > 30 {
            return None;
        }
        Some(signed(neg, mantissa, scale as u32))
    }

    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// The value scaled to `scale` decimals, rounded half away from zero.
    pub fn to_scaled(self, scale: u32) -> Option<i128> {
        if self.scale <= scale {
            self.mantissa
                .checked_mul(10i128.checked_pow(scale - self.scale)?)
        } else {
            let div = 10i128.checked_pow(self.scale - scale)?;
            let q = self.mantissa / div;
            let r = self.mantissa % div;
            Some(if r.abs() * 2 >= div {
                q + self.mantissa.signum()
            } else {
                q
            })
        }
    }

    /// Exactly representable at `scale` decimals (e.g. a weight with at most 3 decimals).
    pub fn fits_scale(self, scale: u32) -> bool {
        self.scale <= scale
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        let s = self.scale.max(other.scale);
        Some(self.to_scaled(s)?.cmp(&other.to_scaled(s)?))
    }
}

impl serde::Serialize for Decimal {
    /// Exported as a JSON number (exact decimal text, e.g. `3.85`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

/// A number's sign and the rest; None for empty text.
fn split_sign(num: &str) -> Option<(bool, &str)> {
    Some(match num.as_bytes().first()? {
        b'-' => (true, &num[1..]),
        b'+' => (false, &num[1..]),
        _ => (false, num),
    })
}

fn signed(neg: bool, mantissa: i128, scale: u32) -> Decimal {
    let mantissa = if neg { -mantissa } else { mantissa };
    Decimal { mantissa, scale }.normalized()
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let div = 10i128.pow(self.scale);
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let m = self.mantissa.abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            m / div,
            m % div,
            width = self.scale as usize
        )
    }
}

/// An amount of money in cents (whole currency units × 100), exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    pub fn from_decimal(d: Decimal) -> Option<Money> {
        i64::try_from(d.to_scaled(2)?).ok().map(Money)
    }
    pub fn cents(self) -> i64 {
        self.0
    }
    pub fn units_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
    /// `1,234,567` or `1,234,567.50` — grouping in thousands for reports.
    pub fn grouped(self) -> String {
        let neg = self.0 < 0;
        let c = self.0.unsigned_abs();
        let units = (c / 100).to_string();
        let mut out = String::new();
        for (i, ch) in units.chars().enumerate() {
            if i > 0 && (units.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if c % 100 != 0 {
            out.push_str(&format!(".{:02}", c % 100));
        }
        if neg {
            out.insert(0, '-');
        }
        out
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0.saturating_add(o.0))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money(0), |a, b| a + b)
    }
}

impl serde::Serialize for Money {
    /// Exported as a number of whole units (cents as decimals), e.g. `3200000` or `12.5`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.units_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The allocation-free reader of plain numbers gives what the general one gives,
        /// for numbers and for junk alike.
        #[test]
        fn plain_numbers_read_as_the_general_reader_reads_them(
            text in "[+-]?(0|[0-9]){0,36}(\\.(0|[0-9]){0,36})?|-?0\\.0(0|[0-9]){27,32}|[0-9+.\\-x ]{0,8}"
        ) {
            prop_assert_eq!(Decimal::parse_plain(&text), Decimal::parse_general(&text));
        }
    }

    #[test]
    fn plain_numbers_stop_at_thirty_digits_like_the_general_reader() {
        for text in [
            "1",
            "100000000000000000000000000000",    // 30 digits
            "1000000000000000000000000000000",   // 31
            "0.000000000000000000000000000001",  // 30 decimals
            "0.0000000000000000000000000000000", // 31
            "-0012.50",
        ] {
            assert_eq!(
                Decimal::parse_plain(text),
                Decimal::parse_general(text),
                "{text}"
            );
        }
        assert!(Decimal::parse_plain("1000000000000000000000000000000").is_none());
        assert_eq!(
            Decimal::parse_plain("-0012.50")
                .map(|d| d.to_string())
                .as_deref(),
            Some("-12.5")
        );
    }

    #[test]
    fn parses_toml_numbers_exactly() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(d("0.35").to_scaled(3), Some(350));
        assert_eq!(d("1_000").to_scaled(0), Some(1000));
        assert_eq!(d("2.5e3").to_scaled(0), Some(2500));
        assert_eq!(d("-1.25E-1").to_scaled(4), Some(-1250));
        assert_eq!(d("4.0"), d("4"));
        assert!(d("3.2") < d("3.25"));
        assert!(Decimal::parse("inf").is_none());
        assert!(Decimal::parse("nan").is_none());
        assert!(!d("0.3335").fits_scale(3));
        assert_eq!(Money::from_decimal(d("12.345")), Some(Money(1235)));
        assert_eq!(Money(123456750).grouped(), "1,234,567.50");
    }
}
