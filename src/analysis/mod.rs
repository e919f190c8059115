//! Metrics computed from any trace.
