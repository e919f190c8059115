//! stickysim: why TCP glues and splits application messages (粘包 / 拆包), and how
//! framing fixes it.
//!
//! One trace, two producers, three consumers: the sans-IO [`model`] (and later real
//! sockets) produce a [`trace::Trace`]; the CLI, the GUI and [`analysis`] consume it.

pub mod analysis;
pub mod cli;
pub mod export;
pub mod framing;
#[cfg(feature = "gui")]
pub mod gui;
pub mod model;
pub mod params;
pub mod realnet;
pub mod scenario;
pub mod timeline;
pub mod trace;
pub mod views;
