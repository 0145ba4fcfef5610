//! Serde helpers for numbers that must stay exact on the wire.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserializer, Serializer, de};

/// Parses a decimal written as a string (`"0.52"`), an integer or a JSON float. A float is read
/// back through its shortest round-trip text, which is the text that was sent for any number of
/// up to 15 significant digits; no float arithmetic touches the value.
pub(crate) fn parse_decimal_text(s: &str) -> Option<Decimal> {
    let t = s.trim();
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

struct DecimalVisitor;

impl de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number, as a string or a JSON number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal_text(v).ok_or_else(|| E::custom(format!("invalid decimal {v:?}")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("invalid decimal: not a finite number"));
        }
        self.visit_str(&v.to_string())
    }
}

/// `Decimal` as a decimal string; reads strings or numbers.
///
/// The value is written with the scale it carries, so a decimal parsed from `"0.50"` is written
/// back as `"0.50"` (hashes over received JSON stay reproducible); values we compute are
/// normalized where they are made (`"0.5"`, `"100"`).
pub mod decimal_str {
    use super::*;

    /// Writes `d` as a string.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
    /// Reads a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// `Decimal` as a JSON number (`0.01`, `5`), for the few routes that send numbers.
pub(crate) mod decimal_num {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        // serde_json has no way to emit a number from text without `arbitrary_precision`; an
        // integer goes out as an integer, anything else through its shortest double, which for
        // the values these routes carry (ticks, minimum sizes, prices) prints identically.
        let n = d.normalize();
        if let (0, Ok(i)) = (n.scale(), i64::try_from(n)) {
            return s.serialize_i64(i);
        }
        let f: f64 = n.to_string().parse().map_err(serde::ser::Error::custom)?;
        s.serialize_f64(f)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// `Decimal` as a decimal string; reads strings or numbers, and `""` (what the exchange sends for
/// an amount that has no value yet, such as a killed FOK's `size_matched`) as zero.
pub(crate) mod decimal_or_zero {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::opt_decimal_str::deserialize(d).map(Option::unwrap_or_default)
    }
}

/// Unix seconds read from a number or a string (`""` or missing: 0), written as a number. A
/// value of 10^11 or more cannot be seconds (that is the year 5138): it is read as milliseconds
/// and cut to seconds, so a field that arrives in either unit reads the same.
pub(crate) mod unix_secs {
    use super::*;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(*v)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
            F(f64),
        }
        let v = match Option::<Raw>::deserialize(d)? {
            None => 0,
            Some(Raw::N(n)) => n,
            Some(Raw::S(s)) if s.trim().is_empty() => 0,
            Some(Raw::S(s)) => s
                .trim()
                .parse()
                .map_err(|_| de::Error::custom(format!("invalid unix time {s:?}")))?,
            Some(Raw::F(f)) if f.is_finite() && f >= 0.0 => f as u64,
            Some(Raw::F(f)) => return Err(de::Error::custom(format!("invalid unix time {f}"))),
        };
        Ok(if v >= 100_000_000_000 { v / 1000 } else { v })
    }
}

/// [`unix_secs`] written as a decimal string, for the fields the exchange sends as strings.
pub(crate) mod unix_secs_str {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        super::unix_secs::deserialize(d)
    }
}

/// `Option<Decimal>` as a string, `null`/missing as `None`, and `""` as `None` too (the API
/// writes `""` for "nothing matched").
pub(crate) mod opt_decimal_str {
    use super::*;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_str(""),
        }
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            U(u64),
            F(f64),
        }
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::S(s)) if s.trim().is_empty() => Ok(None),
            Some(Raw::S(s)) => de::Visitor::visit_str(DecimalVisitor, &s).map(Some),
            Some(Raw::U(u)) => Ok(Some(Decimal::from(u))),
            Some(Raw::F(f)) => de::Visitor::visit_f64(DecimalVisitor, f).map(Some),
        }
    }
}

/// A `u64` written as a decimal string (`"1700000000"`); reads strings or numbers.
pub(crate) mod u64_str {
    use super::*;

    struct V;
    impl de::Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an unsigned integer, as a string or a JSON number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(0);
            }
            t.parse()
                .map_err(|_| E::custom(format!("invalid unsigned integer {v:?}")))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("invalid unsigned integer {v}")))
        }
    }
    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        d.deserialize_any(V)
    }
}

/// A `TickSize` written as a JSON number (`0.01`, as `/markets` sends it); reads either form.
pub(crate) mod tick_num {
    use super::*;
    use crate::types::TickSize;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(t: &TickSize, s: S) -> Result<S::Ok, S::Error> {
        super::decimal_num::serialize(&t.as_decimal(), s)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TickSize, D::Error> {
        TickSize::deserialize(d)
    }
}

/// `Option<Side>` with `""` for `None` (the exchange's "no trade yet"); reads `""`, `null` or
/// a missing key as `None`.
pub(crate) mod opt_side {
    use super::*;
    use crate::types::Side;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(v: &Option<Side>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.map_or("", Side::as_str))
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Side>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(d)? {
            None => Ok(None),
            Some(t) if t.is_empty() => Ok(None),
            Some(t) => t.parse().map(Some).map_err(de::Error::custom),
        }
    }
}

/// Unix milliseconds written as a decimal string (the streams' `timestamp`); reads strings or
/// numbers, `""` or missing as 0, and a value below 10^11 as seconds (the user channel's
/// documented examples use seconds), so either unit reads the same.
pub(crate) mod unix_millis_str {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let v = super::u64_str::deserialize(d)?;
        Ok(if v < 100_000_000_000 {
            v.saturating_mul(1000)
        } else {
            v
        })
    }
}

/// A list that may arrive as `null` (read as empty).
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Ok(<Option<Vec<T>> as serde::Deserialize>::deserialize(d)?.unwrap_or_default())
}
