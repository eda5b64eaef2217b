//! Policy documents as AWS returns them, parsed into statements: `Statement` as an object or
//! an array; `Action` / `NotAction`, `Resource` / `NotResource`, `Principal` / `NotPrincipal`
//! as a string or an array; `Condition` values as a string, a boolean, a number or an array of
//! them. Also the wrappers the AWS CLI prints around a document (`aws kms get-key-policy`:
//! `{"Policy": "<JSON text>"}`; `aws iam get-role-policy` / `get-user-policy`:
//! `{"PolicyDocument": ...}`; `aws iam get-policy-version`: `{"PolicyVersion": {"Document":
//! ...}}`), with the document as an object, as JSON text, or URL-encoded as the IAM API returns
//! it. Every error names the JSON path of the bad element.
//!
//! Grammar: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>;
//! key policy elements (a statement without `Action` or `Resource` has no effect):
//! <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html>.

use super::condition::Operator;
use serde_json::Value;
use std::fmt;

/// Which kind of policy a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A KMS key policy (a resource policy: every statement names its principals).
    Key,
    /// An IAM identity policy (attached to a user or role: no `Principal`).
    Identity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`, `Resource` (or their `Not` forms): the patterns and whether the statement
/// applies to everything they do *not* match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub not: bool,
    pub values: Vec<String>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub not: bool,
    /// `"*"` or `{"AWS": "*"}`: everyone.
    pub any: bool,
    /// `AWS` values: account ids, account root ARNs, role and user ARNs.
    pub aws: Vec<String>,
    /// `Service`, `Federated`, `CanonicalUser` values, prefixed with their kind (`Service:`):
    /// never the IAM principal on whose behalf S3 calls KMS.
    pub other: Vec<String>,
}

/// One condition: operator, key and the policy's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub op: Operator,
    /// The condition key as written.
    pub key: String,
    /// Lower case (condition key names are not case sensitive).
    pub key_lc: String,
    pub values: Vec<String>,
    /// JSON path, e.g. `Statement[2].Condition.StringLike.kms:EncryptionContext:aws:s3:arn`.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 0-based position in `Statement`.
    pub index: usize,
    /// JSON path of the statement (`Statement[1]`, or `Statement` when it is an object).
    pub path: String,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub action: Option<Names>,
    pub resource: Option<Names>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `Sid "X" (Statement[2])` or `Statement[2]`, for messages.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("Sid \"{s}\" ({})", self.path),
            _ => self.path.clone(),
        }
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The file it came from, for messages.
    pub source: String,
    pub kind: PolicyKind,
    pub statements: Vec<Statement>,
    /// Things the reader should know (statements without effect...).
    pub notes: Vec<String>,
}

/// Bad input: the file, the JSON path of the bad element (or line and column of a syntax
/// error) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub source: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = crate::input::escape_controls(&self.source);
        let path = crate::input::escape_controls(&self.path);
        let msg = crate::input::escape_controls(&self.message);
        if path.is_empty() {
            write!(f, "{src}: {msg}")
        } else {
            write!(f, "{src}: {path}: {msg}")
        }
    }
}

impl std::error::Error for PolicyError {}

const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

struct Ctx<'a> {
    source: &'a str,
    prefix: String,
}

impl Ctx<'_> {
    fn err(&self, path: &str, message: impl Into<String>) -> PolicyError {
        PolicyError {
            source: self.source.to_string(),
            path: format!("{}{path}", self.prefix),
            message: message.into(),
        }
    }
}

/// Parses `text`, the content of `source`, as a policy of `kind`.
pub fn parse(source: &str, text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let value = super::json::from_str(text).map_err(|e| PolicyError {
        source: source.to_string(),
        path: String::new(),
        message: format!(
            "line {} column {}: {}",
            e.line(),
            e.column(),
            json_problem(&e)
        ),
    })?;
    let ctx = Ctx {
        source,
        prefix: String::new(),
    };
    unwrap_document(&ctx, value, kind, 0)
}

/// serde_json's message without its trailing " at line L column C".
fn strip_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// What is wrong with a document's JSON, without its position: not JSON, or (well-formed JSON)
/// a key that one object names twice ([`super::json`]).
fn json_problem(e: &serde_json::Error) -> String {
    let msg = strip_position(&e.to_string()).to_string();
    match e.is_data() {
        true => msg,
        false => format!("not valid JSON: {msg}"),
    }
}

/// Finds the document inside the AWS CLI's wrappers and parses it.
fn unwrap_document(
    ctx: &Ctx,
    value: Value,
    kind: PolicyKind,
    depth: u32,
) -> Result<Policy, PolicyError> {
    let Value::Object(mut map) = value else {
        return Err(ctx.err(
            "",
            format!(
                "expected a JSON object (a policy document), found {}",
                type_name(&value)
            ),
        ));
    };
    if map.contains_key("Statement") || depth > 2 {
        return document(ctx, map, kind);
    }
    for (wrapper, nested) in [
        ("Policy", None),
        ("PolicyDocument", None),
        ("PolicyVersion", Some("Document")),
    ] {
        let Some(inner) = map.remove(wrapper) else {
            continue;
        };
        let (inner, path) = match (nested, inner) {
            (Some(field), Value::Object(mut o)) => match o.remove(field) {
                Some(v) => (v, format!("{wrapper}.{field}")),
                None => return Err(ctx.err(wrapper, format!("has no {field}"))),
            },
            (Some(_), other) => {
                return Err(ctx.err(
                    wrapper,
                    format!("expected an object, found {}", type_name(&other)),
                ));
            }
            (None, v) => (v, wrapper.to_string()),
        };
        let inner_ctx = Ctx {
            source: ctx.source,
            prefix: format!("{}{path}->", ctx.prefix),
        };
        let inner = match inner {
            Value::String(s) => embedded(ctx, &path, &s)?,
            v => v,
        };
        return unwrap_document(&inner_ctx, inner, kind, depth + 1);
    }
    Err(ctx.err(
        "",
        "no Statement: expected a policy document, or the output of `aws kms get-key-policy`, `aws iam get-role-policy` or `aws iam get-policy-version`",
    ))
}

/// A document given as JSON text inside a string, possibly URL-encoded (IAM's API).
fn embedded(ctx: &Ctx, path: &str, s: &str) -> Result<Value, PolicyError> {
    let text = if s.trim_start().starts_with('%') {
        url_decode(s).ok_or_else(|| ctx.err(path, "not valid URL-encoded text"))?
    } else {
        s.to_string()
    };
    super::json::from_str(&text).map_err(|e| {
        ctx.err(
            path,
            format!(
                "the embedded policy, line {} column {} of the string: {}",
                e.line(),
                e.column(),
                json_problem(&e)
            ),
        )
    })
}

fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn document(
    ctx: &Ctx,
    map: serde_json::Map<String, Value>,
    kind: PolicyKind,
) -> Result<Policy, PolicyError> {
    for (k, v) in &map {
        match k.as_str() {
            "Version" | "Id" => {
                if !v.is_string() {
                    return Err(ctx.err(k, format!("expected a string, found {}", type_name(v))));
                }
            }
            "Statement" => {}
            other => {
                return Err(ctx.err(
                    other,
                    format!(
                        "unknown element{}",
                        suggest(other, &["Version", "Id", "Statement"])
                    ),
                ));
            }
        }
    }
    let mut policy = Policy {
        source: ctx.source.to_string(),
        kind,
        statements: Vec::new(),
        notes: Vec::new(),
    };
    match map.get("Statement") {
        None => return Err(ctx.err("", "no Statement")),
        Some(Value::Object(o)) => {
            let s = statement(ctx, o, 0, "Statement".into(), kind, &mut policy.notes)?;
            policy.statements.push(s);
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("Statement[{i}]");
                let Value::Object(o) = item else {
                    return Err(ctx.err(
                        &path,
                        format!("expected an object, found {}", type_name(item)),
                    ));
                };
                let s = statement(ctx, o, i, path, kind, &mut policy.notes)?;
                policy.statements.push(s);
            }
        }
        Some(other) => {
            return Err(ctx.err(
                "Statement",
                format!(
                    "expected an object or an array of objects, found {}",
                    type_name(other)
                ),
            ));
        }
    }
    Ok(policy)
}

fn suggest(name: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&name.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
    if best.0 > 0.8 {
        format!(" (did you mean {}?)", best.1)
    } else {
        format!(" (expected one of {})", known.join(", "))
    }
}

fn statement(
    ctx: &Ctx,
    o: &serde_json::Map<String, Value>,
    index: usize,
    path: String,
    kind: PolicyKind,
    notes: &mut Vec<String>,
) -> Result<Statement, PolicyError> {
    for k in o.keys() {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            return Err(ctx.err(
                &format!("{path}.{k}"),
                format!("unknown element{}", suggest(k, STATEMENT_KEYS)),
            ));
        }
    }
    let at = |k: &str| format!("{path}.{k}");
    let sid = match o.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(ctx.err(
                &at("Sid"),
                format!("expected a string, found {}", type_name(v)),
            ));
        }
    };
    let effect = match o.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(ctx.err(
                &at("Effect"),
                format!("\"{s}\": expected \"Allow\" or \"Deny\""),
            ));
        }
        Some(v) => {
            return Err(ctx.err(
                &at("Effect"),
                format!("expected \"Allow\" or \"Deny\", found {}", type_name(v)),
            ));
        }
        None => return Err(ctx.err(&path, "no Effect")),
    };
    let pair = |a: &str, b: &str| -> Result<Option<(bool, &Value)>, PolicyError> {
        match (o.get(a), o.get(b)) {
            (Some(_), Some(_)) => Err(ctx.err(&path, format!("has both {a} and {b}"))),
            (Some(v), None) => Ok(Some((false, v))),
            (None, Some(v)) => Ok(Some((true, v))),
            (None, None) => Ok(None),
        }
    };
    let names = |a: &str, b: &str| -> Result<Option<Names>, PolicyError> {
        Ok(match pair(a, b)? {
            None => None,
            Some((not, v)) => Some(Names {
                not,
                values: strings(ctx, &at(if not { b } else { a }), v)?,
            }),
        })
    };
    let action = names("Action", "NotAction")?;
    let resource = names("Resource", "NotResource")?;
    let principal = match pair("Principal", "NotPrincipal")? {
        None => None,
        Some((not, v)) => Some(principals(
            ctx,
            &at(if not { "NotPrincipal" } else { "Principal" }),
            not,
            v,
        )?),
    };
    match (kind, &principal) {
        (PolicyKind::Key, None) => {
            return Err(ctx.err(
                &path,
                "a key policy statement needs a Principal or NotPrincipal",
            ));
        }
        (PolicyKind::Identity, Some(p)) => {
            let el = if p.not { "NotPrincipal" } else { "Principal" };
            return Err(ctx.err(
                &at(el),
                "an IAM identity policy has no Principal (is this the key policy? give it with --key-policy)",
            ));
        }
        _ => {}
    }
    let conditions = match o.get("Condition") {
        None => Vec::new(),
        Some(v) => conditions(ctx, &at("Condition"), v)?,
    };
    let s = Statement {
        index,
        path,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    };
    if s.action.is_none() || s.resource.is_none() {
        let missing = if s.action.is_none() {
            "Action"
        } else {
            "Resource"
        };
        notes.push(format!(
            "{}: {}: no {missing}, so the statement has no effect",
            ctx.source,
            s.label()
        ));
    }
    Ok(s)
}

/// A string or an array of strings.
fn strings(ctx: &Ctx, path: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let bad = || ctx.err(path, "expected a string or an array of strings");
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

fn principals(ctx: &Ctx, path: &str, not: bool, v: &Value) -> Result<Principals, PolicyError> {
    let mut p = Principals {
        not,
        any: false,
        aws: Vec::new(),
        other: Vec::new(),
    };
    match v {
        Value::String(s) if s == "*" => p.any = true,
        Value::Object(o) => {
            for (k, v) in o {
                let at = format!("{path}.{k}");
                let vals = strings(ctx, &at, v)?;
                match k.as_str() {
                    "AWS" => {
                        for s in vals {
                            if s == "*" {
                                p.any = true;
                            } else {
                                p.aws.push(s);
                            }
                        }
                    }
                    "Service" | "Federated" | "CanonicalUser" => {
                        p.other.extend(vals.into_iter().map(|s| format!("{k}:{s}")));
                    }
                    _ => {
                        return Err(ctx.err(
                            &at,
                            format!(
                                "unknown principal type{}",
                                suggest(k, &["AWS", "Service", "Federated", "CanonicalUser"])
                            ),
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(ctx.err(
                path,
                "expected \"*\" or an object such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}",
            ));
        }
    }
    Ok(p)
}

fn conditions(ctx: &Ctx, path: &str, v: &Value) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(ctx.err(
            path,
            format!("expected an object of operators, found {}", type_name(v)),
        ));
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let op_path = format!("{path}.{op}");
        let Value::Object(keys) = keys else {
            return Err(ctx.err(
                &op_path,
                format!(
                    "expected an object of condition keys, found {}",
                    type_name(keys)
                ),
            ));
        };
        for (key, vals) in keys {
            let key_path = format!("{op_path}.{key}");
            let scalar = |x: &Value| -> Option<String> {
                match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Bool(b) => Some(b.to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }
            };
            let bad = || ctx.err(&key_path, "expected a string or an array of strings");
            let values = match vals {
                Value::Array(items) => items
                    .iter()
                    .map(|i| scalar(i).ok_or_else(bad))
                    .collect::<Result<Vec<_>, _>>()?,
                x => vec![scalar(x).ok_or_else(bad)?],
            };
            out.push(Condition {
                op: Operator::parse(op),
                key: key.clone(),
                key_lc: key.to_lowercase(),
                values,
                path: key_path,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
