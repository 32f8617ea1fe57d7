//! The modules a running server offers, replaceable while it runs: a module
//! installed, upgraded or rolled back from Settings (or by `immcase plugin
//! dev`) is loaded beside the running set, then swapped in whole. A call
//! that started before the swap finishes on the version it started with;
//! every call after it gets the new one.

use std::sync::{Arc, RwLock};

use super::call::{CallState, LoadedModule};

type Runtime = immcase_runtime::Runtime<CallState>;

pub struct LiveModules {
    current: RwLock<Arc<Runtime>>,
}

impl LiveModules {
    pub fn new(runtime: Runtime) -> LiveModules {
        LiveModules {
            current: RwLock::new(Arc::new(runtime)),
        }
    }

    /// The set as it is now (kept whole for as long as the caller holds it).
    pub fn now(&self) -> Arc<Runtime> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The loaded module `id`, as it is now.
    pub fn get(&self, id: &str) -> Option<Arc<LoadedModule>> {
        self.now().get(id).cloned()
    }

    /// The ids of the modules subscribed to events named `name`.
    pub fn subscribers(&self, name: &str) -> Vec<String> {
        self.now().subscribers(name).map(str::to_string).collect()
    }

    /// Replaces the set with what `change` makes of the current one.
    pub fn replace(&self, change: impl FnOnce(&Runtime) -> Runtime) {
        let mut current = match self.current.write() {
            Ok(current) => current,
            Err(poisoned) => poisoned.into_inner(),
        };
        let next = change(&current);
        *current = Arc::new(next);
    }
}
