//! Exports of a finished run for other tools: pcap / pcapng for Wireshark.
//!
//! Everything here writes to any `io::Write` and touches no files, so the web build can
//! offer the same download.

pub mod dissector;
pub mod pcap;

pub use pcap::{ExportError, PcapFormat, PcapOptions, WirePacket, packets, write};
