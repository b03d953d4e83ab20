//! Examples from the spec: collected with the type they illustrate, checked
//! against that type (a mismatch is a warning with the example's pointer),
//! and emitted as round-trip tests.

use std::collections::BTreeMap;

use openapiv3::{MediaType, ReferenceOr};
use serde_json::Value;

use super::{Cx, resolve};
use crate::diag::Pointer;
use crate::ir::{Additional, Example, Presence, TypeDef, TypeKind, TypeRef};
use crate::naming;

impl<'a> Cx<'a> {
    pub(super) fn collect_examples(
        &mut self,
        base: &str,
        mt: &MediaType,
        at: &Pointer,
        ty: &TypeRef,
    ) {
        if let Some(v) = &mt.example {
            self.push_example(base, "example", &at.push("example"), v.clone(), ty);
        }
        let spec = self.spec;
        let components = spec.components.as_ref().map(|c| &c.examples);
        let mut keys: Vec<(&String, &ReferenceOr<openapiv3::Example>)> =
            mt.examples.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        for (key, ex) in keys {
            let ptr = at.push("examples").push(key);
            let pointer = match ex {
                ReferenceOr::Reference { reference } => Pointer::from_ref(reference),
                ReferenceOr::Item(_) => ptr.clone(),
            };
            let Some(ex) = resolve(self, ex, "examples", components, &ptr) else {
                continue;
            };
            if let Some(v) = &ex.value {
                self.push_example(base, key, &pointer, v.clone(), ty);
            }
        }
    }

    fn push_example(&mut self, base: &str, key: &str, at: &Pointer, value: Value, ty: &TypeRef) {
        // A shared component example is tested once per type it illustrates.
        if self
            .examples
            .iter()
            .any(|e| e.pointer == at.as_str() && &e.ty == ty)
        {
            return;
        }
        let wanted = match at.as_str().strip_prefix("#/components/examples/") {
            Some(component) => naming::field_name(&format!("example_{component}")),
            None => naming::field_name(&format!("{base}_{key}")),
        };
        let name = self.example_scope.claim(&wanted);
        let json = value.to_string();
        self.examples.push(Example {
            name,
            pointer: at.to_string(),
            ty: ty.clone(),
            json,
        });
    }

    /// Keep the examples that match their types; warn about the others.
    pub(super) fn check_examples(&mut self) -> Vec<Example> {
        let examples = std::mem::take(&mut self.examples);
        let mut kept = Vec::new();
        for ex in examples {
            let value: Value = match serde_json::from_str(&ex.json) {
                Ok(v) => v,
                Err(_) => continue,
            };
            match check(&self.types, &ex.ty, &value, "") {
                Ok(()) => kept.push(ex),
                Err(why) => self.diags.warning(
                    &Pointer::from_ref(&ex.pointer),
                    format!(
                        "example does not match its schema ({why}); it is not turned into a test"
                    ),
                ),
            }
        }
        kept
    }
}

/// Whether `value` deserializes as `ty`; `Err` says where it does not.
fn check(
    types: &BTreeMap<String, TypeDef>,
    ty: &TypeRef,
    value: &Value,
    path: &str,
) -> Result<(), String> {
    let here = || {
        if path.is_empty() {
            String::from("at the top level")
        } else {
            format!("at `{path}`")
        }
    };
    let fail = |want: &str| Err(format!("expected {want} {}, found {}", here(), kind(value)));
    match ty {
        TypeRef::Json => Ok(()),
        TypeRef::String | TypeRef::Bytes => {
            if value.is_string() {
                Ok(())
            } else {
                fail("a string")
            }
        }
        TypeRef::Date => match value.as_str() {
            Some(s) if s.len() == 10 && is_calendar_date(s.as_bytes()) => Ok(()),
            Some(_) => Err(format!("expected a date (YYYY-MM-DD) {}", here())),
            None => fail("a date string"),
        },
        TypeRef::DateTime => match value.as_str() {
            Some(s) if looks_like_rfc3339(s) => Ok(()),
            Some(_) => Err(format!("expected an RFC 3339 date-time {}", here())),
            None => fail("a date-time string"),
        },
        TypeRef::Bool => {
            if value.is_boolean() {
                Ok(())
            } else {
                fail("a boolean")
            }
        }
        TypeRef::I8
        | TypeRef::I16
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U8
        | TypeRef::U16
        | TypeRef::U32
        | TypeRef::U64 => {
            let n = value
                .as_i64()
                .map(i128::from)
                .or_else(|| value.as_u64().map(i128::from));
            match (n, ty.int_range()) {
                (Some(n), Some((lo, hi))) if n < lo || n > hi => Err(format!(
                    "expected an integer from {lo} to {hi} (the schema's format) {}",
                    here()
                )),
                (Some(_), _) => Ok(()),
                (None, _) => fail("an integer"),
            }
        }
        TypeRef::F64 => {
            if value.is_number() {
                Ok(())
            } else {
                fail("a number")
            }
        }
        TypeRef::Vec(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    check(types, item, v, &format!("{path}/{i}"))?;
                }
                Ok(())
            }
            None => fail("an array"),
        },
        TypeRef::Map(item) => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    check(types, item, v, &format!("{path}/{k}"))?;
                }
                Ok(())
            }
            None => fail("an object"),
        },
        TypeRef::Named(name) => {
            let Some(def) = types.get(name) else {
                return Ok(());
            };
            match &def.kind {
                TypeKind::Alias(t) => check(types, t, value, path),
                TypeKind::Enum(_) => {
                    if value.is_string() {
                        Ok(())
                    } else {
                        fail("a string")
                    }
                }
                TypeKind::Union(u) if u.discriminator.is_none() => {
                    // The decode rule: the best-scoring variant that decodes.
                    let mut scores: Vec<(usize, &str)> = u
                        .variants
                        .iter()
                        .filter_map(|v| {
                            let score = explains(&v.shape, value)?;
                            check(types, &v.ty, value, path).ok()?;
                            Some((score, v.rust_name.as_str()))
                        })
                        .collect();
                    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
                    match scores.as_slice() {
                        [] => fail(&format!(
                            "one of the variants of `{name}` (it would decode as `Unknown`)"
                        )),
                        [(best, a), (second, b), ..] if best == second => Err(format!(
                            "the value {} matches variants `{a}` and `{b}` of `{name}` equally well, so it would decode as `Unknown`",
                            here()
                        )),
                        _ => Ok(()),
                    }
                }
                TypeKind::Union(u) => {
                    if u.variants
                        .iter()
                        .any(|v| check(types, &v.ty, value, path).is_ok())
                    {
                        Ok(())
                    } else {
                        fail(&format!("one of the variants of `{name}`"))
                    }
                }
                TypeKind::Struct(s) => {
                    let Some(map) = value.as_object() else {
                        return fail("an object");
                    };
                    for f in &s.fields {
                        let sub = format!("{path}/{}", f.wire_name);
                        match (map.get(&f.wire_name), f.presence) {
                            (None, Presence::Required | Presence::RequiredNullable) => {
                                return Err(format!(
                                    "missing required property `{}` {}",
                                    f.wire_name,
                                    here()
                                ));
                            }
                            (None, _) => {}
                            (Some(Value::Null), Presence::Required | Presence::Optional) => {
                                return Err(format!("null for non-nullable property {}", sub));
                            }
                            (Some(Value::Null), _) => {}
                            (Some(v), _) => check(types, &f.ty, v, &sub)?,
                        }
                    }
                    for (k, v) in map {
                        if s.fields.iter().any(|f| &f.wire_name == k) {
                            continue;
                        }
                        match &s.additional {
                            Additional::Map(t) => check(types, t, v, &format!("{path}/{k}"))?,
                            Additional::Forbidden => {
                                return Err(format!(
                                    "property `{k}` {} is not declared and `additionalProperties` is false, so it would be dropped",
                                    here()
                                ));
                            }
                        }
                    }
                    Ok(())
                }
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `YYYY-MM-DD` at the start of `b`, naming a day that exists (chrono,
/// which the generated code decodes dates with, refuses `2023-02-29`).
fn is_calendar_date(b: &[u8]) -> bool {
    let number = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// An RFC 3339 check (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`), with a day
/// that exists and times in range.
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !is_calendar_date(b) {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    if two(11) > 23 || two(14) > 59 || two(17) > 60 {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// The untagged-union decode rule, as the runtime's `de::explains` applies
/// it: `None` when `value` cannot be a variant of this shape, else how much
/// of it the variant explains (see that function for the rule).
pub(crate) fn explains(shape: &crate::ir::Shape, value: &Value) -> Option<usize> {
    use crate::ir::Shape;
    match (shape, value) {
        (Shape::Any, _) => Some(0),
        (_, Value::Null) => None,
        (Shape::String, Value::String(_)) => Some(0),
        (Shape::DateTime, Value::String(s)) => looks_like_rfc3339(s).then_some(1),
        (Shape::Date, Value::String(s)) => {
            (s.len() == 10 && is_calendar_date(s.as_bytes())).then_some(1)
        }
        (Shape::StringEnum(values), Value::String(s)) => values.contains(s).then_some(1),
        (Shape::Integer, Value::Number(n)) => (n.is_i64() || n.is_u64()).then_some(1),
        (Shape::Number, Value::Number(_)) => Some(0),
        (Shape::Bool, Value::Bool(_)) => Some(0),
        (Shape::Array(item), Value::Array(items)) => items
            .iter()
            .try_fold(0, |sum, v| Some(sum + explains(item, v)?)),
        (Shape::Map, Value::Object(_)) => Some(0),
        (
            Shape::Object {
                required,
                consts,
                properties,
                closed,
            },
            Value::Object(map),
        ) => {
            if !required.iter().all(|r| map.contains_key(r)) {
                return None;
            }
            for (name, want) in consts {
                match map.get(name) {
                    None => {}
                    Some(Value::String(got)) if got == want => {}
                    Some(_) => return None,
                }
            }
            let mut score = 0;
            let mut undeclared = false;
            for (k, v) in map {
                match properties.iter().find(|(p, _)| p == k) {
                    None => undeclared = true,
                    Some(_) if v.is_null() => score += 1,
                    Some((_, inner)) => score += 1 + explains(inner, v)?,
                }
            }
            if *closed && undeclared {
                return None;
            }
            if score == 0 && !map.is_empty() && !properties.is_empty() {
                return None;
            }
            Some(score)
        }
        (Shape::OneOf(members), _) => members.iter().filter_map(|m| explains(m, value)).max(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_calendar_date, looks_like_rfc3339};

    #[test]
    fn calendar_dates() {
        for ok in ["2024-02-29", "2000-02-29", "2023-12-31", "0001-01-01"] {
            assert!(is_calendar_date(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2023-13-01",
            "2023-04-31",
            "2023-00-10",
            "not a date",
            "2023-1-01",
            "2023/01/01",
        ] {
            assert!(!is_calendar_date(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn rfc3339() {
        for ok in [
            "2022-04-04T15:56:05.000Z",
            "2022-04-04T15:56:05Z",
            "2022-04-04T15:56:05+02:00",
        ] {
            assert!(looks_like_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2022-04-04",
            "2022-04-04T15:56:05",
            "yesterday",
            "2022-04-04T15:56:05.Z",
            "2022-02-30T15:56:05Z",
            "2022-04-04T25:56:05Z",
        ] {
            assert!(!looks_like_rfc3339(bad), "{bad}");
        }
    }
}
