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
        let Some(target) = self.app.modules.get(module).cloned() else {
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
