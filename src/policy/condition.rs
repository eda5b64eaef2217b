//! Condition operators of IAM policy language as KMS key policies and IAM policies use them:
//! the string and ARN operators, their `IfExists` forms, the `ForAnyValue:` / `ForAllValues:`
//! set operators and `Null`, with `*` / `?` wildcards and ARN segment matching.
//!
//! Semantics follow the IAM User Guide:
//! - operators: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//!   (a key missing from the request makes a positive operator false and a negated one
//!   (`StringNotEquals`, `StringNotLike`, `ArnNotEquals`, `ArnNotLike`) true; `...IfExists` is
//!   true when the key is missing; `Null: true` means "the key is missing");
//! - set operators: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>
//!   (`ForAllValues` is true when every request value matches, and also when the key is missing
//!   or empty; `ForAnyValue` is true when at least one request value matches, so false when the
//!   key is missing or empty, `IfExists` or not).

/// A condition's result. `Unknown` when bksim cannot evaluate it: an operator or condition key
/// it does not model, or a policy variable (`${...}`) in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

/// The base operator, without set prefix or `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Bool,
    Null,
    /// Any other operator (Numeric*, Date*, IpAddress, Binary...): evaluated as unknown.
    Other,
}

impl BaseOp {
    fn from_name(s: &str) -> BaseOp {
        match s {
            "StringEquals" => BaseOp::StringEquals,
            "StringNotEquals" => BaseOp::StringNotEquals,
            "StringEqualsIgnoreCase" => BaseOp::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => BaseOp::StringNotEqualsIgnoreCase,
            "StringLike" => BaseOp::StringLike,
            "StringNotLike" => BaseOp::StringNotLike,
            "ArnEquals" => BaseOp::ArnEquals,
            "ArnLike" => BaseOp::ArnLike,
            "ArnNotEquals" => BaseOp::ArnNotEquals,
            "ArnNotLike" => BaseOp::ArnNotLike,
            "Bool" => BaseOp::Bool,
            "Null" => BaseOp::Null,
            _ => BaseOp::Other,
        }
    }

    /// A negated operator: true when no policy value matches.
    pub fn negated(self) -> bool {
        matches!(
            self,
            BaseOp::StringNotEquals
                | BaseOp::StringNotEqualsIgnoreCase
                | BaseOp::StringNotLike
                | BaseOp::ArnNotEquals
                | BaseOp::ArnNotLike
        )
    }

    /// Whether one request value matches one policy value (the positive sense).
    fn value_matches(self, request: &str, policy: &str) -> bool {
        match self {
            BaseOp::StringEquals | BaseOp::StringNotEquals => request == policy,
            BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
                request.eq_ignore_ascii_case(policy)
                    || request.to_lowercase() == policy.to_lowercase()
            }
            BaseOp::StringLike | BaseOp::StringNotLike => glob(policy, request),
            BaseOp::ArnEquals | BaseOp::ArnLike | BaseOp::ArnNotEquals | BaseOp::ArnNotLike => {
                arn_like(policy, request)
            }
            BaseOp::Bool => request.eq_ignore_ascii_case(policy),
            BaseOp::Null | BaseOp::Other => false,
        }
    }
}

/// A set operator prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    ForAnyValue,
    ForAllValues,
}

/// A parsed condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub set: Option<SetOp>,
    pub base: BaseOp,
    pub if_exists: bool,
    /// As written in the policy.
    pub name: String,
}

impl Operator {
    /// Parses an operator name. Never fails: an unknown one is [`BaseOp::Other`]; an unknown
    /// set prefix (`Foo:StringEquals`) is also `Other`.
    pub fn parse(name: &str) -> Operator {
        let (set, rest, bad_prefix) = match name.split_once(':') {
            Some(("ForAnyValue", r)) => (Some(SetOp::ForAnyValue), r, false),
            Some(("ForAllValues", r)) => (Some(SetOp::ForAllValues), r, false),
            Some((_, r)) => (None, r, true),
            None => (None, name, false),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) if b != "Null" => (b, true),
            _ => (rest, false),
        };
        let base = if bad_prefix {
            BaseOp::Other
        } else {
            BaseOp::from_name(base)
        };
        Operator {
            set,
            base,
            if_exists,
            name: name.to_string(),
        }
    }

    /// Evaluates the operator: `request` is the key's values in the request (`None` when the
    /// key is missing; a single-valued key is a one-element slice), `values` the policy's.
    pub fn eval(&self, request: Option<&[&str]>, values: &[String]) -> Truth {
        if self.base == BaseOp::Other || values.iter().any(|v| v.contains("${")) {
            return Truth::Unknown;
        }
        if self.base == BaseOp::Null {
            // "true": the key is absent; "false": present. Null takes no set prefix.
            let missing = request.is_none_or(|r| r.is_empty());
            let any = values
                .iter()
                .any(|v| match v.to_ascii_lowercase().as_str() {
                    "true" => missing,
                    "false" => !missing,
                    _ => false,
                });
            return truth(any);
        }
        let one = |r: &str| -> bool {
            let hit = values.iter().any(|p| self.base.value_matches(r, p));
            hit != self.base.negated()
        };
        match self.set {
            None => match request {
                None => truth(self.if_exists || self.base.negated()),
                // A single-valued key: its one value (several would be a misuse of a
                // multivalued key without a set operator; all must match then).
                Some([]) => truth(self.if_exists || self.base.negated()),
                Some(r) => truth(r.iter().all(|v| one(v))),
            },
            Some(SetOp::ForAllValues) => match request {
                None => Truth::True,
                Some(r) => truth(r.iter().all(|v| one(v))),
            },
            Some(SetOp::ForAnyValue) => match request {
                None => Truth::False,
                Some(r) => truth(r.iter().any(|v| one(v))),
            },
        }
    }
}

fn truth(b: bool) -> Truth {
    if b { Truth::True } else { Truth::False }
}

/// `StringLike` matching: `*` is any run of characters (also none), `?` exactly one; case
/// sensitive. Backtracking on the last `*` only, so at most pattern × text steps (no
/// exponential blow-up), and none when the pattern needs more characters than the text has;
/// no allocation when both strings are ASCII.
pub fn glob(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob_seq(pattern.as_bytes(), text.as_bytes(), |a, b| a == b);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_seq(&p, &t, |a, b| a == b)
}

/// [`glob`] ignoring ASCII case (action names: `kms:generatedatakey*` matches
/// `kms:GenerateDataKey`).
pub fn glob_folded(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob_seq(pattern.as_bytes(), text.as_bytes(), |a, b| {
            a.eq_ignore_ascii_case(b)
        });
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_seq(&p, &t, |a, b| a.eq_ignore_ascii_case(b))
}

trait Wild: Copy {
    fn star(self) -> bool;
    fn any_one(self) -> bool;
}

impl Wild for u8 {
    fn star(self) -> bool {
        self == b'*'
    }
    fn any_one(self) -> bool {
        self == b'?'
    }
}

impl Wild for char {
    fn star(self) -> bool {
        self == '*'
    }
    fn any_one(self) -> bool {
        self == '?'
    }
}

fn glob_seq<T: Wild>(p: &[T], t: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    // Every character but `*` takes one of the text's: a long pattern against a short text
    // (an object ARN) fails here instead of after pattern × text steps.
    if p.iter().filter(|c| !c.star()).count() > t.len() {
        return false;
    }
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && !p[pi].star() && (p[pi].any_one() || eq(&p[pi], &t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].star() {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| c.star())
}

/// `ArnLike` / `ArnEquals` matching: each of the six colon-separated parts of the ARN
/// (`arn:partition:service:region:account:resource`) is matched on its own with wildcards, so
/// a `*` does not cross a colon before the resource part. A pattern without colons (`*`) is
/// matched against the whole value.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    if !pattern.contains(':') {
        return glob(pattern, value);
    }
    let mut p = pattern.splitn(6, ':');
    let mut v = value.splitn(6, ':');
    loop {
        match (p.next(), v.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) => {
                if !glob(a, b) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn glob_wildcards() {
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x"));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/"));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(glob("**a*", "xxa"));
        assert!(!glob("A", "a"), "case sensitive");
        assert!(glob_folded("kms:generatedatakey*", "kms:GenerateDataKey"));
        assert!(!glob_folded("kms:Decrypt", "kms:Encrypt"));
        // Non-ASCII: `?` is one character, not one byte.
        assert!(glob("caf?", "café"));
        assert!(!glob("caf??", "café"));
        // Backtracking is on the last star only, not exponential.
        let long = "a".repeat(10_000);
        assert!(!glob("*a*a*a*a*a*b", &long));
        // A pattern needing more characters than the text has (`?` needs one, `*` none).
        let text = "arn:aws:s3:::b/k";
        assert!(!glob(
            &format!("arn:aws:s3:::b/*{}y", "x".repeat(35_000)),
            text
        ));
        assert!(glob("arn:aws:s3:::b/??", "arn:aws:s3:::b/k1"));
        assert!(!glob("arn:aws:s3:::b/???", "arn:aws:s3:::b/k1"));
        assert!(glob("***arn:aws:s3:::b/k1***", "arn:aws:s3:::b/k1"));
    }

    #[test]
    fn arn_segments_do_not_cross_colons() {
        assert!(arn_like("arn:aws:s3:::bucket", "arn:aws:s3:::bucket"));
        assert!(arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b"));
        assert!(!arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
        // `*` in the service part cannot swallow region and account.
        assert!(!arn_like("arn:aws:*", "arn:aws:kms:us-east-1:1:key/x"));
        assert!(arn_like("arn:aws:*:*:*:*", "arn:aws:kms:us-east-1:1:key/x"));
        assert!(arn_like("*", "arn:aws:s3:::bucket"));
        assert!(!arn_like("arn:aws:s3:::b", "not-an-arn"));
    }

    #[test]
    fn positive_and_negated_operators() {
        let se = Operator::parse("StringEquals");
        assert_eq!(se.eval(Some(&["x"]), &v(&["x", "y"])), Truth::True);
        assert_eq!(se.eval(Some(&["z"]), &v(&["x", "y"])), Truth::False);
        assert_eq!(se.eval(None, &v(&["x"])), Truth::False);
        let sne = Operator::parse("StringNotEquals");
        assert_eq!(sne.eval(Some(&["x"]), &v(&["x", "y"])), Truth::False);
        assert_eq!(sne.eval(Some(&["z"]), &v(&["x", "y"])), Truth::True);
        // A negated operator on a missing key is true.
        assert_eq!(sne.eval(None, &v(&["x"])), Truth::True);
        let snl = Operator::parse("StringNotLike");
        assert_eq!(snl.eval(Some(&["ab"]), &v(&["a*"])), Truth::False);
        assert_eq!(snl.eval(Some(&["ba"]), &v(&["a*"])), Truth::True);
        let ic = Operator::parse("StringEqualsIgnoreCase");
        assert_eq!(ic.eval(Some(&["ABC"]), &v(&["abc"])), Truth::True);
        let anl = Operator::parse("ArnNotLike");
        assert_eq!(
            anl.eval(Some(&["arn:aws:s3:::b"]), &v(&["arn:aws:s3:::b/*"])),
            Truth::True
        );
        let b = Operator::parse("Bool");
        assert_eq!(b.eval(Some(&["true"]), &v(&["True"])), Truth::True);
    }

    #[test]
    fn if_exists_on_a_missing_key_is_true() {
        let op = Operator::parse("StringLikeIfExists");
        assert!(op.if_exists);
        assert_eq!(op.base, BaseOp::StringLike);
        assert_eq!(op.eval(None, &v(&["a*"])), Truth::True);
        // Present: evaluated as StringLike.
        assert_eq!(op.eval(Some(&["b"]), &v(&["a*"])), Truth::False);
        assert_eq!(
            Operator::parse("ArnLikeIfExists").eval(None, &v(&["x"])),
            Truth::True
        );
    }

    #[test]
    fn set_operators_on_empty_and_missing_sets() {
        let all = Operator::parse("ForAllValues:StringEquals");
        assert_eq!(all.set, Some(SetOp::ForAllValues));
        assert_eq!(all.eval(None, &v(&["a"])), Truth::True);
        assert_eq!(all.eval(Some(&[]), &v(&["a"])), Truth::True);
        assert_eq!(all.eval(Some(&["a", "a"]), &v(&["a", "b"])), Truth::True);
        assert_eq!(all.eval(Some(&["a", "c"]), &v(&["a", "b"])), Truth::False);
        let any = Operator::parse("ForAnyValue:StringEquals");
        assert_eq!(any.eval(None, &v(&["a"])), Truth::False);
        assert_eq!(any.eval(Some(&[]), &v(&["a"])), Truth::False);
        assert_eq!(any.eval(Some(&["c", "a"]), &v(&["a"])), Truth::True);
        // IfExists does not rescue ForAnyValue on a missing key.
        let any_ie = Operator::parse("ForAnyValue:StringEqualsIfExists");
        assert!(any_ie.if_exists);
        assert_eq!(any_ie.eval(None, &v(&["a"])), Truth::False);
        // Negated with a set operator: each request value matches none of the values.
        let all_not = Operator::parse("ForAllValues:StringNotLike");
        assert_eq!(all_not.eval(Some(&["x", "y"]), &v(&["a*"])), Truth::True);
        assert_eq!(all_not.eval(Some(&["x", "ab"]), &v(&["a*"])), Truth::False);
    }

    #[test]
    fn null_and_unknown() {
        let null = Operator::parse("Null");
        assert_eq!(null.eval(None, &v(&["true"])), Truth::True);
        assert_eq!(null.eval(Some(&["x"]), &v(&["true"])), Truth::False);
        assert_eq!(null.eval(Some(&["x"]), &v(&["false"])), Truth::True);
        assert_eq!(
            Operator::parse("NumericLessThan").eval(Some(&["1"]), &v(&["2"])),
            Truth::Unknown
        );
        assert_eq!(
            Operator::parse("Maybe:StringEquals").eval(Some(&["a"]), &v(&["a"])),
            Truth::Unknown
        );
        assert_eq!(
            Operator::parse("StringEquals").eval(Some(&["a"]), &v(&["${aws:username}"])),
            Truth::Unknown
        );
    }
}
