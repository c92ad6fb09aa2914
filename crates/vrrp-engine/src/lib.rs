//! VRRP protocol engine: wire codec and the RFC 3768 / RFC 5798 state machine with
//! keepalived 1.3.5 semantics.
//!
//! Deterministic and I/O-free: the daemon feeds [`Input`]s with the current monotonic
//! time and carries out the [`Action`]s returned; [`Engine::next_deadline`] tells it when
//! to call back with [`Input::Timer`]. Time is a [`Duration`](std::time::Duration) since an
//! arbitrary epoch chosen by the caller, so tests drive the engine with a virtual clock.

#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod event;
pub mod log;
pub mod wire;

pub use config::{
    Auth, EngineConfig, Family, GarpConfig, GarpIntervals, GarpPacing, GlobalVrrpConfig,
    InitialState, InstanceConfig, ScriptConfig, SyncGroupConfig, TrackInterface, TrackScript,
    Version, Vip,
};
pub use engine::{
    Action, Engine, FaultReason, Footprint, Input, InstanceId, InstanceStats, NotifyState,
    NotifyTarget, Observed, Output, RejectKind, RejectReason, RxPacket, State, Transition,
    TransitionCause, ADVERT_SLOT_INSTANCES, ADVERT_SPREAD_SLOTS,
};
pub use event::{AhSync, Event, GroupTarget};
pub use log::{LogLevel, LogLine};
