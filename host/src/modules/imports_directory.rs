//! The `directory` import: the practice's people as colleagues see them
//! (id, email, name, time zone, whether active), for modules that assign
//! work or write to people. Granted by `directory = true` in the manifest;
//! any call of such a module may use it, for its own practice only.

use super::bindings::Error;
use super::bindings::immcase::plugin::directory;
use super::call::CallState;
use crate::access::people::{self, Contact};

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

/// At most this many people in one answer.
const MAX_PEOPLE: usize = 500;

fn person(c: Contact) -> directory::Person {
    directory::Person {
        id: c.id,
        email: c.email,
        display_name: c.display_name,
        time_zone: c.time_zone,
        active: c.active,
    }
}

fn trap(e: crate::error::AppError) -> wasmtime::Error {
    wasmtime::Error::msg(e.to_string()).context("the directory import")
}

impl directory::Host for CallState {
    async fn get(&mut self, id: String) -> HostResult<Option<directory::Person>> {
        if id.is_empty() || id.len() > 100 {
            return Ok(Err(Error::Invalid(format!("{id:?} is not a person's id"))));
        }
        let found = people::contact_of(self.app.db.pool(), &self.practice, &id)
            .await
            .map_err(trap)?;
        Ok(Ok(found.map(person)))
    }

    async fn holding(&mut self, permission: String) -> HostResult<Vec<directory::Person>> {
        if permission.is_empty() || permission.len() > 200 {
            return Ok(Err(Error::Invalid(format!(
                "{permission:?} is not a permission"
            ))));
        }
        let found = people::holding(self.app.db.pool(), &self.practice, &permission, MAX_PEOPLE)
            .await
            .map_err(trap)?;
        Ok(Ok(found.into_iter().map(person).collect()))
    }
}
