//! One wasmtime engine for every module: the pooling allocator, epoch
//! interruption, and a thread that advances the epoch. Clones share the
//! engine; the thread stops when the last clone is dropped. A process (or a
//! test binary) may share one engine between several servers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::RuntimeError;

/// How often the epoch advances: the granularity of call time limits.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);
/// Memory slots of the pooling allocator: the most module instances alive at once.
const POOL_INSTANCES: u32 = 256;
/// Largest linear memory any instance may have (a manifest's limit is lower).
const POOL_MAX_MEMORY: usize = 1 << 30;

#[derive(Clone)]
pub struct ModuleEngine {
    engine: wasmtime::Engine,
    _ticker: Arc<Ticker>,
}

/// Stops the epoch thread when dropped.
struct Ticker(Arc<AtomicBool>);

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl ModuleEngine {
    pub fn new() -> Result<ModuleEngine, RuntimeError> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES * 8)
            .total_memories(POOL_INSTANCES * 2)
            .total_tables(POOL_INSTANCES * 8)
            .total_stacks(POOL_INSTANCES)
            .max_memory_size(POOL_MAX_MEMORY)
            .max_memories_per_component(4)
            .max_tables_per_component(16)
            .max_core_instances_per_component(32)
            .max_component_instance_size(1 << 20)
            .max_core_instance_size(1 << 20)
            // Return freed instance memory to the kernel in batches: one
            // decommit per freed instance costs a TLB shootdown across
            // threads each time.
            .decommit_batch_size(32);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = wasmtime::Engine::new(&config).map_err(RuntimeError::Engine)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticking = engine.clone();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("module-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    ticking.increment_epoch();
                }
            })
            .map_err(RuntimeError::Thread)?;
        Ok(ModuleEngine {
            engine,
            _ticker: Arc::new(Ticker(stop)),
        })
    }

    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.engine
    }
}
