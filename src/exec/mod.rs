//! The executor: runs the planned steps against the cache, in parallel, with
//! per-key locks so concurrent builds share work instead of repeating it.
//!
//! A step whose record is in the cache is `cached` without reading its blob;
//! blobs are re-hashed when a step reads them. A corrupt blob is a miss: it
//! is reported, removed, and the episode is walked again, which rebuilds it.

mod executor;
mod graph;
mod outcome;
mod publish;
mod requests;
mod runner;
mod sentences;
mod show;
pub(crate) mod spend;

pub(crate) use executor::Executor;
pub(crate) use graph::BuildGraph;
pub(crate) use outcome::{BuildOutcome, Status};
