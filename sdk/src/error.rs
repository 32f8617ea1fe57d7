//! What can go wrong in a module call, and how it is shown to people.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::wit::immcase::plugin::types::Error as WitError;

/// `Result` with the SDK's [`Error`].
///
/// ```
/// use immcase_sdk::{Error, Result};
///
/// fn folio(number: u32) -> Result<String> {
///     if number == 0 {
///         return Err(Error::invalid_field("number", "must be positive"));
///     }
///     Ok(format!("F-{number:05}"))
/// }
/// assert_eq!(folio(42).unwrap(), "F-00042");
/// assert_eq!(folio(0).unwrap_err().status(), 422);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure of a module call. Each variant carries a message for people.
///
/// Handlers return it and the SDK turns it into the host's error shape:
/// `{"error":{"code":"not_found","message":"..."}}` with 404, 403, 422, 409 or
/// 500 for the JSON API, and a small HTML message for pages. The message of an
/// [`Error::Internal`] is logged, never shown.
///
/// [`Error::with`] adds members to the JSON error object, such as the
/// `fields` of a validation error or the `current` version of a document.
///
/// ```
/// use immcase_sdk::Error;
///
/// let error = Error::NotFound("case 7 not found".into());
/// assert_eq!(error.status(), 404);
/// assert_eq!(error.to_string(), "not_found: case 7 not found");
/// assert_eq!(
///     error.to_json(),
///     serde_json::json!({"error": {"code": "not_found", "message": "case 7 not found"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The thing asked for does not exist (or is not visible to the caller). 404.
    NotFound(String),
    /// The caller, or the module's manifest, lacks a permission; the text names it. 403.
    Forbidden(String),
    /// The input is wrong; the text says why. 422.
    Invalid(String),
    /// A stale version, or a document that already exists. 409.
    Conflict(String),
    /// Nobody's input is wrong: a bug, a broken promise of the host, or
    /// another module's action that trapped or ran out of time
    /// ([`Ctx::call_action`](crate::Ctx::call_action)). 500.
    Internal(String),
    /// One of the above with extra members for the JSON error object.
    #[doc(hidden)]
    Detailed(Box<Error>, Map<String, Value>),
}

impl Error {
    /// An [`Error::Invalid`] that names one field:
    /// `{"message":"text: required","fields":{"text":"required"}}`.
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// let error = Error::invalid_field("email", "required");
    /// assert_eq!(error.status(), 422);
    /// assert_eq!(error.message(), "email: required");
    /// assert_eq!(error.to_json()["error"]["fields"], serde_json::json!({"email": "required"}));
    /// ```
    pub fn invalid_field(field: &str, problem: &str) -> Self {
        Self::invalid_fields([(field.to_owned(), problem.to_owned())])
    }

    /// An [`Error::Invalid`] naming every field that is wrong, in order.
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// let error = Error::invalid_fields([
    ///     ("name".to_owned(), "required".to_owned()),
    ///     ("born".to_owned(), "not a date".to_owned()),
    /// ]);
    /// assert_eq!(error.message(), "name: required; born: not a date");
    /// assert_eq!(error.to_json()["error"]["fields"]["born"], "not a date");
    /// ```
    pub fn invalid_fields(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut message = Vec::new();
        let mut map = Map::new();
        for (field, problem) in fields {
            message.push(format!("{field}: {problem}"));
            map.insert(field, Value::String(problem));
        }
        Self::Invalid(message.join("; ")).with("fields", Value::Object(map))
    }

    /// Adds a member to the JSON error object (next to `code` and `message`,
    /// which it cannot replace).
    ///
    /// ```
    /// use immcase_sdk::Error;
    /// use serde_json::json;
    ///
    /// let error = Error::Conflict("stale".into()).with("current", json!({"version": 3}));
    /// assert_eq!(error.status(), 409);
    /// assert_eq!(
    ///     error.to_json(),
    ///     json!({"error": {"code": "conflict", "message": "stale", "current": {"version": 3}}})
    /// );
    /// ```
    pub fn with(self, key: &str, value: impl Into<Value>) -> Self {
        let (error, mut extra) = match self {
            Self::Detailed(error, extra) => (error, extra),
            other => (Box::new(other), Map::new()),
        };
        if !matches!(key, "code" | "message") {
            extra.insert(key.to_owned(), value.into());
        }
        Self::Detailed(error, extra)
    }

    /// The HTTP status: 404, 403, 422, 409 or 500.
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// assert_eq!(Error::Forbidden("notes.manage_all".into()).status(), 403);
    /// assert_eq!(Error::Conflict("stale".into()).status(), 409);
    /// assert_eq!(Error::Internal("bug".into()).status(), 500);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound(_) => 404,
            Self::Forbidden(_) => 403,
            Self::Invalid(_) => 422,
            Self::Conflict(_) => 409,
            Self::Internal(_) => 500,
            Self::Detailed(error, _) => error.status(),
        }
    }

    /// The error code of the JSON shape: `not_found`, `forbidden`, `invalid`,
    /// `conflict` or `internal`.
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// assert_eq!(Error::Invalid("bad date".into()).code(), "invalid");
    /// assert_eq!(Error::invalid_field("date", "bad").code(), "invalid");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "internal",
            Self::Detailed(error, _) => error.code(),
        }
    }

    /// The message for people (an internal error's too: it is logged, and
    /// [`Error::to_json`] and [`Error::to_response`] hide it).
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// assert_eq!(Error::NotFound("no such case".into()).message(), "no such case");
    /// assert_eq!(Error::Internal("index broken".into()).message(), "index broken");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Self::NotFound(m)
            | Self::Forbidden(m)
            | Self::Invalid(m)
            | Self::Conflict(m)
            | Self::Internal(m) => m,
            Self::Detailed(error, _) => error.message(),
        }
    }

    /// True for [`Error::Internal`] (also when detailed).
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// assert!(Error::Internal("oops".into()).with("step", 2).is_internal());
    /// assert!(!Error::NotFound("gone".into()).is_internal());
    /// ```
    pub fn is_internal(&self) -> bool {
        self.status() == 500
    }

    /// The message that may be shown: an internal error's is hidden.
    pub(crate) fn public_message(&self) -> &str {
        if self.is_internal() {
            "internal error"
        } else {
            self.message()
        }
    }

    /// The JSON body: `{"error":{"code":..,"message":..,...}}`; an internal
    /// error's message is replaced by `internal error`.
    ///
    /// ```
    /// use immcase_sdk::Error;
    /// use serde_json::json;
    ///
    /// let hidden = Error::Internal("database password rejected".into()).to_json();
    /// assert_eq!(hidden, json!({"error": {"code": "internal", "message": "internal error"}}));
    /// ```
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("code".into(), self.code().into());
        object.insert("message".into(), self.public_message().into());
        if let Self::Detailed(_, extra) = self {
            object.extend(extra.clone());
        }
        json!({ "error": object })
    }

    /// The error as the WIT contract carries it: an internal one as
    /// `internal` with its message, which the host logs and does not show
    /// (it retries failed events and timers). The extra members of a
    /// detailed error stay behind: the contract carries a message only.
    pub(crate) fn into_wit(self) -> WitError {
        match self {
            Self::NotFound(m) => WitError::NotFound(m),
            Self::Forbidden(m) => WitError::Forbidden(m),
            Self::Invalid(m) => WitError::Invalid(m),
            Self::Conflict(m) => WitError::Conflict(m),
            Self::Internal(m) => WitError::Internal(m),
            Self::Detailed(error, _) => error.into_wit(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Error {}

impl From<WitError> for Error {
    fn from(error: WitError) -> Self {
        match error {
            WitError::NotFound(m) => Self::NotFound(m),
            WitError::Forbidden(m) => Self::Forbidden(m),
            WitError::Invalid(m) => Self::Invalid(m),
            WitError::Conflict(m) => Self::Conflict(m),
            WitError::Internal(m) => Self::Internal(m),
        }
    }
}

/// Bad JSON (syntax, shape, end of input) is [`Error::Invalid`] with serde's
/// message; an I/O failure is [`Error::Internal`].
impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        if error.is_io() {
            Self::Internal(error.to_string())
        } else {
            Self::Invalid(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_the_fields() {
        let error = Error::invalid_field("text", "required");
        assert_eq!(error.status(), 422);
        assert_eq!(
            error.to_json(),
            json!({"error": {"code": "invalid", "message": "text: required", "fields": {"text": "required"}}})
        );
        let two = Error::invalid_fields([
            ("subject".to_owned(), "required".to_owned()),
            ("text".to_owned(), "at most 5000 characters".to_owned()),
        ]);
        assert_eq!(
            two.message(),
            "subject: required; text: at most 5000 characters"
        );
    }

    #[test]
    fn extra_members_cannot_replace_code_or_message() {
        let error = Error::Conflict("stale".into())
            .with("current", json!({"version": 3}))
            .with("code", "oops");
        assert_eq!(
            error.to_json(),
            json!({"error": {"code": "conflict", "message": "stale", "current": {"version": 3}}})
        );
    }

    #[test]
    fn wit_errors_convert_both_ways() {
        assert_eq!(
            Error::from(WitError::Forbidden("store: secrets".into())),
            Error::Forbidden("store: secrets".into())
        );
        assert!(matches!(
            Error::Internal("boom".into()).into_wit(),
            WitError::Internal(m) if m == "boom"
        ));
        assert_eq!(
            Error::from(WitError::Internal("the action trapped".into())),
            Error::Internal("the action trapped".into())
        );
        assert!(matches!(
            Error::Internal("boom".into()).with("step", 2).into_wit(),
            WitError::Internal(m) if m == "boom"
        ));
        assert!(matches!(
            Error::invalid_field("text", "required").into_wit(),
            WitError::Invalid(m) if m == "text: required"
        ));
    }

    #[test]
    fn bad_json_is_invalid() {
        let error: Error = serde_json::from_str::<u32>("\"x\"")
            .expect_err("not a number")
            .into();
        assert_eq!(error.code(), "invalid");
        assert!(error.message().contains("expected u32"), "{error}");
    }
}
