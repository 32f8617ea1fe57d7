//! A module's own check of its settings before they are saved (its
//! `settings-check` action in plugin.toml): the rules across fields that
//! declarations cannot say, such as "a category that takes tickets has a
//! responsible person or a team". The host has already checked every
//! declaration; the module answers with the fields still wrong.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::LoadedModule;
use super::call;
use crate::access::Caller;
use crate::error::{AppError, FieldErrors, Result};
use crate::state::AppState;

/// The most problems one answer may name; the longest message kept.
const MAX_PROBLEMS: usize = 50;
const MAX_MESSAGE_CHARS: usize = 300;

/// Refuses `values` (as they would be saved) with the fields the module
/// names, if it has a settings check; values that break a declaration are
/// left to the host's own check, which names those.
pub async fn check(
    state: &AppState,
    caller: &Caller,
    module: &Arc<LoadedModule>,
    values: &Map<String, Value>,
) -> Result<()> {
    let Some(action) = module.manifest.settings_check.clone() else {
        return Ok(());
    };
    let Ok(checked) = immcase_manifest::settings::check(&module.manifest.settings, values) else {
        return Ok(());
    };
    let input = Value::Object(checked.values).to_string();
    let record = call::caller_record(state, &caller.practice, Some(caller));
    let name = action.clone();
    let answer = call::run(
        state,
        module,
        &caller.practice,
        Some(caller),
        None,
        // A check changes nothing: whatever it wrote is rolled back.
        |_| false,
        move |m, store| {
            Box::pin(async move { m.call_call_action(store, &record, &name, &input).await })
        },
    )
    .await?;
    let id = &module.manifest.id;
    let text = answer.map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "module `{id}`'s settings check `{action}` failed: {}",
            super::imports_actions::describe(&e)
        ))
    })?;
    AppError::check_fields(problems(&text).map_err(|why| {
        AppError::Internal(anyhow::anyhow!(
            "module `{id}`'s settings check `{action}` answered {why}"
        ))
    })?)
}

/// The problems of an answer: an object of paths to messages.
fn problems(answer: &str) -> std::result::Result<FieldErrors, String> {
    let value: Value =
        serde_json::from_str(answer).map_err(|e| format!("something other than JSON: {e}"))?;
    let Value::Object(entries) = value else {
        return Err("something other than an object of fields".into());
    };
    let mut found = FieldErrors::new();
    for (path, message) in entries.into_iter().take(MAX_PROBLEMS) {
        let Value::String(message) = message else {
            return Err(format!("a problem at {path:?} that is not text"));
        };
        found.insert(path, message.chars().take(MAX_MESSAGE_CHARS).collect());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_fields_or_is_refused() {
        assert!(problems("{}").unwrap().is_empty());
        let found = problems(r#"{"categories[1]": "choose a responsible person"}"#).unwrap();
        assert_eq!(found["categories[1]"], "choose a responsible person");
        assert!(problems("[]").is_err());
        assert!(problems(r#"{"a": 1}"#).is_err());
        assert!(problems("not json").is_err());
        let many: Map<String, Value> = (0..80)
            .map(|i| (format!("f{i}"), Value::String("x".repeat(1000))))
            .collect();
        let found = problems(&Value::Object(many).to_string()).unwrap();
        assert_eq!(found.len(), MAX_PROBLEMS);
        assert!(
            found
                .values()
                .all(|m| m.chars().count() == MAX_MESSAGE_CHARS)
        );
    }
}
