//! The `practice` import (contract 0.2.4): the letterhead of the call's
//! practice, its name, postal address, phone, email, website and logo as
//! its administrators keep them in Settings → Practice. It holds nothing
//! that the practice does not print on paper, so every call of every module
//! may read it, for its own practice only, with no capability.

use super::bindings::Error;
use super::bindings::immcase::plugin::practice;
use super::call::CallState;
use crate::practices::{logo, settings};

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

fn trap(e: crate::error::AppError) -> wasmtime::Error {
    wasmtime::Error::msg(e.to_string()).context("the practice import")
}

impl practice::Host for CallState {
    async fn get_letterhead(&mut self) -> HostResult<practice::Letterhead> {
        // Read in the call's transaction when it has one, so a call sees
        // what it sees elsewhere; from the pool otherwise.
        let (practice, app) = (self.practice.clone(), self.app.clone());
        let (details, image) = match self.tx_if_started() {
            Some(tx) => {
                let details = settings::find(&mut **tx, &practice).await;
                (details, logo::find(&mut **tx, &practice).await)
            }
            None => {
                let pool = app.db.pool();
                let details = settings::find(pool, &practice).await;
                (details, logo::find(pool, &practice).await)
            }
        };
        let (details, image) = (details.map_err(trap)?, image.map_err(trap)?);
        Ok(Ok(practice::Letterhead {
            name: details.name,
            address: details.address,
            phone: details.phone,
            email: details.email,
            website: details.website,
            logo: image.map(|l| practice::Logo {
                content_type: l.content_type,
                content: l.content,
            }),
        }))
    }
}
