//! stickysim: why TCP glues and splits application messages (粘包 / 拆包), and how
//! framing fixes it.
//!
//! One trace, two producers, three consumers: the sans-IO [`model`] and real loopback
//! sockets ([`realnet`]) produce a [`trace::Trace`]; the CLI, the GUI and [`analysis`]
//! consume it (docs/design.md, "Architecture").

pub mod analysis;
pub mod calibrate;
pub mod cli;
pub mod export;
pub mod framing;
#[cfg(feature = "gui")]
pub mod gui;
pub mod model;
pub mod narration;
pub mod params;
pub mod quiz;
pub mod realnet;
pub mod scenario;
pub mod sweep;
pub mod timeline;
pub mod trace;
pub mod views;
