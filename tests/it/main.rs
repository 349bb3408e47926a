//! Integration tests: the real `pod` binary on real projects in temporary
//! directories. One test binary (one link of the crate) with a module per
//! concern.

mod common;

mod avatar;
mod build;
mod cache;
mod ci;
mod clean;
mod command;
mod compact;
mod confinement;
mod discovery;
mod errors;
mod espeak;
mod explain;
mod feed;
mod flite;
mod formats;
mod http;
mod input;
mod licence;
mod mutation;
mod onnxruntime;
mod piper;
mod production;
mod pronunciations;
mod remote;
mod safety;
mod site;
mod speakers;
mod status;
mod video;
mod voice_model;
mod watch;
