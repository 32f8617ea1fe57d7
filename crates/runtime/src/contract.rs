//! A loaded module of any served contract, called with the newest one's
//! types: what differs is converted here, so the host's call sites know a
//! single contract. The types the exports use (request, response, event,
//! timer) are the same in 0.1.2 and 0.2.x; `caller` gained the practice's
//! address and `error` a case.

use wasmtime::Store;
use wasmtime::component::InstancePre;

use crate::bindings::{v0_1, v0_2};

/// The contract a component was built against, as the host serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    /// 0.1.x, served by the frozen 0.1.2 bindings.
    V0_1,
    /// 0.2.x.
    V0_2,
}

impl Contract {
    /// The contract that serves a component built against `built`.
    pub fn serving(built: &semver::Version) -> Option<Contract> {
        let served = immcase_manifest::serving_contract(built)?;
        [Contract::V0_1, Contract::V0_2]
            .into_iter()
            .find(|c| c.version() == served)
    }

    /// The served version: `0.1.2`, `0.2.4`.
    pub fn version(self) -> &'static semver::Version {
        let served = &immcase_manifest::SERVED_HOST_APIS;
        match self {
            Contract::V0_1 => &served[0],
            Contract::V0_2 => &served[1],
        }
    }
}

/// A component linked and checked for its exports, ready to instantiate.
pub enum ModulePre<T: 'static> {
    V0_1(v0_1::ModulePre<T>),
    V0_2(v0_2::ModulePre<T>),
}

impl<T: 'static> ModulePre<T> {
    /// Checks the exports of `pre` against the contract's world.
    pub fn new(contract: Contract, pre: InstancePre<T>) -> wasmtime::Result<ModulePre<T>> {
        Ok(match contract {
            Contract::V0_1 => ModulePre::V0_1(v0_1::ModulePre::new(pre)?),
            Contract::V0_2 => ModulePre::V0_2(v0_2::ModulePre::new(pre)?),
        })
    }

    pub fn contract(&self) -> Contract {
        match self {
            ModulePre::V0_1(_) => Contract::V0_1,
            ModulePre::V0_2(_) => Contract::V0_2,
        }
    }

    pub fn engine(&self) -> &wasmtime::Engine {
        match self {
            ModulePre::V0_1(p) => p.engine(),
            ModulePre::V0_2(p) => p.engine(),
        }
    }

    pub fn instance_pre(&self) -> &InstancePre<T> {
        match self {
            ModulePre::V0_1(p) => p.instance_pre(),
            ModulePre::V0_2(p) => p.instance_pre(),
        }
    }
}

impl<T: Send + 'static> ModulePre<T> {
    /// A fresh instance in `store`.
    pub async fn instantiate_async(&self, store: &mut Store<T>) -> wasmtime::Result<Module> {
        Ok(match self {
            ModulePre::V0_1(p) => Module::V0_1(p.instantiate_async(store).await?),
            ModulePre::V0_2(p) => Module::V0_2(p.instantiate_async(store).await?),
        })
    }
}

/// An instance of a module, called with the newest contract's types.
pub enum Module {
    V0_1(v0_1::Module),
    V0_2(v0_2::Module),
}

impl Module {
    pub async fn call_handle_http<S: Send>(
        &self,
        store: &mut Store<S>,
        caller: &v0_2::Caller,
        request: &v0_2::HttpRequest,
    ) -> wasmtime::Result<v0_2::HttpResponse> {
        match self {
            Module::V0_2(m) => m.call_handle_http(store, caller, request).await,
            Module::V0_1(m) => {
                let request = v0_1::HttpRequest {
                    method: request.method.clone(),
                    path: request.path.clone(),
                    query: request.query.clone(),
                    headers: request.headers.clone(),
                    body: request.body.clone(),
                    page: request.page,
                };
                let r = m
                    .call_handle_http(store, &old_caller(caller), &request)
                    .await?;
                Ok(v0_2::HttpResponse {
                    status: r.status,
                    headers: r.headers,
                    body: r.body,
                })
            }
        }
    }

    pub async fn call_on_event<S: Send>(
        &self,
        store: &mut Store<S>,
        caller: &v0_2::Caller,
        event: &v0_2::Event,
    ) -> wasmtime::Result<Result<(), v0_2::Error>> {
        match self {
            Module::V0_2(m) => m.call_on_event(store, caller, event).await,
            Module::V0_1(m) => {
                let event = v0_1::Event {
                    id: event.id.clone(),
                    name: event.name.clone(),
                    payload: event.payload.clone(),
                    source: event.source.clone(),
                    occurred_at: event.occurred_at,
                };
                let returned = m.call_on_event(store, &old_caller(caller), &event).await?;
                Ok(returned.map_err(new_error))
            }
        }
    }

    pub async fn call_on_timer<S: Send>(
        &self,
        store: &mut Store<S>,
        caller: &v0_2::Caller,
        timer: &v0_2::Timer,
    ) -> wasmtime::Result<Result<(), v0_2::Error>> {
        match self {
            Module::V0_2(m) => m.call_on_timer(store, caller, timer).await,
            Module::V0_1(m) => {
                let timer = v0_1::Timer {
                    key: timer.key.clone(),
                    payload: timer.payload.clone(),
                    due_at: timer.due_at,
                };
                let returned = m.call_on_timer(store, &old_caller(caller), &timer).await?;
                Ok(returned.map_err(new_error))
            }
        }
    }

    pub async fn call_call_action<S: Send>(
        &self,
        store: &mut Store<S>,
        caller: &v0_2::Caller,
        name: &str,
        input: &str,
    ) -> wasmtime::Result<Result<String, v0_2::Error>> {
        match self {
            Module::V0_2(m) => {
                m.call_call_action(store, caller, name, &input.to_owned())
                    .await
            }
            Module::V0_1(m) => {
                let returned = m
                    .call_call_action(store, &old_caller(caller), name, &input.to_owned())
                    .await?;
                Ok(returned.map_err(new_error))
            }
        }
    }
}

fn old_caller(c: &v0_2::Caller) -> v0_1::Caller {
    v0_1::Caller {
        practice: c.practice.clone(),
        user_id: c.user_id.clone(),
        email: c.email.clone(),
        display_name: c.display_name.clone(),
        time_zone: c.time_zone.clone(),
        permissions: c.permissions.clone(),
    }
}

/// A 0.1 module's error as the newest contract carries it.
pub fn new_error(e: v0_1::Error) -> v0_2::Error {
    match e {
        v0_1::Error::NotFound(m) => v0_2::Error::NotFound(m),
        v0_1::Error::Forbidden(m) => v0_2::Error::Forbidden(m),
        v0_1::Error::Invalid(m) => v0_2::Error::Invalid(m),
        v0_1::Error::Conflict(m) => v0_2::Error::Conflict(m),
    }
}

/// An error of the newest contract for a 0.1 module, which has no internal
/// case: it travels as `invalid`, saying so.
pub fn old_error(e: v0_2::Error) -> v0_1::Error {
    match e {
        v0_2::Error::NotFound(m) => v0_1::Error::NotFound(m),
        v0_2::Error::Forbidden(m) => v0_1::Error::Forbidden(m),
        v0_2::Error::Invalid(m) => v0_1::Error::Invalid(m),
        v0_2::Error::Conflict(m) => v0_1::Error::Conflict(m),
        v0_2::Error::Internal(m) => v0_1::Error::Invalid(format!("internal error: {m}")),
    }
}
