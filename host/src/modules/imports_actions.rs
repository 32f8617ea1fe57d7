//! The `actions` import: a module calls an action of another module (the
//! helpdesk's `create-ticket`, say) through the host, for the same caller.
//!
//! The called module runs in a store and instance of its own, with its own
//! limits, but inside the calling call's transaction: a savepoint before it
//! is released when the action succeeds, so its changes commit with the
//! caller's, and rolled back to when it fails, so nothing of it is kept while
//! the caller goes on. Its timers, events, mail and files therefore follow
//! the caller's fate too.

use std::sync::Arc;

use super::LoadedModule;
use super::bindings::Error;
use super::bindings::immcase::plugin::actions;
use super::call::{self, CallState, Effects};

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

/// How deep actions may call actions (A calls B calls C …).
const MAX_DEPTH: u32 = 4;

fn trap(e: impl std::fmt::Display) -> wasmtime::Error {
    wasmtime::Error::msg(e.to_string()).context("the actions import")
}

impl CallState {
    /// The module whose action this call may run, or why not.
    async fn callable(
        &mut self,
        module: &str,
        name: &str,
    ) -> wasmtime::Result<Result<Arc<LoadedModule>, Error>> {
        if !self.module.manifest.may_call(module, name) {
            return Ok(Err(Error::Forbidden(format!(
                "module `{}` does not list the action `{module}.{name}` under [capabilities] actions",
                self.id()
            ))));
        }
        if self.depth >= MAX_DEPTH {
            return Ok(Err(Error::Invalid(format!(
                "actions call each other more than {MAX_DEPTH} deep"
            ))));
        }
        let not_enabled = || Error::NotFound(format!("module `{module}` is not enabled here"));
        let Some(target) = self.app.modules.get(module) else {
            return Ok(Err(not_enabled()));
        };
        let enabled = self
            .app
            .enabled_modules
            .is_enabled(self.app.db.pool(), &self.practice, module)
            .await
            .map_err(trap)?;
        if !enabled {
            return Ok(Err(not_enabled()));
        }
        let permission = format!("module:{module}");
        if let Some(person) = &self.caller
            && !person.can(&permission)
        {
            return Ok(Err(Error::Forbidden(format!(
                "the person this call is for lacks `{permission}`"
            ))));
        }
        Ok(Ok(target))
    }

    /// Runs a statement on the call's transaction, starting it if needed.
    async fn on_tx(&mut self, statement: &str) -> wasmtime::Result<()> {
        let tx = self.tx().await.map_err(trap)?;
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut **tx)
            .await
            .map_err(trap)?;
        Ok(())
    }
}

impl actions::Host for CallState {
    async fn call(&mut self, module: String, name: String, input: String) -> HostResult<String> {
        let target = match self.callable(&module, &name).await? {
            Ok(target) => target,
            Err(e) => return Ok(Err(e)),
        };
        let savepoint = format!("immcase_action_{}", self.depth + 1);
        self.on_tx(&format!("SAVEPOINT {savepoint}")).await?;
        let (app, practice, caller) =
            (self.app.clone(), self.practice.clone(), self.caller.clone());
        let record = call::caller_record(&app, &practice, caller.as_ref());
        let lent = self.lend();
        let (result, effects) = Box::pin(call::execute(
            &app,
            &target,
            &practice,
            caller.as_ref(),
            lent,
            self.depth + 1,
            move |m, store| {
                Box::pin(async move { m.call_call_action(store, &record, &name, &input).await })
            },
        ))
        .await;
        let answer = match result {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(domain)) => Err(domain),
            Err(failed) => Err(Error::Internal(failed.to_string())),
        };
        if answer.is_ok() {
            self.take_back(effects);
            self.on_tx(&format!("RELEASE SAVEPOINT {savepoint}"))
                .await?;
        } else {
            let Effects {
                tx,
                lock,
                written_blobs,
                ..
            } = effects;
            call::discard_blobs(&app, &written_blobs).await;
            self.take_back(Effects {
                tx,
                lock,
                ..Effects::default()
            });
            self.on_tx(&format!("ROLLBACK TO SAVEPOINT {savepoint}"))
                .await?;
            self.on_tx(&format!("RELEASE SAVEPOINT {savepoint}"))
                .await?;
        }
        Ok(answer)
    }
}

/// Calls `module`'s action `name` for a workflow acting as `caller`, inside
/// the run's transaction (`effects`, started here if it has not yet): under
/// a savepoint kept when the action succeeds and rolled back to when it
/// fails, as for a module calling one. The action's effects come back with
/// the run's, which commits or rolls back all of them together. The error
/// is in words for the workflow's history.
pub async fn call_for_workflow(
    app: &crate::state::AppState,
    caller: &crate::access::Caller,
    module: &str,
    name: &str,
    input: String,
    mut effects: Effects,
) -> (Result<String, String>, Effects) {
    let practice = caller.practice.clone();
    let target = match app.modules.get(module) {
        Some(target) => target,
        None => return (Err(format!("module `{module}` is not installed")), effects),
    };
    match app
        .enabled_modules
        .is_enabled(app.db.pool(), &practice, module)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return (
                Err(format!("module `{module}` is not enabled in this practice")),
                effects,
            );
        }
        Err(e) => return (Err(e.to_string()), effects),
    }
    let permission = format!("module:{module}");
    if !caller.can(&permission) {
        return (
            Err(format!("the workflow's role lacks `{permission}`")),
            effects,
        );
    }
    if effects.tx.is_none() {
        match app.db.begin().await {
            Ok(tx) => effects.tx = Some(tx),
            Err(e) => return (Err(e.to_string()), effects),
        }
    }
    let on_tx = async |effects: &mut Effects, statement: &str| -> Result<(), String> {
        let Some(tx) = effects.tx.as_mut() else {
            return Err("the run's transaction was lost".into());
        };
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut **tx)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    if let Err(e) = on_tx(&mut effects, "SAVEPOINT immcase_workflow_action").await {
        return (Err(e), effects);
    }
    let record = call::caller_record(app, &practice, Some(caller));
    let (name, input_name) = (name.to_string(), name.to_string());
    let (result, mut after) = Box::pin(call::execute(
        app,
        &target,
        &practice,
        Some(caller),
        effects,
        1,
        move |m, store| {
            Box::pin(async move { m.call_call_action(store, &record, &name, &input).await })
        },
    ))
    .await;
    let answer = match result {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(domain)) => Err(describe(&domain)),
        Err(failed) => Err(failed.to_string()),
    };
    let answer = answer.map_err(|e| format!("{module}.{input_name}: {e}"));
    let end = if answer.is_ok() {
        on_tx(&mut after, "RELEASE SAVEPOINT immcase_workflow_action").await
    } else {
        call::discard_blobs(app, &std::mem::take(&mut after.written_blobs)).await;
        let back = on_tx(&mut after, "ROLLBACK TO SAVEPOINT immcase_workflow_action").await;
        back.and(on_tx(&mut after, "RELEASE SAVEPOINT immcase_workflow_action").await)
    };
    match end {
        Ok(()) => (answer, after),
        Err(e) => (Err(e), after),
    }
}

/// A module's error in words.
pub(crate) fn describe(error: &Error) -> String {
    match error {
        Error::NotFound(m) => format!("not found: {m}"),
        Error::Forbidden(m) => format!("forbidden: {m}"),
        Error::Invalid(m) => format!("invalid: {m}"),
        Error::Conflict(m) => format!("conflict: {m}"),
        Error::Internal(m) => format!("failed: {m}"),
    }
}
