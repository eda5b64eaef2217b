//! The JSON of a policy document, read as serde_json reads it but refusing an object that names
//! a key twice (`"Effect": "Allow", "Effect": "Deny"`): serde_json keeps the last, while IAM
//! and KMS refuse such a document, so a policy bksim accepts would not be the one AWS applies.
//! The error names the key by its JSON path (`Statement[0].Effect`), at the line and column
//! where it appears the second time.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parses `text` as JSON whose objects name each key once.
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Unique { at: None }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Where a value is: its key or index, inside its parent's place (`None`: the document).
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

#[derive(Clone, Copy)]
struct Place<'a> {
    step: Step<'a>,
    parent: Option<&'a Place<'a>>,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            write!(f, "{p}")?;
        }
        match self.step {
            Step::Key(k) if self.parent.is_some() => write!(f, ".{k}"),
            Step::Key(k) => f.write_str(k),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A value at `at`, built as serde_json builds a [`Value`], with duplicate keys refused.
struct Unique<'a> {
    at: Option<&'a Place<'a>>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let at = Place {
                step: Step::Index(out.len()),
                parent: self.at,
            };
            match seq.next_element_seed(Unique { at: Some(&at) })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = Place {
                step: Step::Key(&key),
                parent: self.at,
            };
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "{at}: the key appears twice in one object (IAM and KMS refuse such a \
                     document; keep one)"
                )));
            }
            let v = map.next_value_seed(Unique { at: Some(&at) })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 2.5, "x", true, null, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            from_str(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(from_str("{} x").is_err());
        assert!(from_str("[1,]").is_err());
    }

    #[test]
    fn a_key_twice_in_one_object_is_refused_at_its_second_place() {
        let e = from_str("{\"S\": [{\"E\": 1},\n {\"E\": 1,\n  \"E\": 2}]}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "S[1].E: the key appears twice in one object (IAM and KMS refuse such a document; \
             keep one) at line 3 column 5"
        );
        assert_eq!(
            (e.line(), e.classify()),
            (3, serde_json::error::Category::Data)
        );
        // The same key in two objects, or at two levels, is fine.
        assert!(from_str(r#"{"E": {"E": 1}, "F": [{"E": 1}, {"E": 2}]}"#).is_ok());
    }
}
