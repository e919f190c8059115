//! The deterministic, sans-IO simulation of two endpoints.
