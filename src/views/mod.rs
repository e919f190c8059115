//! The data behind the engineers' views, computed from a [`Trace`] with no GUI: the
//! ladder diagram (segments as arrows between two time axes), the time–sequence graph
//! (tcptrace style) and the three-boundary stream strip ("Follow stream"). The GUI only
//! draws these; the web build and tests use them as they are.
//!
//! Sequence numbers are the model's: stream offsets from 0 (Wireshark's relative numbers
//! are one more, because its SYN takes the first).

#[cfg(doc)]
use crate::trace::Trace;

mod ladder;
mod seq_graph;
mod strip;

pub use ladder::*;
pub use seq_graph::*;
pub use strip::*;

#[cfg(test)]
mod tests;
