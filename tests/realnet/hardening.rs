//! Hardening (issue 12): hostile, slow and faulted clients; uploads; load.
