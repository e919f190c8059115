//! Framing: encoders, incremental decoders and the application's receive loops.
