//! The `notifications` import (0.2.1): a line under a person's bell, and
//! its email when they want that kind by email. Granted by declaring kinds
//! in the manifest (`[[notifications]]`); a kind not declared there is
//! refused. Written in the call's transaction, so a call that fails tells
//! nobody.

use super::bindings::Error;
use super::bindings::immcase::plugin::notifications::{self, Notification};
use super::call::CallState;
use crate::notifications::{self as store, New, Told};

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

impl notifications::Host for CallState {
    async fn notify(&mut self, n: Notification) -> HostResult<()> {
        let module = self.module.clone();
        let manifest = &module.manifest;
        let Some(kind) = manifest.notifications.iter().find(|k| k.kind == n.kind) else {
            return Ok(Err(Error::Forbidden(format!(
                "the kind {:?} is not declared under [[notifications]] in plugin.toml",
                n.kind
            ))));
        };
        let email_default = kind.email;
        if n.person_id.is_empty() || n.person_id.len() > 100 {
            return Ok(Err(Error::Invalid(format!(
                "{:?} is not a person's id",
                n.person_id
            ))));
        }
        let new = New {
            person_id: &n.person_id,
            kind: &n.kind,
            source: &manifest.id,
            text: &n.text,
            link: &n.link,
            email_subject: &n.email_subject,
            email_body: &n.email_body,
        };
        if let Err(why) = store::check(&new) {
            return Ok(Err(Error::Invalid(why)));
        }
        let (practice, now) = (self.practice.clone(), self.app.now_ms());
        let tx = self.tx().await?;
        let told = store::notify(tx, &practice, &new, email_default, now)
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()).context("the notifications import"))?;
        if told == (Told::Notified { mailed: true }) {
            self.wake_mail = true;
        }
        Ok(Ok(()))
    }
}
