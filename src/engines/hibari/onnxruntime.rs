//! hibari's optional backend, `backend = "onnxruntime"`: the acoustic model
//! run by ONNX Runtime (the model alone about five times faster than
//! tract here, whole sentences about twice as fast). The
//! library is the user's (pip's `onnxruntime` brings one), loaded when a
//! voice first needs it through `ort`'s `load-dynamic`: pod links none of
//! it, and a build whose voices do not choose it never loads it.
//!
//! Where the library is found, in order: the file `ORT_DYLIB_PATH` names
//! (`ort`'s own variable); a `libonnxruntime.so` next to pod's executable
//! or on the loader's search path (`LD_LIBRARY_PATH` included); the one
//! inside the `onnxruntime` package of `python3` on PATH.
//!
//! Each session runs on one thread with deterministic kernels, so the same
//! library on the same CPU gives the same samples. The library's version
//! and source commit are in every key its voices make (`identity`).

use std::borrow::Cow;
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use super::model::{self, Acoustic, Frames};

/// The backend's name in `backend = "..."`.
pub const NAME: &str = "onnxruntime";

/// pod's own version of how it runs sessions (threads, optimisation
/// level): bumped when a change could change a sample.
const SESSION_VERSION: u32 = 1;

/// How a user gets a library pod can load.
pub const INSTALL: &str = "install ONNX Runtime 1.17 or later (`pip install onnxruntime`, \
     found through `python3`), or set ORT_DYLIB_PATH to its libonnxruntime library; \
     or remove `backend` to use the built-in one (tract)";

/// The library, loaded once per process.
pub struct Runtime {
    pub path: PathBuf,
    /// `GetVersionString`: `1.32.0`.
    pub version: String,
    /// The source commit its build info names, when it names one.
    pub commit: Option<String>,
    environment: Environment,
}

/// The library this process runs hibari with, found and loaded on first
/// use; the error says what was tried, for a message with `INSTALL`. When
/// no library loads, nothing is kept: the next call looks again, so a
/// `pod watch` picks up a library installed while it runs.
pub fn runtime() -> Result<&'static Runtime, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    static LOADING: Mutex<()> = Mutex::new(());
    if let Some(loaded) = RUNTIME.get() {
        return loaded.as_ref().map_err(Clone::clone);
    }
    let _one_at_a_time = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(loaded) = RUNTIME.get() {
        return loaded.as_ref().map_err(Clone::clone);
    }
    match load() {
        Load::Loaded(loaded) => RUNTIME
            .get_or_init(|| loaded)
            .as_ref()
            .map_err(Clone::clone),
        Load::NoneLoads(tried) => Err(tried),
    }
}

/// What looking for a library came to.
enum Load {
    /// A library loaded, and is the process's for good (`ort` keeps it):
    /// setting it up either worked or failed for good.
    Loaded(Result<Runtime, String>),
    /// None loaded: what was tried.
    NoneLoads(String),
}

/// What stands in the key of a voice on this backend for the runtime:
/// its version, pod's session version and the commit (`ort1.32.0s1
/// fab30a4`), or `None` when there is no library to load.
pub fn identity() -> Option<String> {
    let runtime = runtime().ok()?;
    let commit = runtime.commit.as_deref().unwrap_or("nocommit");
    Some(format!("ort{}s{SESSION_VERSION} {commit}", runtime.version))
}

fn load() -> Load {
    let candidates = candidates();
    let no_python = matches!(candidates.as_slice(), [Candidate::System(_)]);
    let mut tried = Vec::new();
    for candidate in candidates {
        let place = match &candidate {
            Candidate::Set(path) => format!("ORT_DYLIB_PATH `{}`", path.display()),
            Candidate::System(path) => format!("`{}` on the library path", path.display()),
            Candidate::Python(path) => format!("`{}` (python3's onnxruntime)", path.display()),
        };
        let path = candidate.path();
        match ort::init_from(path) {
            Ok(builder) => {
                return Load::Loaded(finish(builder, path).map_err(|why| format!("{place} {why}")));
            }
            Err(e) => tried.push(format!("{place} does not load ({})", with_sources(&e))),
        }
    }
    if no_python {
        tried.push("python3 has no `onnxruntime` package".to_string());
    }
    Load::NoneLoads(tried.join("; "))
}

/// Where a library to try was found.
enum Candidate {
    /// `ORT_DYLIB_PATH`.
    Set(PathBuf),
    /// The system's, by file name.
    System(PathBuf),
    /// Inside python3's `onnxruntime` package.
    Python(PathBuf),
}

impl Candidate {
    fn path(&self) -> &Path {
        match self {
            Candidate::Set(path) | Candidate::System(path) | Candidate::Python(path) => path,
        }
    }
}

/// The libraries to try, in order. A path the user set is the only one
/// tried: another library in its place would surprise.
fn candidates() -> Vec<Candidate> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return vec![Candidate::Set(PathBuf::from(path))];
    }
    let system = format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    std::iter::once(Candidate::System(PathBuf::from(system)))
        .chain(in_python_package().map(Candidate::Python))
        .collect()
}

/// An error and its sources, which say why (the loader's own words).
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut words = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        words = format!("{words}: {cause}");
        source = cause.source();
    }
    words
}

/// The library inside the `onnxruntime` package of `python3`, found without
/// importing it (which would load the library into Python for nothing).
fn in_python_package() -> Option<PathBuf> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import importlib.util as u\n\
             s = u.find_spec('onnxruntime')\n\
             print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let package = String::from_utf8(output.stdout).ok()?;
    let package = package.trim();
    if package.is_empty() {
        return None;
    }
    let prefix = format!("{}onnxruntime", std::env::consts::DLL_PREFIX);
    let mut found: Vec<PathBuf> = std::fs::read_dir(Path::new(package).join("capi"))
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|name| {
                    name.starts_with(&prefix)
                        && name.contains(std::env::consts::DLL_SUFFIX)
                        && !name.contains("providers")
                })
        })
        .collect();
    // `libonnxruntime.so.1.32.0`, and perhaps a `libonnxruntime.so` link to it.
    found.sort();
    found.into_iter().next()
}

fn finish(builder: ort::environment::EnvironmentBuilder, path: &Path) -> Result<Runtime, String> {
    let environment = builder
        .with_name("pod")
        .with_telemetry(false)
        .build()
        .map_err(|e| format!("loads, but does not start: {e}"))?;
    let version = version_of(path)?;
    let commit = ort::info()
        .split([',', ' '])
        .find_map(|field| field.strip_prefix("git-commit-id="))
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    Ok(Runtime {
        path: path.to_path_buf(),
        version,
        commit,
        environment,
    })
}

/// The library's own version string (`ort` checks it but does not say it).
fn version_of(path: &Path) -> Result<String, String> {
    let failed = |e: &dyn std::fmt::Display| format!("`{}`: {e}", path.display());
    // SAFETY: `ort::init_from` loaded this very file and found in it the
    // `OrtGetApiBase` of a supported ONNX Runtime; loading it again only
    // counts up a reference. `OrtGetApiBase` takes nothing and returns a
    // table that lives as long as the library, whose `GetVersionString`
    // returns a NUL-terminated static string, read here while `library`
    // is still held.
    unsafe {
        let library = libloading::Library::new(path).map_err(|e| failed(&e))?;
        let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
            library.get(b"OrtGetApiBase").map_err(|e| failed(&e))?;
        let base = get_base();
        if base.is_null() {
            return Err(failed(&"OrtGetApiBase gave nothing"));
        }
        let version = ((*base).GetVersionString)();
        if version.is_null() {
            return Err(failed(&"it has no version"));
        }
        Ok(CStr::from_ptr(version).to_string_lossy().into_owned())
    }
}

/// A voice model for ONNX Runtime: one session per thread running it at
/// once, since a session runs one call at a time (`Session::run` takes
/// `&mut`); each made on first need and kept for the build.
pub struct OnnxModel {
    bytes: Cow<'static, [u8]>,
    idle: Mutex<Vec<Session>>,
}

impl OnnxModel {
    /// Loads `bytes` into a first session, so a model ONNX Runtime cannot
    /// run fails here, once, and not at every sentence.
    pub fn load(bytes: Cow<'static, [u8]>) -> Result<OnnxModel, String> {
        let first = session(&bytes)?;
        Ok(OnnxModel {
            bytes,
            idle: Mutex::new(vec![first]),
        })
    }
}

fn session(bytes: &[u8]) -> Result<Session, String> {
    let runtime = runtime()?;
    let fail = |e: ort::Error| format!("ONNX Runtime cannot run this model: {e}");
    Session::builder(&runtime.environment)
        .map_err(fail)?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| fail(e.into()))?
        .with_intra_threads(1)
        .map_err(|e| fail(e.into()))?
        .with_inter_threads(1)
        .map_err(|e| fail(e.into()))?
        .with_deterministic_compute(true)
        .map_err(|e| fail(e.into()))?
        .commit_from_memory(bytes)
        .map_err(fail)
}

impl Acoustic for OnnxModel {
    fn run(&self, ids: &[i64], speed: f32) -> Result<Frames, String> {
        let idle = self.idle.lock().expect("sessions lock").pop();
        let mut session = match idle {
            Some(session) => session,
            None => session(&self.bytes)?,
        };
        let outputs = run(&mut session, ids, speed);
        self.idle.lock().expect("sessions lock").push(session);
        model::frames(outputs?)
    }
}

/// The model's six outputs, in order, as floats.
fn run(session: &mut Session, ids: &[i64], speed: f32) -> Result<Vec<Vec<f32>>, String> {
    let fail = |e: ort::Error| format!("the acoustic model failed: {e}");
    let ids = Tensor::from_array(([1usize, ids.len()], ids.to_vec())).map_err(fail)?;
    let speed = Tensor::from_array(([1usize], vec![speed])).map_err(fail)?;
    let outputs = session.run(ort::inputs![ids, speed]).map_err(fail)?;
    outputs
        .values()
        .map(|value| {
            value
                .try_extract_tensor::<f32>()
                .map(|(_, floats)| floats.to_vec())
                .map_err(|e| format!("a model output is not f32: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::model::AcousticModel;
    use super::super::vocab;
    use super::*;

    const HEART: &[u8] = include_bytes!("../../../third_party/hibari/hibari.onnx");

    /// ONNX Runtime computes what tract does, up to float rounding: the same
    /// frame counts and close spectra (WER is in bench/wer); and it gives
    /// the same floats twice, from a session made for the purpose and from
    /// the one kept. Needs the library: `scripts/test` installs one.
    #[test]
    fn onnxruntime_gives_tract_s_frames_and_the_same_floats_twice() {
        let runtime = runtime().unwrap_or_else(|e| panic!("{e}; {INSTALL}"));
        assert!(!runtime.version.is_empty());
        let ours = OnnxModel::load(Cow::Borrowed(HEART)).unwrap();
        let tract = AcousticModel::load(HEART).unwrap();
        for phonemes in ["hɛlˈO ðˈɛɹ.", "dˈɑktəɹ mək ˈælɪstəɹ mˈɛt əŋˈIən."] {
            let ids = vocab::ids(phonemes);
            let a = ours.run(&ids, 1.0).unwrap();
            let b = tract.run(&ids, 1.0).unwrap();
            super::super::model::tests::assert_alike(&a, &b, phonemes);

            // Two sessions at once: the kept one is busy, so a new one runs.
            let busy = ours.idle.lock().unwrap().pop().unwrap();
            assert_eq!(ours.run(&ids, 1.0).unwrap(), a, "{phonemes}");
            ours.idle.lock().unwrap().push(busy);
            assert_eq!(ours.run(&ids, 1.0).unwrap(), a, "{phonemes}");
        }
    }

    #[test]
    fn identity_names_the_library_s_version() {
        let runtime = runtime().unwrap_or_else(|e| panic!("{e}; {INSTALL}"));
        let identity = identity().unwrap();
        assert!(
            identity.starts_with(&format!("ort{}s{SESSION_VERSION} ", runtime.version)),
            "{identity}"
        );
    }
}
