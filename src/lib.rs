//! stickysim: why TCP glues and splits application messages (粘包 / 拆包), and how
//! framing fixes it.
//!
//! One trace, two producers, three consumers: the sans-IO [`model`] and real loopback
//! sockets ([`realnet`]) produce a [`trace::Trace`]; the CLI, the GUI and [`analysis`]
//! consume it (docs/design.md, "Architecture").

pub mod analysis;
// The command line, real sockets and what runs on them are not built for the browser
// (wasm32): the web app is the simulated mode only (README, "In the browser").
#[cfg(not(target_arch = "wasm32"))]
pub mod calibrate;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod deeplink;
pub mod export;
pub mod framing;
#[cfg(feature = "gui")]
pub mod gui;
#[cfg(not(target_arch = "wasm32"))]
pub mod handout;
pub mod model;
pub mod narration;
pub mod params;
pub mod quiz;
#[cfg(not(target_arch = "wasm32"))]
pub mod realnet;
pub mod scenario;
pub mod sweep;
pub mod timeline;
pub mod trace;
pub mod views;
